package peer

import (
	"container/list"
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
	"sync/atomic"
	"time"

	"zbench/internal/host"
)

// RemoteEnd is one benchmark's server side, running on this host: a helper
// process listening on Port for the client's data connection.
type RemoteEnd interface {
	Port() int
	// Stop ends the helper in order and returns what it measured on this
	// side. It returns within a bounded time, whatever the helper does.
	Stop() (map[string]float64, error)
	// Kill ends the helper at once. It may be called from any goroutine,
	// at any time, more than once; whatever the session waits on in the
	// helper (a pipe write, a report) then fails.
	Kill()
}

// Relayed is a RemoteEnd whose helper talks to its worker over two pipes,
// which the session carries: what the client sends goes to toHelper (the
// helper's fd 3), what the helper writes on fromHelper (its fd 4) goes to
// the client. The session closes both when it ends.
type Relayed interface {
	RemoteEnd
	Pipes() (toHelper goio.WriteCloser, fromHelper goio.ReadCloser)
}

// StartRequest is what a client asked for: bench's remote end for a client
// at Client, listening on this host's address Local (the one the control
// connection arrived on), with a receive buffer of ReadSize bytes for
// streams.
type StartRequest struct {
	Bench         string
	ReadSize      int
	Local, Client netip.Addr
}

// ServerConfig is `zbench serve`'s policy.
type ServerConfig struct {
	// Token, when set, must be proven by every client (HMAC over a nonce).
	Token []byte
	// AllowRemote accepts clients from other hosts without a token. Without
	// it and without a token, only loopback clients are served.
	AllowRemote bool
	// MaxSessions bounds concurrent authenticated sessions (default 4); a
	// client beyond it is told the server is busy.
	MaxSessions int
	// MaxPending bounds connections that have not yet proven the token
	// (default 1024). They take no session slot; when a new connection
	// finds the bound reached, the oldest pending one is dropped, so a
	// client that authenticates in one round trip gets through a flood
	// that fills the rest.
	MaxPending int
	// HandshakeTimeout bounds a connection's whole handshake, from accept
	// to the proof of the token (default 5 s).
	HandshakeTimeout time.Duration
	// MaxDuration bounds one session (default 10 minutes): its helper is
	// killed then, whatever the client or the helper does.
	MaxDuration time.Duration
	// IOTimeout bounds every control read and write outside a running
	// benchmark (default 10 s): a slow or silent client loses its session.
	IOTimeout time.Duration
	// Env is this host's environment record, sent to a client once it
	// has proven the token.
	Env json.RawMessage
	// Start starts the remote end asked for. It refuses benchmarks it does
	// not know, and gives up when ctx is done.
	Start func(ctx context.Context, req StartRequest) (RemoteEnd, error)
	// Logf reports sessions; nil is silent.
	Logf func(format string, args ...any)
}

func (c *ServerConfig) maxSessions() int { return orDefault(c.MaxSessions, 4) }
func (c *ServerConfig) maxPending() int  { return orDefault(c.MaxPending, 1024) }
func (c *ServerConfig) maxDuration() time.Duration {
	return orDefault(c.MaxDuration, 10*time.Minute)
}
func (c *ServerConfig) ioTimeout() time.Duration { return orDefault(c.IOTimeout, 10*time.Second) }
func (c *ServerConfig) handshakeTimeout() time.Duration {
	return orDefault(c.HandshakeTimeout, 5*time.Second)
}

func orDefault[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

func (c *ServerConfig) logf(format string, args ...any) {
	if c.Logf != nil {
		c.Logf(format, args...)
	}
}

// Limits on frames before a session is authenticated and on its start
// message: a stranger cannot make the server hold MaxFrame per connection.
const (
	maxAuthFrame  = 1 << 10
	maxStartFrame = 4 << 10
)

// How Serve backs off when accept fails (out of descriptors, out of
// memory): doubling from the first delay up to the last, as long as it
// keeps failing.
const (
	acceptBackoffMin = 5 * time.Millisecond
	acceptBackoffMax = time.Second
)

// failureLogEvery spaces out the summary of failed handshakes, so that a
// flood does not become a flood of log lines.
const failureLogEvery = 10 * time.Second

type server struct {
	cfg     *ServerConfig
	slots   chan struct{}
	pending pendingSet
	// Handshakes that failed or were dropped since the last summary.
	failed, dropped atomic.Int64
}

// Serve accepts control connections on ln until ctx is done, one session per
// connection, and returns when every session has ended. A session's failure
// (garbage, a wrong token, a disconnect) ends that session only; a failing
// accept (no descriptors left) is retried with back-off. Serve returns an
// error only when ln was closed by someone else.
func Serve(ctx context.Context, ln net.Listener, cfg *ServerConfig) error {
	if cfg.Start == nil {
		return errors.New("serve: no Start function")
	}
	srv := &server{cfg: cfg, slots: make(chan struct{}, cfg.maxSessions())}
	srv.pending.max = cfg.maxPending()
	var wg sync.WaitGroup
	defer wg.Wait()
	stop := context.AfterFunc(ctx, func() {
		ln.Close()
		srv.pending.closeAll()
	})
	defer stop()
	wg.Go(func() { srv.logFailures(ctx) })
	var delay time.Duration
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			if delay == 0 {
				cfg.logf("accept: %v (retrying)", err)
			}
			delay = min(max(2*delay, acceptBackoffMin), acceptBackoffMax)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(delay):
			}
			continue
		}
		delay = 0
		e := srv.pending.add(conn, &srv.dropped)
		wg.Go(func() {
			defer conn.Close()
			srv.serveConn(ctx, conn, e)
		})
	}
}

func (srv *server) logFailures(ctx context.Context) {
	t := time.NewTicker(failureLogEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if f, d := srv.failed.Swap(0), srv.dropped.Swap(0); f+d > 0 {
			srv.cfg.logf("in the last %v: %d handshakes failed, %d dropped unfinished (more than %d pending)", failureLogEvery, f, d, srv.pending.max)
		}
	}
}

// serveConn runs one connection: the handshake as a pending connection,
// then, authenticated, a session in a slot.
func (srv *server) serveConn(ctx context.Context, conn net.Conn, e *pendingConn) {
	cfg := srv.cfg
	peerAP, err1 := netip.ParseAddrPort(conn.RemoteAddr().String())
	localAP, err2 := netip.ParseAddrPort(conn.LocalAddr().String())
	if err1 != nil || err2 != nil {
		srv.pending.done(e)
		return
	}
	peer, local := peerAP.Addr().Unmap(), localAP.Addr().Unmap()
	if err := srv.handshake(conn, peer); err != nil {
		if srv.pending.done(e) { // not counted twice when dropped
			srv.failed.Add(1)
		}
		return
	}
	if !srv.pending.done(e) {
		return // dropped just now: the connection is closed
	}
	conn.SetDeadline(time.Now().Add(cfg.ioTimeout()))
	select {
	case srv.slots <- struct{}{}:
		defer func() { <-srv.slots }()
	default:
		WriteMsg(conn, &Msg{Type: TypeResult, Err: "server busy: too many sessions"})
		return
	}
	if err := srv.session(ctx, conn, peer, local); err != nil {
		cfg.logf("session from %s: %v", peer, err)
	}
}

// handshake proves the client: a nonce out, the HMAC back, within
// HandshakeTimeout in all. The hello says nothing about this host.
func (srv *server) handshake(conn net.Conn, peer netip.Addr) error {
	cfg := srv.cfg
	conn.SetDeadline(time.Now().Add(cfg.handshakeTimeout()))
	var nonce [32]byte
	rand.Read(nonce[:])
	hello := &Msg{Type: TypeHello, Proto: Proto, Nonce: hex.EncodeToString(nonce[:]), Auth: cfg.Token != nil}
	if err := WriteMsg(conn, hello); err != nil {
		return err
	}
	auth, err := readMsgLimit(conn, maxAuthFrame)
	if err != nil {
		return err
	}
	fail := func(msg string) error {
		WriteMsg(conn, &Msg{Type: TypeResult, Err: msg})
		return errors.New(msg)
	}
	switch {
	case auth.Type != TypeAuth:
		return fail(fmt.Sprintf("expected auth, got %q", auth.Type))
	case cfg.Token != nil && !checkMAC(cfg.Token, hello.Nonce, auth.MAC):
		return fail("authentication failed")
	case cfg.Token == nil && !peer.IsLoopback() && !cfg.AllowRemote:
		return fail("this server has no token and serves loopback clients only (start it with a token file, or allow unauthenticated remote clients explicitly)")
	}
	return nil
}

// session serves an authenticated client: its environment, then one
// benchmark's remote end. Every wait in it ends at MaxDuration or when the
// server stops (ctx): then the helper is killed, the client's reads are
// shut, and whatever the session was blocked on fails.
func (srv *server) session(ctx context.Context, conn net.Conn, peer, local netip.Addr) error {
	cfg := srv.cfg
	ctx, cancel := context.WithTimeout(ctx, cfg.maxDuration())
	defer cancel()
	var (
		ending atomic.Bool // write deadlines shrink to endingWrite
		wmu    sync.Mutex  // writes to conn come from two goroutines when relaying
		endMu  sync.Mutex
		end    RemoteEnd
	)
	const endingWrite = time.Second
	over := context.AfterFunc(ctx, func() {
		ending.Store(true)
		conn.SetWriteDeadline(time.Now().Add(endingWrite))
		if tc, ok := conn.(interface{ CloseRead() error }); ok {
			tc.CloseRead()
		} else {
			conn.SetReadDeadline(time.Now())
		}
		endMu.Lock()
		if end != nil {
			end.Kill()
		}
		endMu.Unlock()
	})
	defer over()
	send := func(m *Msg) error {
		wmu.Lock()
		defer wmu.Unlock()
		conn.SetWriteDeadline(time.Now().Add(cfg.ioTimeout()))
		if ending.Load() { // checked after setting: the end may have come between
			conn.SetWriteDeadline(time.Now().Add(endingWrite))
		}
		return WriteMsg(conn, m)
	}
	// why replaces an error the end of the session caused with the reason.
	why := func(err error) error {
		switch {
		case ctx.Err() == nil:
			return err
		case errors.Is(ctx.Err(), context.DeadlineExceeded):
			err = fmt.Errorf("session ended: longer than %v (--max-duration)", cfg.maxDuration())
		default:
			err = errors.New("session ended: the server is stopping")
		}
		send(&Msg{Type: TypeResult, Err: err.Error()})
		return err
	}
	fail := func(format string, args ...any) error {
		err := fmt.Errorf(format, args...)
		send(&Msg{Type: TypeResult, Err: err.Error()})
		return err
	}

	ok := &Msg{Type: TypeResult, OK: true, Env: cfg.Env}
	if nic, err := host.NICFor(local); err == nil {
		ok.NIC, _ = json.Marshal(nic)
	}
	if err := send(ok); err != nil {
		return why(err)
	}
	conn.SetReadDeadline(time.Now().Add(cfg.ioTimeout()))
	start, err := readMsgLimit(conn, maxStartFrame)
	if errors.Is(err, goio.EOF) && ctx.Err() == nil {
		return nil // a client checking the server, then leaving
	}
	if err != nil {
		return why(err)
	}
	if start.Type != TypeStart {
		return fail("expected start, got %q", start.Type)
	}
	e, err := cfg.Start(ctx, StartRequest{Bench: start.Bench, ReadSize: start.ReadSize, Local: local, Client: peer})
	if err != nil {
		if ctx.Err() != nil {
			return why(err)
		}
		return fail("%s: %v", start.Bench, err)
	}
	endMu.Lock()
	end = e
	endMu.Unlock()
	if ctx.Err() != nil { // ended while starting: AfterFunc saw no end
		e.Kill()
	}
	cfg.logf("%s: %s on port %d", peer, start.Bench, e.Port())
	stopped := false
	stopEnd := func() (map[string]float64, error) {
		if stopped {
			return nil, nil
		}
		stopped = true
		return e.Stop()
	}
	defer stopEnd()
	rel, relayed := e.(Relayed)
	if relayed {
		toHelper, fromHelper := rel.Pipes()
		defer fromHelper.Close() // these run before stopEnd
		defer toHelper.Close()
	}
	if err := send(&Msg{Type: TypeReady, Port: e.Port()}); err != nil {
		return why(err)
	}
	// While the benchmark runs the control connection is idle; the session
	// ends at Stop, at a disconnect, at MaxDuration, or when the server stops.
	conn.SetReadDeadline(time.Time{})
	if relayed {
		return relay(conn, rel, start.Bench, stopEnd, send, why)
	}
	msg, err := ReadMsg(conn)
	if err != nil {
		return why(fmt.Errorf("%s: %w", start.Bench, err))
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

// relay carries a relayed helper's pipes until the client says stop. A write
// to the helper's request pipe that blocks (the helper is not reading) ends
// when the session ends: the helper is killed, and the write fails. The
// report pump ends when the helper's report pipe closes, which it does when
// the helper exits, and relay waits for it.
func relay(conn net.Conn, rel Relayed, bench string, stopEnd func() (map[string]float64, error), send func(*Msg) error, why func(error) error) error {
	toHelper, fromHelper := rel.Pipes()
	pumped := make(chan struct{})
	defer func() {
		rel.Kill() // in order, the helper has exited already
		<-pumped
	}()
	go func() {
		defer close(pumped)
		buf := make([]byte, 4096)
		for {
			n, err := fromHelper.Read(buf)
			if n > 0 && send(&Msg{Type: TypeData, Data: append([]byte(nil), buf[:n]...)}) != nil {
				rel.Kill() // the client is gone; nobody would read the rest
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
			return why(fmt.Errorf("%s: %w", bench, err))
		}
		switch m.Type {
		case TypeData:
			if _, err := toHelper.Write(m.Data); err != nil {
				return why(fmt.Errorf("%s: to the helper: %w", bench, err))
			}
		case TypeStop:
			toHelper.Close()
			metrics, err := stopEnd()
			<-pumped // every report sent before done
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

// pendingSet holds the connections whose handshake is under way, oldest
// first, at most max of them.
type pendingSet struct {
	mu     sync.Mutex
	max    int
	list   list.List // of *pendingConn
	closed bool
}

type pendingConn struct {
	conn net.Conn
	el   *list.Element // nil once done or dropped
}

// add registers c; at the bound, it drops (closes) the oldest pending
// connection and counts it in dropped. After closeAll, c is closed at once.
func (p *pendingSet) add(c net.Conn, dropped *atomic.Int64) *pendingConn {
	p.mu.Lock()
	defer p.mu.Unlock()
	e := &pendingConn{conn: c}
	if p.closed {
		c.Close()
		return e
	}
	if p.list.Len() >= p.max {
		old := p.list.Remove(p.list.Front()).(*pendingConn)
		old.el = nil
		old.conn.Close()
		dropped.Add(1)
	}
	e.el = p.list.PushBack(e)
	return e
}

// done takes e out of the set; false if it had been dropped (its
// connection is closed).
func (p *pendingSet) done(e *pendingConn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if e.el == nil {
		return false
	}
	p.list.Remove(e.el)
	e.el = nil
	return true
}

// closeAll closes every pending connection, and every one added later.
func (p *pendingSet) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for el := p.list.Front(); el != nil; el = el.Next() {
		pc := el.Value.(*pendingConn)
		pc.el = nil
		pc.conn.Close()
	}
	p.list.Init()
}
