package peer

import (
	"fmt"
	"net"
	"net/netip"
	"time"
)

// Session is a client's control session with `zbench serve`: one
// benchmark's remote end.
type Session struct {
	conn net.Conn
	// Hello is the server's greeting (its environment in Hello.Env).
	Hello *Msg
	// Data is where the remote end listens.
	Data netip.AddrPort
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
	_, err = s.exchange(auth, TypeResult)
	return err
}

// Start asks for bench's remote end and returns where it listens.
func (s *Session) Start(bench string) (netip.AddrPort, error) {
	r, err := s.exchange(&Msg{Type: TypeStart, Bench: bench}, TypeReady)
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

// Stop ends the remote end and returns its measurements.
func (s *Session) Stop() (map[string]float64, error) {
	defer s.conn.Close()
	r, err := s.exchange(&Msg{Type: TypeStop}, TypeDone)
	if err != nil {
		return nil, fmt.Errorf("peer %s: stopping the remote end: %w", s.conn.RemoteAddr(), err)
	}
	return r.Metrics, nil
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
