package name

import (
	"slices"
	"testing"
)

func TestParse(t *testing.T) {
	n := Parse("ctxsw/ring/procs=2/ws=16KiB/cpu=same/kind=process")
	if n.Family() != "ctxsw" || n.Op() != "ring" || n.PathString() != "ctxsw/ring" {
		t.Errorf("path: family %q op %q path %q", n.Family(), n.Op(), n.PathString())
	}
	if !slices.Equal(n.Keys(), []string{"procs", "ws", "cpu", "kind"}) {
		t.Errorf("keys %v", n.Keys())
	}
	if v := n.Param("kind"); !n.Has("kind") || v != "process" {
		t.Errorf("Param(kind) = %q", v)
	}
	if n.Has("size") || n.Param("size") != "" {
		t.Error("found a size= parameter the name lacks")
	}
	if ws, err := n.Size("ws"); err != nil || ws != 16<<10 {
		t.Errorf("Size(ws) = %d, %v", ws, err)
	}
	if _, err := n.Size("procs"); err == nil {
		t.Error("Size(procs) read 2 as a size")
	}
	if p, ok := n.Placement(); !ok || p != Same {
		t.Errorf("Placement() = %q, %v", p, ok)
	}
	if n.Transport() != Loopback {
		t.Errorf("Transport() = %q, want loopback for a name without one", n.Transport())
	}
	if got := n.Rest("procs", "ws"); got != "cpu=same/kind=process" {
		t.Errorf("Rest = %q", got)
	}
	if Parse("lat/tcp/size=1B/cpu=free/transport=veth").Transport() != Veth {
		t.Error("transport=veth not read")
	}
	if _, ok := Parse("lat/pipe/cpu=nowhere").Placement(); ok {
		t.Error("a bad cpu= read as a placement")
	}
}

func TestSize(t *testing.T) {
	for _, tc := range []struct {
		n int64
		s string
	}{{1, "1B"}, {64, "64B"}, {1000, "1000B"}, {1024, "1KiB"}, {16384, "16KiB"}, {64512, "63KiB"}, {1 << 20, "1MiB"}, {256 << 20, "256MiB"}, {1536 << 10, "1536KiB"}} {
		if got := FormatSize(tc.n); got != tc.s {
			t.Errorf("FormatSize(%d) = %q, want %q", tc.n, got, tc.s)
		}
		if got, err := ParseSize(tc.s); err != nil || got != tc.n {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", tc.s, got, err, tc.n)
		}
	}
	for _, bad := range []string{"", "KiB", "12", "-1B", "1.5KiB", "1GiB", "99999999999999999999MiB"} {
		if _, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) accepted", bad)
		}
	}
}

func TestPlacementTransport(t *testing.T) {
	for _, p := range Placements {
		if got, err := ParsePlacement(string(p)); err != nil || got != p {
			t.Errorf("ParsePlacement(%q) = %q, %v", p, got, err)
		}
	}
	if _, err := ParsePlacement("both"); err == nil {
		t.Error("ParsePlacement accepted both")
	}
	for _, tr := range Transports {
		if got, err := ParseTransport(string(tr)); err != nil || got != tr {
			t.Errorf("ParseTransport(%q) = %q, %v", tr, got, err)
		}
	}
	if _, err := ParseTransport("wifi"); err == nil {
		t.Error("ParseTransport accepted wifi")
	}
}
