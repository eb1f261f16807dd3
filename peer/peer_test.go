package peer

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"zbench/name"
)

func TestStaleOwner(t *testing.T) {
	for _, tc := range []struct {
		ns, id string
		ok     bool
	}{
		{"zbench-123.456-c", "123.456", true},
		{"zbench-123.456-s", "123.456", true},
		{"zbench-123.456-l", "123.456", true},
		{"zbench-123-c", "123", true}, // an older build's name
		{"zbench-123.456-x", "", false},
		{"zbench--c", "", false},
		{"other-123-c", "", false},
		{"zbench-123", "", false},
	} {
		id, ok := staleOwner(tc.ns)
		if ok != tc.ok || (ok && id != tc.id) {
			t.Errorf("staleOwner(%q) = %q, %v; want %q, %v", tc.ns, id, ok, tc.id, tc.ok)
		}
	}
}

// A transport survives the trip through a worker's job, without its token,
// which the worker reads from the file.
func TestTransportJob(t *testing.T) {
	tok := filepath.Join(t.TempDir(), "tok")
	if err := os.WriteFile(tok, []byte(" s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	in := Transport{Name: name.Peer, Server: "198.18.0.9:7277", TokenFile: tok, Token: []byte("s3cret")}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "s3cret") || strings.Contains(string(b), base64.StdEncoding.EncodeToString([]byte("s3cret"))) {
		t.Errorf("the token travels in the job: %s", b)
	}
	var out Transport
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	out, err = out.Load()
	if err != nil || out.Name != name.Peer || out.Server != in.Server || string(out.Token) != "s3cret" {
		t.Errorf("after the job: %+v, %v", out, err)
	}
	lo, err := Transport{}.Load()
	if err != nil || lo.Name != name.Loopback || lo.ServerAddr.String() != "127.0.0.1" {
		t.Errorf("the zero transport loads as %+v, %v; want loopback", lo, err)
	}
	if _, err := (Transport{Name: "carrier-pigeon"}).Load(); err == nil {
		t.Error("an unknown transport loaded")
	}
}

// A function that ends its goroutine without returning (runtime.Goexit,
// as t.FailNow does) is an error for InNetns's caller, never a wait for
// ever.
func TestInNetnsGoexit(t *testing.T) {
	done := make(chan error, 1)
	go func() { done <- InNetns("", func() error { runtime.Goexit(); return nil }) }()
	select {
	case err := <-done:
		if err == nil {
			t.Error("InNetns reported success for a function that never returned")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("InNetns still waiting 10 s after its function's goroutine ended")
	}
	if err := InNetns("", func() error { return nil }); err != nil {
		t.Errorf("InNetns of a function that returns: %v", err)
	}
}
