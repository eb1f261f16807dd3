package peer

import (
	"errors"
	"testing"
)

func TestLookup(t *testing.T) {
	lo, err := Lookup(Loopback)
	if err != nil || lo.ServerAddr.String() != "127.0.0.1" || lo.ClientNetns != "" || lo.ServerNetns != "" {
		t.Errorf("loopback = %+v, %v", lo, err)
	}
	t.Setenv(envVeth, "")
	if _, err := Lookup(Veth); !errors.Is(err, ErrNotSetUp) {
		t.Errorf("veth without set-up: %v, want ErrNotSetUp", err)
	}
	t.Setenv(envVeth, "/run/netns/a,/run/netns/b,198.18.0.2")
	v, err := Lookup(Veth)
	if err != nil || v.ClientNetns != "/run/netns/a" || v.ServerNetns != "/run/netns/b" || v.ServerAddr.String() != "198.18.0.2" {
		t.Errorf("veth = %+v, %v", v, err)
	}
	if _, err := Lookup("carrier-pigeon"); err == nil {
		t.Error("unknown transport accepted")
	}
	for _, bad := range []string{"a,b", "a,b,not-an-ip", ""} {
		if _, err := parseVethEnv(bad); err == nil {
			t.Errorf("parseVethEnv(%q) accepted", bad)
		}
	}
}

func TestStalePID(t *testing.T) {
	for _, tc := range []struct {
		name string
		pid  int
		ok   bool
	}{
		{"zbench-123-c", 123, true},
		{"zbench-123-s", 123, true},
		{"zbench-123-x", 0, false},
		{"zbench-abc-c", 0, false},
		{"zbench-0-c", 0, false},
		{"other-123-c", 0, false},
		{"zbench-123", 0, false},
	} {
		pid, ok := stalePID(tc.name)
		if ok != tc.ok || (ok && pid != tc.pid) {
			t.Errorf("stalePID(%q) = %d, %v; want %d, %v", tc.name, pid, ok, tc.pid, tc.ok)
		}
	}
}
