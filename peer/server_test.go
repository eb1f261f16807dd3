package peer

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// echoEnd is a stand-in remote end: a TCP echo listener.
type echoEnd struct {
	ln   net.Listener
	done chan struct{}
}

func (e *echoEnd) Port() int { return e.ln.Addr().(*net.TCPAddr).Port }
func (e *echoEnd) Stop() (map[string]float64, error) {
	e.ln.Close()
	<-e.done
	return map[string]float64{"stopped": 1}, nil
}

func (e *echoEnd) Kill() { e.ln.Close() }

func startEcho(_ context.Context, r StartRequest) (RemoteEnd, error) {
	if r.Bench != "lat/tcp/size=1B/cpu=free/transport=peer" {
		return nil, fmt.Errorf("not a benchmark this server runs")
	}
	ln, err := net.Listen("tcp", netip.AddrPortFrom(r.Local, 0).String())
	if err != nil {
		return nil, err
	}
	e := &echoEnd{ln: ln, done: make(chan struct{})}
	go func() {
		defer close(e.done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			buf := make([]byte, 64)
			n, _ := c.Read(buf)
			c.Write(buf[:n])
			c.Close()
		}
	}()
	return e, nil
}

func testServer(t *testing.T, cfg *ServerConfig) (addr string, stop func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Start == nil {
		cfg.Start = startEcho
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, cfg) }()
	return ln.Addr().String(), func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	}
}

const benchName = "lat/tcp/size=1B/cpu=free/transport=peer"

func TestSession(t *testing.T) {
	addr, stop := testServer(t, &ServerConfig{Token: []byte("tok"), Env: []byte(`{"hostname":"far"}`)})
	defer stop()
	s, err := Dial(addr, []byte("tok"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(s.Hello.Env), "far") {
		t.Errorf("hello carries no environment: %s", s.Hello.Env)
	}
	data, err := s.Start(benchName, 0)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", data.String())
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("ping"))
	buf := make([]byte, 4)
	if _, err := c.Read(buf); err != nil || string(buf) != "ping" {
		t.Errorf("data path: %q, %v", buf, err)
	}
	c.Close()
	m, err := s.Stop()
	if err != nil || m["stopped"] != 1 {
		t.Errorf("stop: %v, %v", m, err)
	}

	for _, tc := range []struct {
		token []byte
		bench string
		want  string
	}{
		{nil, benchName, "requires a token"},
		{[]byte("wrong"), benchName, "authentication failed"},
		{[]byte("tok"), "bw/mem/op=copy/size=4KiB", "not a benchmark this server runs"},
	} {
		s, err := Dial(addr, tc.token)
		if err == nil {
			_, err = s.Start(tc.bench, 0)
			s.Close()
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("token %q bench %s: %v, want %q", tc.token, tc.bench, err, tc.want)
		}
	}
}

func TestBusy(t *testing.T) {
	addr, stop := testServer(t, &ServerConfig{MaxSessions: 1})
	defer stop()
	s, err := Dial(addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Start(benchName, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := Dial(addr, nil); err == nil || !strings.Contains(err.Error(), "busy") {
		t.Errorf("second session: %v, want busy", err)
	}
	s.Close()
	// The slot is freed when the client goes away.
	deadline := time.Now().Add(5 * time.Second)
	for {
		s2, err := Dial(addr, nil)
		if err == nil {
			s2.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("slot never freed: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func openFDs() int {
	fds, _ := os.ReadDir("/proc/self/fd")
	return len(fds)
}

// The server survives garbage, oversized and truncated frames, stalled and
// vanishing clients, and leaks neither goroutines nor descriptors.
func TestHostileClients(t *testing.T) {
	n := 10000
	if testing.Short() {
		n = 1000
	}
	baseG, baseFD := runtime.NumGoroutine(), openFDs()
	addr, stop := testServer(t, &ServerConfig{Token: []byte("tok"), IOTimeout: 200 * time.Millisecond, HandshakeTimeout: 200 * time.Millisecond, MaxSessions: 64})
	rng := rand.New(rand.NewPCG(7, 7))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for i := range n {
		kind, seed := i%6, rng.Uint64()
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(2 * time.Second))
			r := rand.New(rand.NewPCG(seed, 1))
			switch kind {
			case 0: // random bytes
				b := make([]byte, 1+r.IntN(200))
				for j := range b {
					b[j] = byte(r.Uint32())
				}
				c.Write(b)
			case 1: // a length beyond the limit
				var h [4]byte
				binary.BigEndian.PutUint32(h[:], MaxFrame+1+uint32(r.IntN(1<<20)))
				c.Write(h[:])
			case 2: // a truncated frame
				var h [4]byte
				binary.BigEndian.PutUint32(h[:], 100)
				c.Write(append(h[:], `{"type":"auth"`...))
			case 3: // a stall: say nothing and wait for the server to give up
				buf := make([]byte, 1024)
				for {
					if _, err := c.Read(buf); err != nil {
						return
					}
				}
			case 4: // connect and vanish
			case 5: // valid JSON, wrong protocol step
				WriteMsg(c, &Msg{Type: TypeStop})
			}
			buf := make([]byte, 4096)
			c.Read(buf)
		}()
	}
	wg.Wait()
	// Still serving.
	s, err := Dial(addr, []byte("tok"))
	if err != nil {
		t.Fatalf("after %d hostile clients: %v", n, err)
	}
	if _, err := s.Start(benchName, 0); err != nil {
		t.Fatal(err)
	}
	s.Stop()
	stop()
	var g, fd int
	for range 50 {
		g, fd = runtime.NumGoroutine(), openFDs()
		if g <= baseG+2 && fd <= baseFD+2 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("%d hostile connections: goroutines %d → %d, descriptors %d → %d", n, baseG, g, baseFD, fd)
	if g > baseG+2 || fd > baseFD+2 {
		t.Errorf("leak after %d hostile clients: goroutines %d → %d, descriptors %d → %d", n, baseG, g, baseFD, fd)
	}
}

func TestServeNeedsStart(t *testing.T) {
	if err := Serve(context.Background(), nil, &ServerConfig{}); err == nil || errors.Is(err, context.Canceled) {
		t.Errorf("Serve without Start: %v", err)
	}
}
