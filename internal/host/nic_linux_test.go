package host

import (
	"net/netip"
	"strings"
	"testing"
)

func TestNICForLoopback(t *testing.T) {
	n, err := NICFor(netip.MustParseAddr("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s", n.Describe())
	if n.Kind != "loopback" || n.MTU <= 0 || !strings.Contains(n.Describe(), "(loopback)") {
		t.Errorf("loopback NIC: %+v (%s)", n, n.Describe())
	}
	if _, err := NICFor(netip.MustParseAddr("198.18.255.254")); err == nil {
		t.Error("an address no interface holds was found")
	}
}
