package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"zbench/peer"
	"zbench/results"
)

// Attacks on `zbench serve` from a second network namespace (issue 10):
// strangers that flood or trickle, a stalled stream, a third address on a
// data port, signals, and a process out of descriptors.

// loggedServer is a `zbench serve` in a namespace whose log lines the test
// reads.
type loggedServer struct {
	cmd   *exec.Cmd
	mu    sync.Mutex
	lines []string
	more  chan struct{}
}

func startLoggedServer(t *testing.T, ns, listen, token string, extra ...string) *loggedServer {
	t.Helper()
	args := append([]string{"serve", "--listen", listen, "--token-file", token}, extra...)
	return startLoggedCmd(t, inNetns(ns, args...), listen)
}

func startLoggedCmd(t *testing.T, cmd *exec.Cmd, listen string) *loggedServer {
	t.Helper()
	out, _ := cmd.StdoutPipe()
	errp, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &loggedServer{cmd: cmd, more: make(chan struct{}, 1)}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	go func() {
		sc := bufio.NewScanner(errp)
		for sc.Scan() {
			s.mu.Lock()
			s.lines = append(s.lines, sc.Text())
			s.mu.Unlock()
			select {
			case s.more <- struct{}{}:
			default:
			}
		}
	}()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.Contains(line, "listening on "+listen) {
		t.Fatalf("server did not start: %q %v", line, err)
	}
	go io.Copy(io.Discard, out)
	return s
}

// status asks the server for its status line (SIGUSR1) and returns it with
// its descriptors and RSS read from /proc.
func (s *loggedServer) status(t *testing.T) serverFigures {
	t.Helper()
	s.mu.Lock()
	n := len(s.lines)
	s.mu.Unlock()
	s.cmd.Process.Signal(syscall.SIGUSR1)
	deadline := time.After(10 * time.Second)
	for {
		s.mu.Lock()
		for _, l := range s.lines[n:] {
			if _, st, ok := strings.Cut(l, "status: "); ok {
				s.mu.Unlock()
				return parseFigures(t, st)
			}
		}
		s.mu.Unlock()
		select {
		case <-s.more:
		case <-deadline:
			t.Fatal("no status line after SIGUSR1")
		}
	}
}

type serverFigures struct {
	Goroutines, Descriptors int
	RSS                     string
}

func (f serverFigures) String() string {
	return fmt.Sprintf("goroutines %d, descriptors %d, RSS %s", f.Goroutines, f.Descriptors, f.RSS)
}

func parseFigures(t *testing.T, st string) serverFigures {
	var f serverFigures
	var rss, unit string
	if _, err := fmt.Sscanf(st, "goroutines %d, descriptors %d, RSS %s %s", &f.Goroutines, &f.Descriptors, &rss, &unit); err != nil {
		t.Fatalf("status line %q: %v", st, err)
	}
	f.RSS = rss + " " + unit
	return f
}

// helpersOf lists the helper processes (zbench __child) whose parent is pid.
func helpersOf(pid int) []int {
	var kids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		rest := string(stat[bytes.LastIndexByte(stat, ')')+1:])
		f := strings.Fields(rest)
		if len(f) < 2 || f[1] != strconv.Itoa(pid) {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if bytes.Contains(cmdline, []byte(childCommand)) {
			kids = append(kids, child)
		}
	}
	return kids
}

// inNamespace runs f on a thread inside the network namespace ns: sockets
// f makes belong to it.
func inNamespace(t *testing.T, ns string, f func()) {
	t.Helper()
	if err := peer.InNetns(filepath.Join("/run/netns", ns), func() error { f(); return nil }); err != nil {
		t.Error(err)
	}
}

// A data port serves only the client that asked for it: from a third
// address nobody connects to a sink, an echo or a connect port, and a UDP
// echo answers nothing; the client itself is served.
func TestServeDataPortOnlyForItsClient(t *testing.T) {
	clientNS, serverNS, tokenFile := twoHosts(t)
	if err := exec.Command("ip", "-n", clientNS, "addr", "add", "198.18.0.3/24", "dev", "zb0").Run(); err != nil {
		t.Fatalf("a third address: %v", err)
	}
	startLoggedServer(t, serverNS, "198.18.0.2:7283", tokenFile)
	token, _ := peer.ReadToken(tokenFile)
	third := netip.MustParseAddr("198.18.0.3")
	for _, tc := range []struct {
		bench    string
		readSize int
		udp      bool
	}{
		{"bw/tcp/chunk=64KiB/transport=peer", 64 << 10, false},
		{"zerocopy/response/method=write+sendfile/size=4KiB/transport=peer", 64 << 10, false},
		{"lat/tcp/size=1B/cpu=free/transport=peer", 0, false},
		{"lat/tcp/connect/cpu=free/transport=peer", 0, false},
		{"lat/udp/size=1B/cpu=free/transport=peer", 0, true},
	} {
		// Every socket is made on the namespace's thread: no t.Fatal
		// there, and no goroutines of the test's own.
		inNamespace(t, clientNS, func() {
			s, err := peer.Dial("198.18.0.2:7283", token)
			if err != nil {
				t.Errorf("%s: %v", tc.bench, err)
				return
			}
			defer s.Close()
			data, err := s.Start(tc.bench, tc.readSize)
			if err == nil && tc.readSize > 0 {
				// A sink says its port on its report pipe.
				data, err = sinkPort(s)
			}
			if err != nil {
				t.Errorf("%s: %v", tc.bench, err)
				return
			}
			if tc.udp {
				if echoedUDP(t, third, data) {
					t.Errorf("%s: the UDP echo answered a third address", tc.bench)
				}
				if !echoedUDP(t, netip.Addr{}, data) {
					t.Errorf("%s: the UDP echo did not answer its client", tc.bench)
				}
				return
			}
			d := net.Dialer{Timeout: 2 * time.Second, LocalAddr: net.TCPAddrFromAddrPort(netip.AddrPortFrom(third, 0))}
			if c, err := d.Dial("tcp4", data.String()); err == nil {
				c.Close()
				t.Errorf("%s: a third address connected to the data port %s", tc.bench, data)
			}
			c, err := net.DialTimeout("tcp4", data.String(), 10*time.Second)
			if err != nil {
				t.Errorf("%s: the client could not connect to its own data port: %v", tc.bench, err)
				return
			}
			c.Close()
		})
	}
}

// sinkPort reads the sink's hello from a relayed session.
func sinkPort(s *peer.Session) (netip.AddrPort, error) {
	req, rep, err := s.Relay()
	if err != nil {
		return netip.AddrPort{}, err
	}
	defer syscall.Close(req)
	var msg [256]byte
	f := os.NewFile(uintptr(rep), "rep")
	defer f.Close()
	if _, err := io.ReadFull(f, msg[:]); err != nil {
		return netip.AddrPort{}, err
	}
	if st := binary.LittleEndian.Uint64(msg[:]); st != 2 {
		return netip.AddrPort{}, fmt.Errorf("the sink sent status %d, not its port", st)
	}
	return netip.AddrPortFrom(s.Data.Addr(), uint16(binary.LittleEndian.Uint64(msg[8:]))), nil
}

// echoedUDP sends one datagram from local (any address when invalid) to
// the echo and says whether an answer came within two seconds.
func echoedUDP(t *testing.T, local netip.Addr, to netip.AddrPort) bool {
	var laddr *net.UDPAddr
	if local.IsValid() {
		laddr = net.UDPAddrFromAddrPort(netip.AddrPortFrom(local, 0))
	}
	c, err := net.DialUDP("udp4", laddr, net.UDPAddrFromAddrPort(to))
	if err != nil {
		t.Error(err)
		return false
	}
	defer c.Close()
	c.Write([]byte{7})
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	var b [1]byte
	n, err := c.Read(b[:])
	return err == nil && n == 1 && b[0] == 7
}

// stallStream starts a stream's remote end and relays 4 MiB of requests to
// a sink that never reads them (it waits in accept: nobody connects).
func stallStream(t *testing.T, token []byte, server string) (*peer.Session, chan struct{}) {
	// A session abandoned just before (Close) frees its slot once the
	// server has torn it down: until then a new one is told "busy".
	var s *peer.Session
	for deadline := time.Now().Add(10 * time.Second); ; {
		var err error
		if s, err = peer.Dial(server, token); err != nil {
			t.Fatal(err)
		}
		_, err = s.Start("bw/tcp/chunk=64KiB/transport=peer", 64<<10)
		if err == nil {
			break
		}
		s.Close()
		if !strings.Contains(err.Error(), "server busy") || time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	req, rep, err := s.Relay()
	if err != nil {
		t.Fatal(err)
	}
	written := make(chan struct{})
	go func() {
		defer close(written)
		chunk := make([]byte, 64<<10)
		for range 64 {
			if _, err := syscall.Write(req, chunk); err != nil {
				break
			}
		}
		syscall.Close(req)
	}()
	go func() { io.Copy(io.Discard, os.NewFile(uintptr(rep), "rep")) }()
	return s, written
}

// A stalled stream cannot hold a session: --max-duration ends it and kills
// its helper; a second stalled session does not stop SIGTERM from ending
// the server, its helpers with it.
func TestServeStalledStream(t *testing.T) {
	clientNS, serverNS, tokenFile := twoHosts(t)
	srv := startLoggedServer(t, serverNS, "198.18.0.2:7284", tokenFile, "--max-duration", "2s", "--max-sessions", "1")
	token, _ := peer.ReadToken(tokenFile)
	pid := srv.cmd.Process.Pid
	inNamespace(t, clientNS, func() {
		s, written := stallStream(t, token, "198.18.0.2:7284")
		<-written
		_, err := s.Stop()
		if err == nil || !strings.Contains(err.Error(), "max-duration") {
			t.Errorf("a stalled stream ended with %v, want the server's max-duration error", err)
		}
		if kids := helpersOf(pid); len(kids) > 0 {
			t.Errorf("helpers %v outlived the stalled session", kids)
		}
		// The one slot is free again.
		s2, err := peer.Dial("198.18.0.2:7284", token)
		if err != nil {
			t.Fatalf("after the stalled session: %v", err)
		}
		s2.Close()
	})
	var s *peer.Session
	inNamespace(t, clientNS, func() { s, _ = stallStream(t, token, "198.18.0.2:7284") })
	if s == nil {
		t.FailNow() // stallStream said why
	}
	defer s.Close()
	for range 50 {
		if len(helpersOf(pid)) > 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	helpers := helpersOf(pid)
	if len(helpers) == 0 {
		t.Fatal("the second stalled session has no helper")
	}
	srv.cmd.Process.Signal(syscall.SIGTERM)
	if err := waitWithin(t, srv.cmd, time.Minute, "serve still running a minute after SIGTERM, with a stalled session"); err != nil {
		t.Errorf("serve after SIGTERM: %v", err)
	}
	for _, h := range helpers {
		if _, err := os.Stat(filepath.Join("/proc", strconv.Itoa(h))); err == nil {
			t.Errorf("helper %d outlived the server", h)
		}
	}
}

// Out of descriptors, serve backs off and goes on serving.
func TestServeOutOfDescriptors(t *testing.T) {
	clientNS, serverNS, tokenFile := twoHosts(t)
	// A limit the server reaches with a few dozen connections (Go cannot
	// raise the soft limit past a hard one).
	self, _ := filepath.Abs(os.Args[0])
	cmd := exec.Command("ip", "netns", "exec", serverNS, "sh", "-c", `ulimit -n 48 && exec "$0" "$@"`,
		self, "serve", "--listen", "198.18.0.2:7285", "--token-file", tokenFile)
	cmd.Env = append(os.Environ(), "ZBENCH_TEST_MAIN=1")
	srv := startLoggedCmd(t, cmd, "198.18.0.2:7285")
	token, _ := peer.ReadToken(tokenFile)
	inNamespace(t, clientNS, func() {
		var conns []net.Conn
		for range 100 {
			c, err := net.DialTimeout("tcp4", "198.18.0.2:7285", 2*time.Second)
			if err != nil {
				break
			}
			conns = append(conns, c)
		}
		time.Sleep(500 * time.Millisecond) // the server meets the limit
		for _, c := range conns {
			c.Close()
		}
		var err error
		for range 20 { // the back-off is at most a second
			var s *peer.Session
			if s, err = peer.Dial("198.18.0.2:7285", token); err == nil {
				s.Close()
				break
			}
			time.Sleep(500 * time.Millisecond)
		}
		if err != nil {
			t.Errorf("serve out of descriptors, then freed: %v", err)
		}
	})
	srv.mu.Lock()
	defer srv.mu.Unlock()
	saw := false
	for _, l := range srv.lines {
		saw = saw || strings.Contains(l, "too many open files")
	}
	if !saw {
		t.Errorf("the server never ran out of descriptors (log %q): the test did not test", srv.lines)
	}
	if srv.cmd.ProcessState != nil {
		t.Error("serve exited")
	}
}

// floodPlan is one attack: Rate new connections a second for Duration, each
// silent after reading the hello, held until the server drops it or Hold
// passes; and Slow connections that send one byte a second.
type floodPlan struct {
	Addr     string
	Rate     int
	Duration time.Duration
	Hold     time.Duration
	Slow     int
	MaxOpen  int    // the flood's own descriptor bound
	Out      string // where the attacker writes its count
}

type floodCount struct {
	Attempted, Connected, Failed, Skipped, DroppedByServer int64
	SlowConnections, SlowBytes                             int64
	Elapsed                                                time.Duration
}

// TestFloodHelper is the attacker, started by the flood tests inside the
// client namespace; it does nothing when run by go test.
func TestFloodHelper(t *testing.T) {
	spec := os.Getenv("ZBENCH_TEST_FLOOD")
	if spec == "" {
		t.Skip("the flood tests start it")
	}
	var p floodPlan
	if err := json.Unmarshal([]byte(spec), &p); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(flood(p))
	if err := os.WriteFile(p.Out, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func flood(p floodPlan) floodCount {
	var c floodCount
	var open atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	end := start.Add(p.Duration)
	for range p.Slow {
		wg.Go(func() {
			for time.Now().Before(end) {
				conn, err := net.DialTimeout("tcp4", p.Addr, 2*time.Second)
				if err != nil {
					time.Sleep(100 * time.Millisecond)
					continue
				}
				atomic.AddInt64(&c.SlowConnections, 1)
				frame := []byte{0, 0, 0, 200, '{'}
				for i := 0; time.Now().Before(end); i++ {
					conn.SetWriteDeadline(time.Now().Add(2 * time.Second))
					if _, err := conn.Write(frame[i%len(frame) : i%len(frame)+1]); err != nil {
						break
					}
					atomic.AddInt64(&c.SlowBytes, 1)
					time.Sleep(time.Second)
				}
				conn.Close()
			}
		})
	}
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	var due float64
	last := start
	for now := range tick.C {
		if now.After(end) {
			break
		}
		due += now.Sub(last).Seconds() * float64(p.Rate)
		last = now
		for ; due >= 1; due-- {
			c.Attempted++
			if open.Load() >= int64(p.MaxOpen) {
				c.Skipped++
				continue
			}
			open.Add(1)
			wg.Go(func() {
				defer open.Add(-1)
				conn, err := net.DialTimeout("tcp4", p.Addr, 2*time.Second)
				if err != nil {
					atomic.AddInt64(&c.Failed, 1)
					return
				}
				defer conn.Close()
				atomic.AddInt64(&c.Connected, 1)
				conn.SetReadDeadline(time.Now().Add(p.Hold))
				buf := make([]byte, 512)
				for {
					if _, err := conn.Read(buf); err != nil {
						if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
							atomic.AddInt64(&c.DroppedByServer, 1)
						}
						return
					}
				}
			})
		}
	}
	wg.Wait()
	c.Elapsed = time.Since(start)
	return c
}

// underFlood runs plan against a server in serverNS from clientNS while a
// legitimate client runs `run lat/tcp/size=1B/cpu=same --transport peer`
// again and again, and returns how the client fared, the flood's count,
// and the server's figures before and after.
func underFlood(t *testing.T, plan floodPlan, maxRuns int) (attempted, succeeded int, fc floodCount, before, peak, after serverFigures) {
	clientNS, serverNS, token := twoHosts(t)
	srv := startLoggedServer(t, serverNS, plan.Addr, token)
	before = srv.status(t)
	plan.Out = filepath.Join(t.TempDir(), "flood.json")
	spec, _ := json.Marshal(plan)
	self, _ := filepath.Abs(os.Args[0])
	fl := exec.Command("ip", "netns", "exec", clientNS, self, "-test.run", "^TestFloodHelper$")
	fl.Env = append(os.Environ(), "ZBENCH_TEST_FLOOD="+string(spec))
	var flOut bytes.Buffer
	fl.Stdout, fl.Stderr = &flOut, &flOut
	if err := fl.Start(); err != nil {
		t.Fatal(err)
	}
	flooded := make(chan struct{})
	go func() {
		fl.Wait()
		close(flooded)
	}()
	time.Sleep(time.Second) // the flood under way
	dir := t.TempDir()
	for running := true; running && attempted < maxRuns; {
		select {
		case <-flooded:
			running = false
			continue
		default:
		}
		attempted++
		out := filepath.Join(dir, fmt.Sprintf("run%d.json", attempted))
		run := inNetns(clientNS, "run", "lat/tcp/size=1B/cpu=same", "--transport", "peer", "--peer", plan.Addr,
			"--token-file", token, "--quick", "--time", "5ms", "--out", out)
		msg, err := run.CombinedOutput()
		if err != nil {
			t.Errorf("legitimate run %d under the flood: %v\n%s", attempted, err, msg)
			continue
		}
		rec, err := results.Read(out)
		if err != nil || len(rec.Results) != 1 || rec.Results[0].Error != "" || len(rec.Results[0].Samples) == 0 {
			t.Errorf("legitimate run %d under the flood: %v %+v", attempted, err, rec)
			continue
		}
		succeeded++
		if f := srv.status(t); f.Descriptors > peak.Descriptors {
			peak = f
		}
	}
	select {
	case <-flooded:
	case <-time.After(plan.Duration + plan.Hold + time.Minute):
		fl.Process.Signal(syscall.SIGQUIT)
		time.Sleep(2 * time.Second)
		t.Fatalf("the flood did not end:\n%.20000s", flOut.String())
	}
	if b, err := os.ReadFile(plan.Out); err != nil || json.Unmarshal(b, &fc) != nil {
		t.Fatalf("the flood's count: %v\n%s", err, flOut.String())
	}
	// Let the last pending handshakes time out (5 s) before the figures.
	time.Sleep(6 * time.Second)
	after = srv.status(t)
	return attempted, succeeded, fc, before, peak, after
}

// Under a flood of connections that never authenticate and connections
// that trickle a byte a second, every legitimate run succeeds, and the
// server lets go of what the flood made it hold.
func TestServeUnderFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("a flood of 6,000 connections")
	}
	plan := floodPlan{Addr: "198.18.0.2:7286", Rate: 1000, Duration: 6 * time.Second, Hold: 10 * time.Second, Slow: 64, MaxOpen: 6000}
	attempted, succeeded, fc, before, peak, after := underFlood(t, plan, 3)
	t.Logf("flood %+v; legitimate runs %d of %d; server before: %v; during: %v; after: %v", fc, succeeded, attempted, before, peak, after)
	if attempted == 0 || succeeded != attempted {
		t.Errorf("%d of %d legitimate runs succeeded under the flood", succeeded, attempted)
	}
	if fc.Connected < int64(plan.Rate) {
		t.Errorf("the flood made %d connections: it did not flood", fc.Connected)
	}
	if after.Goroutines > before.Goroutines+8 || after.Descriptors > before.Descriptors+8 {
		t.Errorf("the server holds more after the flood: before %v, after %v", before, after)
	}
}

// TestServeFloodFigures is the closing figure of issue 10: a minute of
// 5,000 connections a second and 64 slow ones. It runs only when
// ZBENCH_FLOOD_FIGURES is a duration (60s).
func TestServeFloodFigures(t *testing.T) {
	d, err := time.ParseDuration(os.Getenv("ZBENCH_FLOOD_FIGURES"))
	if err != nil {
		t.Skip("set ZBENCH_FLOOD_FIGURES=60s for the minute-long flood")
	}
	plan := floodPlan{Addr: "198.18.0.2:7287", Rate: 5000, Duration: d, Hold: 10 * time.Second, Slow: 64, MaxOpen: 15000}
	attempted, succeeded, fc, before, peak, after := underFlood(t, plan, 1000)
	t.Logf("flood %+v (%.0f connections/s made over %v)", fc, float64(fc.Connected)/plan.Duration.Seconds(), plan.Duration)
	t.Logf("legitimate runs: %d attempted, %d succeeded", attempted, succeeded)
	t.Logf("server before: %v", before)
	t.Logf("server during (most descriptors seen between runs): %v", peak)
	t.Logf("server after:  %v", after)
	if succeeded != attempted {
		t.Errorf("%d of %d legitimate runs succeeded", succeeded, attempted)
	}
}
