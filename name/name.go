// Package name is the grammar of benchmark names, the one place that reads
// and writes them: "family/op.../key=value/..." as in
// "ctxsw/ring/procs=2/ws=0KiB/cpu=same/kind=process". Segments without '='
// are the path (the family, then the operation); segments with '=' are
// parameters, in order. Sizes are written 64B, 4KiB, 1MiB; a placement is
// same, spread or free; a transport is loopback, veth or peer. It imports
// nothing of zbench, so every package (the harness, the families, the
// readers of records) can depend on it. docs/design.md describes the grammar.
package name

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Name is a benchmark name split into its path and parameters.
type Name struct {
	full   string
	path   []string          // segments without '=', in order: ["ctxsw", "ring"]
	keys   []string          // parameter keys in order
	params map[string]string // key → value
}

// Parse splits a full name. It never fails: a segment with '=' and a
// non-empty key is a parameter, anything else a path segment.
func Parse(full string) Name {
	n := Name{full: full, params: map[string]string{}}
	for _, seg := range strings.Split(full, "/") {
		if k, v, ok := strings.Cut(seg, "="); ok && k != "" {
			if _, dup := n.params[k]; !dup {
				n.keys = append(n.keys, k)
			}
			n.params[k] = v
			continue
		}
		n.path = append(n.path, seg)
	}
	return n
}

// String is the full name as parsed.
func (n Name) String() string { return n.full }

// Path is the segments without '=', in order.
func (n Name) Path() []string { return slices.Clone(n.path) }

// PathString is the path joined by '/': "lat/syscall/null".
func (n Name) PathString() string { return strings.Join(n.path, "/") }

// Family is the first path segment ("lat", "ctxsw", ...).
func (n Name) Family() string {
	if len(n.path) == 0 {
		return ""
	}
	return n.path[0]
}

// Op is the path after the family ("syscall/null", "ring").
func (n Name) Op() string {
	if len(n.path) < 2 {
		return ""
	}
	return strings.Join(n.path[1:], "/")
}

// Keys is the parameter keys in the order they appear.
func (n Name) Keys() []string { return slices.Clone(n.keys) }

// Param is the value of parameter key, "" where the name has none.
func (n Name) Param(key string) string { return n.params[key] }

// Has says whether the name has parameter key.
func (n Name) Has(key string) bool {
	_, ok := n.params[key]
	return ok
}

// Size is parameter key read as a size ("size=4KiB" → 4096).
func (n Name) Size(key string) (int64, error) {
	v, ok := n.params[key]
	if !ok {
		return 0, fmt.Errorf("%s: no %s= parameter", n.full, key)
	}
	return ParseSize(v)
}

// Placement is the cpu= parameter, if the name has a valid one.
func (n Name) Placement() (Placement, bool) {
	v, ok := n.params["cpu"]
	if !ok {
		return "", false
	}
	p, err := ParsePlacement(v)
	return p, err == nil
}

// Transport is the transport= parameter; a name without one runs on
// loopback (or needs no network at all).
func (n Name) Transport() Transport {
	if v, ok := n.params["transport"]; ok {
		return Transport(v)
	}
	return Loopback
}

// Rest is the name's parameters without the given keys, in order:
// "cpu=same/transport=loopback". With the family, it is the key that groups
// results of several operations that differ only in those parameters.
func (n Name) Rest(drop ...string) string {
	var segs []string
	for _, k := range n.keys {
		if !slices.Contains(drop, k) {
			segs = append(segs, k+"="+n.params[k])
		}
	}
	return strings.Join(segs, "/")
}

// FormatSize writes a byte count as names spell it: 64B, 4KiB, 1MiB. Sizes
// that are not a whole number of KiB or MiB stay in bytes.
func FormatSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + "MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + "KiB"
	}
	return strconv.FormatInt(n, 10) + "B"
}

// ParseSize reads what FormatSize writes.
func ParseSize(s string) (int64, error) {
	for _, u := range []struct {
		suffix string
		shift  uint
	}{{"MiB", 20}, {"KiB", 10}, {"B", 0}} {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			n, err := strconv.ParseInt(num, 10, 64)
			if err != nil || n < 0 || n > (1<<62)>>u.shift {
				return 0, fmt.Errorf("bad size %q", s)
			}
			return n << u.shift, nil
		}
	}
	return 0, fmt.Errorf("bad size %q: want a number with B, KiB or MiB", s)
}

// Placement is where the ends of a benchmark run (the cpu= parameter).
type Placement string

const (
	Same   Placement = "same"   // every end pinned to the measuring thread's CPU
	Spread Placement = "spread" // the ends pinned to different CPUs
	Free   Placement = "free"   // nothing pinned: the scheduler's choice
)

// Placements is every placement, in the order names list them.
var Placements = []Placement{Same, Spread, Free}

// ParsePlacement reads a cpu= value.
func ParsePlacement(s string) (Placement, error) { return oneOf("placement", s, Placements) }

// Transport is where a network benchmark's other end runs (transport=).
type Transport string

const (
	Loopback Transport = "loopback" // this host, the loopback interface
	Veth     Transport = "veth"     // two network namespaces joined by a veth pair
	Peer     Transport = "peer"     // a zbench serve on another host
	// Netns is loopback inside a network namespace of the run's own, away
	// from the host's firewall rules and connection tracking.
	Netns Transport = "netns"
)

// Transports is every transport, in the order names list them.
var Transports = []Transport{Loopback, Veth, Peer, Netns}

// ParseTransport reads a --transport or transport= value.
func ParseTransport(s string) (Transport, error) { return oneOf("transport", s, Transports) }

// oneOf reads s as one of the values of an enumerated parameter.
func oneOf[T ~string](what, s string, all []T) (T, error) {
	if v := T(s); slices.Contains(all, v) {
		return v, nil
	}
	want := make([]string, len(all))
	for i, v := range all {
		want[i] = string(v)
	}
	return "", fmt.Errorf("bad %s %q: want one of %s", what, s, strings.Join(want, ", "))
}
