package peer

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	goio "io"
	"net"
	"net/netip"
	"sync"
	"time"

	"zbench/internal/host"
)

// RemoteEnd is one benchmark's server side, running on this host: a helper
// process listening on Port for the client's data connection.
type RemoteEnd interface {
	Port() int
	// Stop ends the helper and returns what it measured on this side.
	Stop() (map[string]float64, error)
}

// Relayed is a RemoteEnd whose helper talks to its worker over two pipes,
// which the session carries: what the client sends goes to ToHelper (the
// helper's fd 3), what the helper writes on FromHelper (its fd 4) goes to
// the client.
type Relayed interface {
	RemoteEnd
	Pipes() (toHelper goio.WriteCloser, fromHelper goio.Reader)
}

// ServerConfig is `zbench serve`'s policy.
type ServerConfig struct {
	// Token, when set, must be proven by every client (HMAC over a nonce).
	Token []byte
	// AllowRemote accepts clients from other hosts without a token. Without
	// it and without a token, only loopback clients are served.
	AllowRemote bool
	// MaxSessions bounds concurrent sessions (default 4); a client beyond it
	// is told the server is busy.
	MaxSessions int
	// MaxDuration bounds one session (default 10 minutes): its helper is
	// stopped then, whatever the client does.
	MaxDuration time.Duration
	// IOTimeout bounds every control read and write outside a running
	// benchmark (default 10 s): a slow or silent client loses its session.
	IOTimeout time.Duration
	// Env is this host's environment record, sent in the hello.
	Env json.RawMessage
	// Start starts the remote end of bench for a client at peer, listening
	// on this host's address local. It refuses benchmarks it does not know.
	Start func(bench string, readSize int, local, peer netip.Addr) (RemoteEnd, error)
	// Logf reports sessions; nil is silent.
	Logf func(format string, args ...any)
}

func (c *ServerConfig) maxSessions() int {
	if c.MaxSessions <= 0 {
		return 4
	}
	return c.MaxSessions
}

func (c *ServerConfig) maxDuration() time.Duration {
	if c.MaxDuration <= 0 {
		return 10 * time.Minute
	}
	return c.MaxDuration
}

func (c *ServerConfig) ioTimeout() time.Duration {
	if c.IOTimeout <= 0 {
		return 10 * time.Second
	}
	return c.IOTimeout
}

func (c *ServerConfig) logf(format string, args ...any) {
	if c.Logf != nil {
		c.Logf(format, args...)
	}
}

// Serve accepts control connections on ln until ctx is done, one session per
// connection, and returns when every session has ended. A session's failure
// (garbage, a wrong token, a disconnect) ends that session only.
func Serve(ctx context.Context, ln net.Listener, cfg *ServerConfig) error {
	if cfg.Start == nil {
		return errors.New("serve: no Start function")
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	slots := make(chan struct{}, cfg.maxSessions())
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer conn.Close()
			select {
			case slots <- struct{}{}:
				defer func() { <-slots }()
			default:
				conn.SetWriteDeadline(time.Now().Add(time.Second))
				WriteMsg(conn, &Msg{Type: TypeResult, Err: "server busy: too many sessions"})
				return
			}
			if err := session(ctx, conn, cfg); err != nil {
				cfg.logf("session from %s: %v", conn.RemoteAddr(), err)
			}
		}()
	}
}

func session(ctx context.Context, conn net.Conn, cfg *ServerConfig) error {
	peerAP, err := netip.ParseAddrPort(conn.RemoteAddr().String())
	if err != nil {
		return err
	}
	localAP, err := netip.ParseAddrPort(conn.LocalAddr().String())
	if err != nil {
		return err
	}
	peer, local := peerAP.Addr().Unmap(), localAP.Addr().Unmap()
	io := func() { conn.SetDeadline(time.Now().Add(cfg.ioTimeout())) }
	send := func(m *Msg) error { io(); return WriteMsg(conn, m) }
	fail := func(format string, args ...any) error {
		err := fmt.Errorf(format, args...)
		send(&Msg{Type: TypeResult, Err: err.Error()})
		return err
	}

	var nonce [32]byte
	rand.Read(nonce[:])
	hello := &Msg{Type: TypeHello, Proto: Proto, Nonce: hex.EncodeToString(nonce[:]), Auth: cfg.Token != nil, Env: cfg.Env}
	if nic, err := host.NICFor(local); err == nil {
		hello.NIC, _ = json.Marshal(nic)
	}
	if err := send(hello); err != nil {
		return err
	}
	io()
	auth, err := ReadMsg(conn)
	if err != nil {
		return err
	}
	switch {
	case auth.Type != TypeAuth:
		return fail("expected auth, got %q", auth.Type)
	case cfg.Token != nil && !checkMAC(cfg.Token, hello.Nonce, auth.MAC):
		return fail("authentication failed")
	case cfg.Token == nil && !peer.IsLoopback() && !cfg.AllowRemote:
		return fail("this server has no token and serves loopback clients only (start it with a token file, or allow unauthenticated remote clients explicitly)")
	}
	if err := send(&Msg{Type: TypeResult, OK: true}); err != nil {
		return err
	}

	io()
	start, err := ReadMsg(conn)
	if errors.Is(err, goio.EOF) {
		return nil // a client checking the server, then leaving
	}
	if err != nil {
		return err
	}
	if start.Type != TypeStart {
		return fail("expected start, got %q", start.Type)
	}
	end, err := cfg.Start(start.Bench, start.ReadSize, local, peer)
	if err != nil {
		return fail("%s: %v", start.Bench, err)
	}
	cfg.logf("%s: %s on port %d", peer, start.Bench, end.Port())
	stopped := false
	stopEnd := func() (map[string]float64, error) {
		if stopped {
			return nil, nil
		}
		stopped = true
		return end.Stop()
	}
	defer stopEnd()
	if err := send(&Msg{Type: TypeReady, Port: end.Port()}); err != nil {
		return err
	}
	// While the benchmark runs the control connection is idle; the session
	// ends at Stop, at a disconnect, at MaxDuration, or when the server stops.
	conn.SetDeadline(time.Now().Add(cfg.maxDuration()))
	unblock := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	defer unblock()
	if rel, ok := end.(Relayed); ok {
		return relay(conn, rel, start.Bench, stopEnd, cfg)
	}
	msg, err := ReadMsg(conn)
	if err != nil {
		return fmt.Errorf("%s: %w", start.Bench, err)
	}
	if msg.Type != TypeStop {
		return fail("expected stop, got %q", msg.Type)
	}
	metrics, err := stopEnd()
	if err != nil {
		return fail("%s: %v", start.Bench, err)
	}
	return send(&Msg{Type: TypeDone, Metrics: metrics})
}

// relay carries a relayed helper's pipes until the client says stop. Writes
// to the connection come from two goroutines, so they take turns.
func relay(conn net.Conn, rel Relayed, bench string, stopEnd func() (map[string]float64, error), cfg *ServerConfig) error {
	toHelper, fromHelper := rel.Pipes()
	var mu sync.Mutex
	send := func(m *Msg) error {
		mu.Lock()
		defer mu.Unlock()
		conn.SetWriteDeadline(time.Now().Add(cfg.ioTimeout()))
		return WriteMsg(conn, m)
	}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := fromHelper.Read(buf)
			if n > 0 && send(&Msg{Type: TypeData, Data: append([]byte(nil), buf[:n]...)}) != nil {
				return
			}
			if err != nil {
				return
			}
		}
	}()
	for {
		m, err := ReadMsg(conn)
		if err != nil {
			return fmt.Errorf("%s: %w", bench, err)
		}
		switch m.Type {
		case TypeData:
			if _, err := toHelper.Write(m.Data); err != nil {
				return fmt.Errorf("%s: to the helper: %w", bench, err)
			}
		case TypeStop:
			toHelper.Close()
			metrics, err := stopEnd()
			if err != nil {
				send(&Msg{Type: TypeResult, Err: err.Error()})
				return err
			}
			return send(&Msg{Type: TypeDone, Metrics: metrics})
		default:
			send(&Msg{Type: TypeResult, Err: fmt.Sprintf("expected data or stop, got %q", m.Type)})
			return fmt.Errorf("%s: unexpected %q", bench, m.Type)
		}
	}
}
