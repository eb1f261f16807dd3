package peer

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// The control protocol between a client (a zbench worker) and `zbench
// serve`: frames of a 4-byte big-endian length and a JSON message, at most
// MaxFrame bytes. One session per connection:
//
//	server → Hello{Proto, Nonce, Auth}
//	client → Auth{MAC}                    HMAC-SHA256(token, nonce) when Auth
//	server → Result{OK, Env, NIC} or Result{Err}    then closes on failure
//	client → Start{Bench}                 one benchmark's remote end
//	server → Ready{Port} or Result{Err}
//	client → Stop{}                       when the benchmark is done
//	server → Done{Metrics} or Result{Err}
//
// Every message has Type set; unknown types, oversized or truncated frames
// and malformed JSON end the session. Nothing about the server's host is
// sent before the client has proven the token.
const (
	Proto    = 2
	MaxFrame = 64 << 10
	// MaxReadSize bounds the receive buffer a client may ask for.
	MaxReadSize = 16 << 20
)

// Message types.
const (
	TypeHello  = "hello"
	TypeAuth   = "auth"
	TypeResult = "result"
	TypeStart  = "start"
	TypeReady  = "ready"
	TypeStop   = "stop"
	TypeDone   = "done"
	// TypeData carries bytes of a relayed helper's pipes: from the client
	// to the helper's requests (fd 3), from the helper's reports (fd 4) to
	// the client, between ready and stop.
	TypeData = "data"
)

// Msg is every control message; Type says which fields mean something.
type Msg struct {
	Type string `json:"type"`

	// hello
	Proto int    `json:"proto,omitempty"`
	Nonce string `json:"nonce,omitempty"` // hex, 32 bytes
	Auth  bool   `json:"auth,omitempty"`  // a token is required

	// auth
	MAC string `json:"mac,omitempty"` // hex HMAC-SHA256(token, nonce)

	// result
	OK  bool   `json:"ok,omitempty"`
	Err string `json:"err,omitempty"`
	// The result of a successful auth carries the server's environment.
	Env json.RawMessage `json:"env,omitempty"` // the server's host.Env
	NIC json.RawMessage `json:"nic,omitempty"` // the server's host.NIC this session arrived on

	// start
	Bench string `json:"bench,omitempty"` // a benchmark name, transport=peer
	// ReadSize is the remote end's receive buffer, for streams; the server
	// bounds it.
	ReadSize int `json:"read_size,omitempty"`

	// data
	Data []byte `json:"data,omitempty"`

	// ready
	Port int `json:"port,omitempty"`

	// done
	Metrics map[string]float64 `json:"metrics,omitempty"`
}

// ErrFrame is wrapped by every framing error.
var ErrFrame = errors.New("bad control frame")

// WriteMsg sends one frame.
func WriteMsg(w io.Writer, m *Msg) error {
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if len(body) > MaxFrame {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrFrame, len(body), MaxFrame)
	}
	buf := make([]byte, 4+len(body))
	binary.BigEndian.PutUint32(buf, uint32(len(body)))
	copy(buf[4:], body)
	_, err = w.Write(buf)
	return err
}

// ReadMsg reads one frame, refusing oversized ones before reading them.
func ReadMsg(r io.Reader) (*Msg, error) { return readMsgLimit(r, MaxFrame) }

// readMsgLimit reads one frame of at most limit bytes.
func readMsgLimit(r io.Reader, limit uint32) (*Msg, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n == 0 || n > limit {
		return nil, fmt.Errorf("%w: length %d, limit %d", ErrFrame, n, limit)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, fmt.Errorf("%w: truncated: %v", ErrFrame, err)
	}
	return DecodeMsg(body)
}

// DecodeMsg parses one frame's body.
func DecodeMsg(body []byte) (*Msg, error) {
	var m Msg
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFrame, err)
	}
	switch m.Type {
	case TypeHello, TypeAuth, TypeResult, TypeStart, TypeReady, TypeStop, TypeDone, TypeData:
	default:
		return nil, fmt.Errorf("%w: unknown message type %q", ErrFrame, m.Type)
	}
	if m.Port < 0 || m.Port > 65535 {
		return nil, fmt.Errorf("%w: port %d", ErrFrame, m.Port)
	}
	if m.ReadSize < 0 || m.ReadSize > MaxReadSize {
		return nil, fmt.Errorf("%w: read size %d, limit %d", ErrFrame, m.ReadSize, MaxReadSize)
	}
	if len(m.Bench) > 256 {
		return nil, fmt.Errorf("%w: benchmark name of %d bytes", ErrFrame, len(m.Bench))
	}
	return &m, nil
}

// MAC is the proof of the token: HMAC-SHA256(token, "zbench-control-v1" || nonce).
func MAC(token []byte, nonce string) string {
	h := hmac.New(sha256.New, token)
	h.Write([]byte("zbench-control-v1"))
	h.Write([]byte(nonce))
	return hex.EncodeToString(h.Sum(nil))
}

// checkMAC compares in constant time.
func checkMAC(token []byte, nonce, mac string) bool {
	want, _ := hex.DecodeString(MAC(token, nonce))
	got, err := hex.DecodeString(mac)
	return err == nil && hmac.Equal(want, got)
}
