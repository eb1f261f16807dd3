package host

import (
	"strings"
	"testing"
)

func TestNICKindAndNote(t *testing.T) {
	for _, tc := range []struct {
		loop   bool
		driver string
		dev    bool
		kind   string
		note   string
	}{
		{true, "", false, "loopback", "complete as copied"},
		{false, "veth", false, "veth", "complete as copied"},
		{false, "ixgbe", true, "physical", "without copying"},
		{false, "bridge", false, "virtual", ""},
		{false, "virtio_net", true, "physical", "without copying"},
	} {
		n := NIC{Kind: nicKind(tc.loop, tc.driver, tc.dev), Offloads: map[string]bool{"sg": true, "tx-checksum": true}}
		if n.Kind != tc.kind || !strings.Contains(nicNote(&n), tc.note) {
			t.Errorf("%v %q %v: kind %q note %q; want %q, %q", tc.loop, tc.driver, tc.dev, n.Kind, nicNote(&n), tc.kind, tc.note)
		}
	}
	noSG := NIC{Kind: "physical", Offloads: map[string]bool{"sg": false, "tx-checksum": true}}
	if !strings.Contains(nicNote(&noSG), "fall back to copying") {
		t.Errorf("a device without scatter-gather: note %q", nicNote(&noSG))
	}
}

func TestParseSpeed(t *testing.T) {
	for in, want := range map[string]int{"10000\n": 10000, "-1\n": 0, "": 0, "garbage": 0, "25000": 25000} {
		if got := parseSpeed(in); got != want {
			t.Errorf("parseSpeed(%q) = %d, want %d", in, got, want)
		}
	}
}
