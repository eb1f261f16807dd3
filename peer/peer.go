// Package peer provides the other end of zbench's network benchmarks, a part
// of the measure stage: where the client and the server of a round trip or a
// stream live. Transports are loopback (both ends in this network namespace,
// 127.0.0.1), veth (two network namespaces joined by a veth link, made for
// the run and removed on every exit path), and peer (a remote `zbench serve`
// over a real NIC).
//
// The command opens a Link for the run's transport (Open), which sets it up
// and tears it down (Close); the harness hands its Transport to every worker
// in the worker's job, and a benchmark reads it with bench.B.Transport. A
// worker's measuring thread and its helper processes enter the namespaces
// they need with Enter, one OS thread at a time, so nothing else in the
// process moves.
package peer

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"strings"

	"zbench/internal/host"
	"zbench/name"
)

// Transport names, as benchmark names and --transport spell them: the
// values of name.Transport, untyped so that they compare with either a
// string or a name.Transport.
const (
	Loopback = "loopback"
	Veth     = "veth"
	// Remote is a `zbench serve` on another host, over a real NIC.
	Remote = "peer"
	// NetnsLoop is loopback in a network namespace of the run's own.
	NetnsLoop = "netns"
)

// AllTransports is every transport a network benchmark can be declared for.
var AllTransports = []string{Loopback, Veth, Remote, NetnsLoop}

// Transport says where the two ends of a network benchmark live. It travels
// from the command to each worker in the worker's job, as JSON; the token
// does not (a job is a command-line argument, which any local user can
// read): the worker reads it from TokenFile (Load).
type Transport struct {
	Name name.Transport `json:"name"`
	// ServerAddr is the address the server end listens on and the client
	// connects to.
	ServerAddr netip.Addr `json:"server_addr,omitzero"`
	// ClientNetns and ServerNetns are the network namespaces (paths of
	// nsfs files) of the two ends; "" means the current one.
	ClientNetns string `json:"client_netns,omitempty"`
	ServerNetns string `json:"server_netns,omitempty"`
	// Server is the control address of the remote `zbench serve`, and
	// Token the shared secret it may require, read from TokenFile (Remote
	// only).
	Server    string `json:"server,omitempty"`
	TokenFile string `json:"token_file,omitempty"`
	Token     []byte `json:"-"`
}

// LoopbackTransport is the loopback transport: both ends here, 127.0.0.1.
func LoopbackTransport() Transport {
	return Transport{Name: name.Loopback, ServerAddr: netip.AddrFrom4([4]byte{127, 0, 0, 1})}
}

// Load returns t ready for use in this process: the loopback transport for
// the zero value, and the token read from TokenFile.
func (t Transport) Load() (Transport, error) {
	if t.Name == "" {
		return LoopbackTransport(), nil
	}
	if _, err := name.ParseTransport(string(t.Name)); err != nil {
		return Transport{}, err
	}
	if t.TokenFile != "" && t.Token == nil {
		tok, err := ReadToken(t.TokenFile)
		if err != nil {
			return Transport{}, err
		}
		t.Token = tok
	}
	return t, nil
}

// ReadToken reads a token file: its content less surrounding white space,
// which must not be empty. "" reads no token.
func ReadToken(path string) ([]byte, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("token file: %w", err)
	}
	tok := []byte(strings.TrimSpace(string(b)))
	if len(tok) == 0 {
		return nil, fmt.Errorf("token file %s is empty", path)
	}
	return tok, nil
}

// staleOwner parses "zbench-ID-c", "zbench-ID-s" (veth) or "zbench-ID-l"
// (netns), where ID is the
// sys.ProcessID of the run that made the namespace ("PID.STARTTIME"; older
// builds wrote the PID alone).
func staleOwner(ns string) (string, bool) {
	rest, ok := strings.CutPrefix(ns, "zbench-")
	if !ok {
		return "", false
	}
	id, side, ok := strings.Cut(rest, "-")
	if !ok || (side != "c" && side != "s" && side != "l") || id == "" {
		return "", false
	}
	return id, true
}

// InNetns runs f on a locked OS thread inside the network namespace at
// path ("" for this one), so the sockets and /proc/sys/net files f opens
// belong to it, and returns f's error joined with any error entering or
// leaving. A thread that could not leave the namespace stays locked and
// dies with its goroutine rather than serve anything else. f must return
// (not Goexit).
func InNetns(path string, f func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		restore, err := Enter(path)
		if err != nil {
			errc <- err
			return // the thread stays locked and dies with the goroutine
		}
		// f may end its goroutine without returning (runtime.Goexit, as a
		// test's t.FailNow does): the caller must hear of it, not wait
		// for ever. The thread, still locked, dies with the goroutine.
		returned := false
		defer func() {
			if !returned {
				errc <- errors.New("the function run in the namespace did not return")
			}
		}()
		err = f()
		returned = true
		if rerr := restore(); rerr != nil {
			errc <- errors.Join(err, rerr)
			return // a thread that could not leave the namespace must die
		}
		runtime.UnlockOSThread()
		errc <- err
	}()
	return <-errc
}

// LocalNIC describes the interface holding local in the network namespace
// netns ("" for this one), probed from a locked thread inside it.
func LocalNIC(netns string, local netip.Addr) (host.NIC, error) {
	var nic host.NIC
	err := InNetns(netns, func() (err error) {
		nic, err = host.NICFor(local)
		return err
	})
	return nic, err
}

// Requires are the prerequisites of a benchmark declared for transport:
// root and iproute2 for veth. Whether the run has the transport at all is
// the harness's to say (bench.Runner.Transport).
func Requires(transport string) []func() error {
	switch transport {
	case Veth:
		return []func() error{VethSupported}
	case NetnsLoop:
		return []func() error{LoopNamespaceSupported}
	}
	return nil
}

// MaxCPU bounds a CPU number in a helper's arguments (the kernel's
// CPU_SETSIZE is far lower on most builds; pinning says so where it is).
const MaxCPU = 1 << 16

// ParseCPU reads a helper's CPU argument: -1 (not pinned) or 0 … MaxCPU-1.
func ParseCPU(s string) (int, error) {
	cpu, err := strconv.Atoi(s)
	if err != nil || cpu < -1 || cpu >= MaxCPU {
		return 0, fmt.Errorf("bad CPU %q: want -1 (not pinned) or 0 … %d", s, MaxCPU-1)
	}
	return cpu, nil
}

// ParseIPv4 reads a helper's address argument, which must be IPv4: helpers
// listen and accept only on the addresses they were given. what names the
// address in the error ("listening", "client").
func ParseIPv4(what, s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return netip.Addr{}, fmt.Errorf("bad %s address %q: want an IPv4 address", what, s)
	}
	return a, nil
}

// FormatAddr writes an address as helper arguments carry it: "" for none.
func FormatAddr(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}
