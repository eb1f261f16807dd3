package zerocopy

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"zbench/internal/benchtest"
	"zbench/internal/sys"
	"zbench/peer"
	"zbench/results"
	"zbench/stream"
)

// The test binary is zbench for this family: worker and helper processes
// re-execute it.
func TestMain(m *testing.M) { benchtest.Main(m, Specs) }

// corruptAt is the stream offset the test-only method "corrupt" damages.
const corruptAt = 3*4096 + 123

// testMethods are methods only the tests add to the table: write(2) with
// one byte of the stream flipped on its way out, as a buffer reused too
// early or a mishandled short write would change it; and vmsplice through a
// ring of one chunk, rewritten while the receiving socket may still hold its
// pages: what the in-flight bound of the real method prevents.
var testMethods = []sendMethod{
	{name: "corrupt", doc: "write(2) with one byte flipped (tests only)", open: func(env *sendEnv) (sender, error) {
		w, err := newWrite(env)
		if err != nil {
			return nil, err
		}
		return &corruptSender{writeSender: w.(*writeSender)}, nil
	}},
	{name: "vmsplice-early", doc: "vmsplice reusing its buffer at once (tests only)", open: func(env *sendEnv) (sender, error) {
		ring, err := stream.Buffer(env.size)
		if err != nil {
			return nil, err
		}
		p, err := newPipe(env.size)
		if err != nil {
			return nil, err
		}
		return &vmspliceSender{fd: env.fd, pipe: p, ring: ring, size: env.size, verify: env.verify, pat: env.pat}, nil
	}},
}

// realMethods are the production table, before the tests add theirs.
var realMethods = sendMethods

func init() {
	sendMethods = append(sendMethods[:len(sendMethods):len(sendMethods)], testMethods...)
}

type corruptSender struct{ *writeSender }

func (c *corruptSender) chunk(off int64) error {
	c.pat.Fill(c.buf, off)
	if at := corruptAt - off; at >= 0 && at < int64(len(c.buf)) {
		c.buf[at] ^= 0x20
	}
	return sys.WriteAll(c.fd, c.buf)
}

func runSpecs(t *testing.T, tr peer.Transport, verify bool, names ...string) []results.Result {
	t.Helper()
	return benchtest.Run(t, Specs(), benchtest.Options{Target: 3 * time.Millisecond, Transport: tr, Verify: verify}, names...)
}

func sendNames(transport string, sizes ...string) []string {
	return specNames("send", realMethods, func(m sendMethod) string { return m.name }, transport, sizes...)
}

func responseNames(transport string, sizes ...string) []string {
	return specNames("response", responseMethods, func(m responseMethod) string { return m.name }, transport, sizes...)
}

// specNames names zerocopy/OP's benchmark of every method over transport
// at each size, in the order of methods.
func specNames[M any](op string, methods []M, method func(M) string, transport string, sizes ...string) []string {
	var names []string
	for _, m := range methods {
		for _, size := range sizes {
			names = append(names, fmt.Sprintf("zerocopy/%s/method=%s/size=%s/transport=%s", op, method(m), size, transport))
		}
	}
	return names
}

// check asserts what is true of every result on any machine: verified
// bytes arrived, costs are there, zero-copy methods say what the kernel did.
func check(t *testing.T, res []results.Result) {
	t.Helper()
	for _, x := range res {
		if !benchtest.Measured(t, x) {
			continue
		}
		if strings.HasPrefix(x.Name, "zerocopy/send") {
			if !(x.Median > 0) || x.Median > 1e12 {
				t.Errorf("%s = %.3g B/s: not a positive rate below the physical bound (a load can slow a sample, never make it faster than the machine)", x.Name, x.Median)
			}
			for _, m := range []string{"sender-cpu-ns/B", "receiver-cpu-ns/B"} {
				if x.Metrics[m] <= 0 {
					t.Errorf("%s: no %s", x.Name, m)
				}
			}
			zc := strings.Contains(x.Name, "method=msgzerocopy") || strings.Contains(x.Name, "method=uringzc")
			f, ok := x.Metrics["copied-fraction"]
			if ok != zc {
				t.Errorf("%s: copied-fraction present = %v", x.Name, ok)
			}
			// Loopback and veth always copy (msg_zerocopy.rst, "Loopback"),
			// and the result must say so.
			if zc && (f < 0.99 || len(x.Warnings) == 0 || !strings.Contains(strings.Join(x.Warnings, " "), "copied")) {
				t.Errorf("%s: copied-fraction %v, warnings %q: a local transport must show a copy", x.Name, f, x.Warnings)
			}
		} else {
			if !(x.Median > 0) || x.Median > 1e7 {
				t.Errorf("%s = %.3g responses/s: not a positive rate below the physical bound (a load can slow a sample, never make it faster than the machine)", x.Name, x.Median)
			}
			if x.Metrics["segments/response"] < 1 || x.Metrics["sender-cpu-ns/response"] <= 0 {
				t.Errorf("%s: metrics %v", x.Name, x.Metrics)
			}
		}
		if _, ok := x.Metrics["retransmits"]; !ok {
			t.Errorf("%s: no retransmits metric", x.Name)
		}
	}
}

// Every method, at the smallest and a large size, moves the stream intact
// under --verify.
func TestSendMethodsVerified(t *testing.T) {
	check(t, runSpecs(t, peer.Transport{}, true, sendNames(peer.Loopback, "4KiB", "1MiB")...))
}

func TestResponseMethodsVerified(t *testing.T) {
	check(t, runSpecs(t, peer.Transport{}, true, responseNames(peer.Loopback, "4KiB", "64KiB")...))
}

func TestMethodsVeth(t *testing.T) {
	pair := benchtest.Veth(t)
	names := append(sendNames(peer.Veth, "64KiB"), responseNames(peer.Veth, "16KiB")...)
	check(t, runSpecs(t, pair.Transport(), true, names...))
}

// --verify catches one flipped byte, names it, and without --verify the
// same sender passes (nothing checks).
func TestVerifyCatchesCorruption(t *testing.T) {
	name := "zerocopy/send/method=corrupt/size=4KiB/transport=loopback"
	x := runSpecs(t, peer.Transport{}, true, name)[0]
	if want := fmt.Sprintf("stream byte %d", corruptAt); !strings.Contains(x.Error, want) {
		t.Errorf("verified run: error %q, want one naming %s", x.Error, want)
	}
	if x := runSpecs(t, peer.Transport{}, false, name)[0]; x.Error != "" {
		t.Errorf("unverified run: %s", x.Error)
	}
}

// Reusing a vmspliced buffer before the receiver has read it changes the
// stream, and --verify says so: the reason vmsplice cycles through a ring
// larger than everything the kernel can hold.
func TestVerifyCatchesEarlyReuse(t *testing.T) {
	benchtest.NoSamplesExpected(t)
	x := runSpecs(t, peer.Transport{}, true, "zerocopy/send/method=vmsplice-early/size=64KiB/transport=loopback")[0]
	if !strings.Contains(x.Error, "stream byte") {
		t.Errorf("vmsplice rewriting spliced pages at once: error %q, want a verification failure", x.Error)
	}
}

func TestNames(t *testing.T) {
	seen := map[string]bool{}
	defaults := 0
	for _, s := range Specs() {
		if seen[s.Name] {
			t.Errorf("duplicate name %s", s.Name)
		}
		seen[s.Name] = true
		if s.Default {
			defaults++
		}
		if s.Child == nil || s.Run == nil {
			t.Errorf("%s: no Run or helper", s.Name)
		}
	}
	if defaults != 4 {
		t.Errorf("%d benchmarks in the default suite, want 4", defaults)
	}
	for _, n := range []string{"zerocopy/send/method=sendfile/size=64KiB/transport=veth",
		"zerocopy/send/method=write/size=128KiB/transport=loopback",
		"zerocopy/response/method=write+sendfile/size=4KiB/transport=loopback"} {
		if !seen[n] {
			t.Errorf("no benchmark %s", n)
		}
	}
}

// Every method of the tables can be opened: the table is the whole of a
// method's wiring.
func TestMethodTables(t *testing.T) {
	for _, m := range sendMethods {
		if m.open == nil || m.name == "" || m.doc == "" {
			t.Errorf("send method %q: open, name and doc are required", m.name)
		}
	}
	for _, m := range responseMethods {
		if m.send == nil || m.name == "" || m.doc == "" {
			t.Errorf("response method %q: send, name and doc are required", m.name)
		}
	}
}
