package peer

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestFrames(t *testing.T) {
	var buf bytes.Buffer
	in := &Msg{Type: TypeReady, Port: 4242}
	if err := WriteMsg(&buf, in); err != nil {
		t.Fatal(err)
	}
	out, err := ReadMsg(&buf)
	if err != nil || out.Type != TypeReady || out.Port != 4242 {
		t.Fatalf("round trip: %+v, %v", out, err)
	}
	frame := func(body string) []byte {
		b := make([]byte, 4+len(body))
		binary.BigEndian.PutUint32(b, uint32(len(body)))
		copy(b[4:], body)
		return b
	}
	huge := make([]byte, 4)
	binary.BigEndian.PutUint32(huge, MaxFrame+1)
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"oversized", huge, "limit"},
		{"zero length", []byte{0, 0, 0, 0}, "length 0"},
		{"truncated body", frame(`{"type":"stop"}`)[:10], "truncated"},
		{"garbage", frame("\x00\xffnot json"), "bad control frame"},
		{"unknown type", frame(`{"type":"launch-missiles"}`), "unknown message type"},
		{"bad port", frame(`{"type":"ready","port":70000}`), "port 70000"},
		{"long name", frame(`{"type":"start","bench":"` + strings.Repeat("x", 300) + `"}`), "benchmark name"},
	} {
		_, err := ReadMsg(bytes.NewReader(tc.data))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
	if _, err := ReadMsg(bytes.NewReader(nil)); !errors.Is(err, io.EOF) {
		t.Errorf("empty stream: %v, want EOF", err)
	}
	big := &Msg{Type: TypeResult, Err: strings.Repeat("x", MaxFrame)}
	if err := WriteMsg(io.Discard, big); !errors.Is(err, ErrFrame) {
		t.Errorf("writing an oversized frame: %v", err)
	}
}

func TestMAC(t *testing.T) {
	tok := []byte("s3cret")
	m := MAC(tok, "abcd")
	if !checkMAC(tok, "abcd", m) {
		t.Error("the right MAC was refused")
	}
	for _, bad := range []string{MAC([]byte("other"), "abcd"), MAC(tok, "abce"), "", "zz", m[:10]} {
		if checkMAC(tok, "abcd", bad) {
			t.Errorf("MAC %q accepted", bad)
		}
	}
}

// FuzzDecodeMsg: no input makes the decoder panic, and whatever it accepts
// encodes and decodes to the same message.
func FuzzDecodeMsg(f *testing.F) {
	for _, s := range []string{`{"type":"hello","proto":1,"nonce":"00"}`, `{"type":"start","bench":"lat/tcp/size=1B/cpu=free/transport=peer"}`,
		`{"type":"ready","port":1}`, `{"type":"done","metrics":{"x":1}}`, `{}`, `[`, "\x00"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := DecodeMsg(body)
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := WriteMsg(&buf, m); err != nil {
			return // re-encoding may exceed the limit after escaping
		}
		m2, err := ReadMsg(&buf)
		if err != nil || m2.Type != m.Type || m2.Port != m.Port || m2.Bench != m.Bench {
			t.Fatalf("re-decoding %+v: %+v, %v", m, m2, err)
		}
	})
}
