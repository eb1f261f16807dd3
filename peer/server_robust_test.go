package peer

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Connections that never authenticate take no session slot: with one slot,
// 64 silent connections and 64 that send a byte at a time, the token holder
// still gets a session, every time.
func TestStrangersTakeNoSlot(t *testing.T) {
	addr, stop := testServer(t, &ServerConfig{Token: []byte("tok"), MaxSessions: 1, HandshakeTimeout: time.Minute})
	defer stop()
	conns, hangUp := strangers(t, addr, 128)
	defer hangUp()
	for i, c := range conns {
		if i%2 == 1 {
			var h [4]byte
			binary.BigEndian.PutUint32(h[:], 100)
			c.Write(h[:1]) // the start of a frame that never comes
		}
	}
	for i := range 5 {
		s, err := Dial(addr, []byte("tok"))
		if err != nil {
			t.Fatalf("legitimate client %d among 128 strangers: %v", i, err)
		}
		if _, err := s.Start(benchName, 0); err != nil {
			t.Fatalf("legitimate client %d: %v", i, err)
		}
		if _, err := s.Stop(); err != nil {
			t.Fatalf("legitimate client %d: %v", i, err)
		}
	}
}

// strangers opens n connections to addr that say nothing, and the function
// that closes them (deferred after the server's stop, so they close first).
func strangers(t *testing.T, addr string, n int) (conns []net.Conn, hangUp func()) {
	t.Helper()
	hangUp = func() {
		for _, c := range conns {
			c.Close()
		}
	}
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			hangUp()
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	return conns, hangUp
}

// At the bound of pending handshakes, the oldest is dropped: strangers
// beyond it cannot keep a client that answers at once from authenticating.
func TestPendingBound(t *testing.T) {
	addr, stop := testServer(t, &ServerConfig{Token: []byte("tok"), MaxPending: 8, HandshakeTimeout: time.Minute})
	defer stop()
	conns, hangUp := strangers(t, addr, 32)
	defer hangUp()
	// The first strangers were dropped: their connections are closed.
	buf := make([]byte, 1024)
	conns[0].SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		if _, err := conns[0].Read(buf); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatal("the oldest of 32 pending connections was kept, with a bound of 8")
			}
			break
		}
	}
	s, err := Dial(addr, []byte("tok"))
	if err != nil {
		t.Fatalf("legitimate client behind 32 pending strangers: %v", err)
	}
	s.Close()
}

// A connection that does not finish its handshake in HandshakeTimeout is
// closed, however slowly it keeps sending.
func TestHandshakeDeadline(t *testing.T) {
	addr, stop := testServer(t, &ServerConfig{Token: []byte("tok"), HandshakeTimeout: 300 * time.Millisecond})
	defer stop()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := ReadMsg(c); err != nil {
		t.Fatal(err)
	}
	frame := []byte{0, 0, 0, 50}
	frame = append(frame, `{"type":"auth","mac":"00000000000000000000000"}`...)
	start := time.Now()
	for _, b := range frame {
		if _, err := c.Write([]byte{b}); err != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
		if time.Since(start) > 20*time.Second {
			break
		}
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err = ReadMsg(c)
	var ne net.Error
	if err == nil || (errors.As(err, &ne) && ne.Timeout()) {
		t.Errorf("a handshake of one byte per 100 ms was not cut off: %v", err)
	}
}

// The hello tells a stranger nothing about the host; the environment comes
// once the token is proven.
func TestEnvOnlyAfterToken(t *testing.T) {
	addr, stop := testServer(t, &ServerConfig{Token: []byte("tok"), Env: []byte(`{"hostname":"secret-host"}`)})
	defer stop()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	hello, err := ReadMsg(c)
	if err != nil {
		t.Fatal(err)
	}
	if len(hello.Env) != 0 || len(hello.NIC) != 0 {
		t.Errorf("the hello carries the environment before authentication: env %s nic %s", hello.Env, hello.NIC)
	}
	WriteMsg(c, &Msg{Type: TypeAuth, MAC: MAC([]byte("wrong"), hello.Nonce)})
	r, err := ReadMsg(c)
	if err != nil || r.Err == "" || len(r.Env) != 0 {
		t.Errorf("wrong token: %+v, %v", r, err)
	}
	s, err := Dial(addr, []byte("tok"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !strings.Contains(string(s.Hello.Env), "secret-host") {
		t.Errorf("the environment did not come after the token: %s", s.Hello.Env)
	}
}

// failingListener fails its first n accepts as a process out of descriptors
// does.
type failingListener struct {
	net.Listener
	n atomic.Int32
}

func (l *failingListener) Accept() (net.Conn, error) {
	if l.n.Add(-1) >= 0 {
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	}
	return l.Listener.Accept()
}

// An accept error does not end Serve: it backs off and goes on serving.
func TestAcceptErrorsBackOff(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fl := &failingListener{Listener: ln}
	fl.n.Store(8)
	var logs []string
	var mu sync.Mutex
	cfg := &ServerConfig{Start: startEcho, Logf: func(f string, a ...any) {
		mu.Lock()
		logs = append(logs, f)
		mu.Unlock()
	}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, fl, cfg) }()
	s, err := Dial(ln.Addr().String(), nil)
	if err != nil {
		t.Fatalf("after 8 failed accepts: %v", err)
	}
	s.Close()
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
	if fl.n.Load() >= 0 {
		t.Error("the failing accepts were not all tried")
	}
	mu.Lock()
	defer mu.Unlock()
	n := 0
	for _, l := range logs {
		if strings.HasPrefix(l, "accept:") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d log lines for one streak of accept errors, want 1", n)
	}
}

// stuckHelper is a relayed remote end whose helper never reads its
// requests: `sleep`, with the request pipe as its fd 3.
func stuckHelper(t *testing.T, started chan<- int) func(ctx context.Context, r StartRequest) (RemoteEnd, error) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep binary")
	}
	return func(ctx context.Context, r StartRequest) (RemoteEnd, error) {
		e, err := StartHelper(ctx, true, func(files ...*os.File) (*exec.Cmd, error) {
			cmd := exec.Command(sleep, "3600")
			cmd.ExtraFiles = files
			if err := cmd.Start(); err != nil {
				return nil, err
			}
			started <- cmd.Process.Pid
			return cmd, nil
		})
		return e, err
	}
}

func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// A zombie has been killed; only its parent's wait is missing.
	f := strings.Fields(string(b))
	return len(f) > 2 && f[2] != "Z"
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		if n /= 10; n == 0 {
			return string(b[i:])
		}
	}
}

// relayStuck starts a session on a stuck helper and fills its request pipe,
// so that the server's relay blocks writing to it.
func relayStuck(t *testing.T, addr string) *Session {
	t.Helper()
	s, err := Dial(addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Start(benchName, 4096); err != nil {
		t.Fatal(err)
	}
	req, _, err := s.Relay()
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		chunk := make([]byte, 64<<10)
		for range 64 { // 4 MiB: far beyond a pipe and two socket buffers
			if _, err := syscall.Write(req, chunk); err != nil {
				break
			}
		}
		syscall.Close(req)
	}()
	return s
}

// --max-duration ends a session whose helper does not read what the relay
// writes to it, and kills the helper.
func TestMaxDurationEndsStuckRelay(t *testing.T) {
	pids := make(chan int, 1)
	addr, stop := testServer(t, &ServerConfig{MaxDuration: time.Second, Start: stuckHelper(t, pids)})
	defer stop()
	s := relayStuck(t, addr)
	pid := <-pids
	_, err := s.Stop()
	if err == nil || !strings.Contains(err.Error(), "max-duration") {
		t.Errorf("a stuck session ended with %v, want the max-duration error", err)
	}
	if alive(pid) {
		t.Errorf("the helper (pid %d) outlived its session", pid)
	}
	// The slot is free again.
	s2, err := Dial(addr, nil)
	if err != nil {
		t.Fatalf("after the stuck session: %v", err)
	}
	s2.Close()
}

// Stopping the server ends a stuck session, kills its helper, and Serve
// returns.
func TestShutdownEndsStuckRelay(t *testing.T) {
	pids := make(chan int, 1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, &ServerConfig{Start: stuckHelper(t, pids)}) }()
	s := relayStuck(t, ln.Addr().String())
	defer s.Close()
	pid := <-pids
	time.Sleep(200 * time.Millisecond) // let the relay block
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("Serve did not return a minute after it was stopped, with a stuck session")
	}
	if alive(pid) {
		t.Errorf("the helper (pid %d) outlived the server", pid)
	}
}
