package peer

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"syscall"
	"time"
)

// Session is a client's control session with `zbench serve`: one
// benchmark's remote end.
type Session struct {
	conn net.Conn
	// Hello is the server's greeting, with the server's environment
	// (Hello.Env, Hello.NIC) that came once the token was proven.
	Hello *Msg
	// Data is where the remote end listens.
	Data netip.AddrPort

	// A relayed helper's pipes (see Relay).
	relaying bool
	wmu      sync.Mutex     // writes come from the request pump and Stop
	pumped   sync.WaitGroup // the request pump, done when the caller closes its end
	ended    chan relayEnd  // the last message the report pump read
}

type relayEnd struct {
	msg *Msg
	err error
}

// ControlTimeout bounds every control exchange, so that a dead or silent
// server fails a benchmark in seconds.
const ControlTimeout = 10 * time.Second

// Dial opens a control session with the server at addr and authenticates
// with token (nil: none).
func Dial(addr string, token []byte) (*Session, error) {
	conn, err := net.DialTimeout("tcp", addr, ControlTimeout)
	if err != nil {
		return nil, fmt.Errorf("peer %s: %w", addr, err)
	}
	s := &Session{conn: conn}
	if err := s.handshake(token); err != nil {
		conn.Close()
		return nil, fmt.Errorf("peer %s: %w", addr, err)
	}
	return s, nil
}

func (s *Session) exchange(m *Msg, want string) (*Msg, error) {
	s.conn.SetDeadline(time.Now().Add(ControlTimeout))
	if m != nil {
		if err := WriteMsg(s.conn, m); err != nil {
			return nil, err
		}
	}
	r, err := ReadMsg(s.conn)
	if err != nil {
		return nil, err
	}
	if r.Err != "" {
		return nil, fmt.Errorf("server: %s", r.Err)
	}
	if r.Type != want {
		return nil, fmt.Errorf("server sent %q, want %q", r.Type, want)
	}
	return r, nil
}

func (s *Session) handshake(token []byte) error {
	hello, err := s.exchange(nil, TypeHello)
	if err != nil {
		return err
	}
	if hello.Proto != Proto {
		return fmt.Errorf("server speaks control protocol %d, this zbench %d", hello.Proto, Proto)
	}
	if hello.Auth && token == nil {
		return fmt.Errorf("the server requires a token (--token-file)")
	}
	s.Hello = hello
	auth := &Msg{Type: TypeAuth}
	if token != nil {
		auth.MAC = MAC(token, hello.Nonce)
	}
	ok, err := s.exchange(auth, TypeResult)
	if err != nil {
		return err
	}
	hello.Env, hello.NIC = ok.Env, ok.NIC
	return nil
}

// Start asks for bench's remote end, with a receive buffer of readSize
// bytes for streams (0 otherwise), and returns where it listens.
func (s *Session) Start(bench string, readSize int) (netip.AddrPort, error) {
	r, err := s.exchange(&Msg{Type: TypeStart, Bench: bench, ReadSize: readSize}, TypeReady)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("peer %s: starting the remote end: %w", s.conn.RemoteAddr(), err)
	}
	host, err := netip.ParseAddrPort(s.conn.RemoteAddr().String())
	if err != nil {
		return netip.AddrPort{}, err
	}
	s.Data = netip.AddrPortFrom(host.Addr().Unmap(), uint16(r.Port))
	return s.Data, nil
}

// Relay carries the remote helper's two pipes over the session and returns
// this side's ends as blocking descriptors: requests written to req reach
// the helper's fd 3, what it writes on its fd 4 is read from rep. The caller
// owns both descriptors and must close req before Stop.
func (s *Session) Relay() (req, rep int, err error) {
	reqP, err := cloexecPipe()
	if err != nil {
		return -1, -1, err
	}
	repP, err := cloexecPipe()
	if err != nil {
		syscall.Close(reqP[0])
		syscall.Close(reqP[1])
		return -1, -1, err
	}
	reqIn, repOut := os.NewFile(uintptr(reqP[0]), "relay-req"), os.NewFile(uintptr(repP[1]), "relay-rep")
	s.relaying, s.ended = true, make(chan relayEnd, 1)
	// The control connection idles while a benchmark runs: no deadline
	// until Stop. A server that dies resets it, which ends the pumps.
	s.conn.SetDeadline(time.Time{})
	s.pumped.Add(1)
	go func() {
		defer s.pumped.Done()
		defer reqIn.Close()
		buf := make([]byte, 4096)
		for {
			n, err := reqIn.Read(buf)
			if n > 0 && s.send(&Msg{Type: TypeData, Data: append([]byte(nil), buf[:n]...)}) != nil {
				return
			}
			if err != nil {
				return
			}
		}
	}()
	go func() {
		defer repOut.Close()
		for {
			m, err := ReadMsg(s.conn)
			switch {
			case err != nil:
				s.ended <- relayEnd{err: err}
				return
			case m.Type == TypeData:
				repOut.Write(m.Data)
			default:
				s.ended <- relayEnd{msg: m}
				return
			}
		}
	}()
	return reqP[1], repP[0], nil
}

func (s *Session) send(m *Msg) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.conn.SetWriteDeadline(time.Now().Add(ControlTimeout))
	return WriteMsg(s.conn, m)
}

// Stop ends the remote end and returns its measurements.
func (s *Session) Stop() (map[string]float64, error) {
	defer s.conn.Close()
	if s.relaying {
		return s.stopRelay()
	}
	r, err := s.exchange(&Msg{Type: TypeStop}, TypeDone)
	if err != nil {
		return nil, fmt.Errorf("peer %s: stopping the remote end: %w", s.conn.RemoteAddr(), err)
	}
	s.awaitEnd()
	return r.Metrics, nil
}

// awaitEnd waits, briefly, for the server to close the session after its
// last message: by then the session's slot is free again, so that the next
// session of a client that runs one at a time is never refused as busy.
func (s *Session) awaitEnd() {
	s.conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	var b [1]byte
	s.conn.Read(b[:])
}

// Close abandons the session; the server stops the remote end.
func (s *Session) Close() error { return s.conn.Close() }

// LocalAddr is this host's end of the control connection: the address the
// data connections leave from too.
func (s *Session) LocalAddr() netip.Addr {
	ap, err := netip.ParseAddrPort(s.conn.LocalAddr().String())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

func (s *Session) stopRelay() (map[string]float64, error) {
	s.pumped.Wait() // every request sent
	fail := func(err error) (map[string]float64, error) {
		return nil, fmt.Errorf("peer %s: stopping the remote end: %w", s.conn.RemoteAddr(), err)
	}
	if err := s.send(&Msg{Type: TypeStop}); err != nil {
		// The server may have ended the session, and said why.
		select {
		case e := <-s.ended:
			if e.msg != nil && e.msg.Err != "" {
				return fail(fmt.Errorf("server: %s", e.msg.Err))
			}
		case <-time.After(time.Second):
		}
		return fail(err)
	}
	select {
	case e := <-s.ended:
		switch {
		case e.err != nil:
			return fail(e.err)
		case e.msg.Err != "":
			return fail(fmt.Errorf("server: %s", e.msg.Err))
		case e.msg.Type != TypeDone:
			return fail(fmt.Errorf("server sent %q, want %q", e.msg.Type, TypeDone))
		}
		s.awaitEnd()
		return e.msg.Metrics, nil
	case <-time.After(ControlTimeout):
		return fail(errors.New("no answer"))
	}
}

// cloexecPipe is a blocking pipe closed on exec, made under ForkLock so that
// no concurrent exec inherits it in between (as package os does).
func cloexecPipe() ([2]int, error) {
	var p [2]int
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	if err := syscall.Pipe(p[:]); err != nil {
		return p, err
	}
	syscall.CloseOnExec(p[0])
	syscall.CloseOnExec(p[1])
	return p, nil
}
