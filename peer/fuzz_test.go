package peer

import (
	"bytes"
	"encoding/binary"
	"net"
	"net/netip"
	"testing"
	"time"
)

func frameOf(body string) []byte {
	b := make([]byte, 4+len(body))
	binary.BigEndian.PutUint32(b, uint32(len(body)))
	copy(b[4:], body)
	return b
}

// FuzzReadFrame: any byte stream read as frames under a limit, as the
// server reads a stranger's auth and a client's start, neither panics nor
// yields a message from more than the limit.
func FuzzReadFrame(f *testing.F) {
	f.Add(frameOf(`{"type":"auth","mac":"00"}`), uint16(maxAuthFrame))
	f.Add(frameOf(`{"type":"start","bench":"bw/tcp/chunk=64KiB/transport=peer","read_size":65536}`), uint16(maxStartFrame))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff}, uint16(maxAuthFrame))
	f.Add(append(frameOf(`{"type":"stop"}`), frameOf(`{"type":"data","data":"AAEC"}`)...), uint16(64))
	f.Fuzz(func(t *testing.T, stream []byte, limit uint16) {
		r := bytes.NewReader(stream)
		for {
			before := r.Len()
			m, err := readMsgLimit(r, uint32(limit))
			if err != nil {
				return
			}
			if used := before - r.Len(); used > 4+int(limit) {
				t.Fatalf("a %d-byte frame read under a limit of %d: %+v", used-4, limit, m)
			}
		}
	})
}

// FuzzHandshake: whatever a client without the token sends, the server's
// handshake refuses it, and returns.
func FuzzHandshake(f *testing.F) {
	f.Add(frameOf(`{"type":"auth","mac":"00"}`))
	f.Add(frameOf(`{"type":"auth"}`))
	f.Add(frameOf(`{"type":"start","bench":"lat/tcp/size=1B/cpu=free/transport=peer"}`))
	f.Add([]byte{0, 0, 0, 1, '{'})
	f.Fuzz(func(t *testing.T, in []byte) {
		srv := &server{cfg: &ServerConfig{Token: []byte("tok"), HandshakeTimeout: time.Second}}
		a, b := net.Pipe()
		defer a.Close()
		go func() {
			defer b.Close()
			b.SetDeadline(time.Now().Add(time.Second))
			if _, err := ReadMsg(b); err != nil { // the hello
				return
			}
			b.Write(in)
			var buf [512]byte
			for {
				if _, err := b.Read(buf[:]); err != nil {
					return
				}
			}
		}()
		if err := srv.handshake(a, netipLoopback); err == nil {
			t.Fatalf("%q authenticated without the token", in)
		}
	})
}

var netipLoopback = netip.MustParseAddr("127.0.0.1")
