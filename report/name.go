package report

import (
	"slices"
	"strings"

	"zbench/bench"
)

// name is a benchmark name split into its path (family and operation) and
// its key=value parameters, as DESIGN.md §3 writes them:
// "ctxsw/ring/procs=2/ws=0KiB/cpu=same/kind=process".
type name struct {
	full   string
	path   []string          // segments without '=', in order: ["ctxsw", "ring"]
	keys   []string          // parameter keys in order
	params map[string]string // key → value
}

func parseName(full string) name {
	n := name{full: full, params: map[string]string{}}
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

// family is the first path segment ("lat", "ctxsw", ...).
func (n name) family() string {
	if len(n.path) == 0 {
		return ""
	}
	return n.path[0]
}

// op is the path after the family ("syscall/null", "ring").
func (n name) op() string {
	if len(n.path) < 2 {
		return ""
	}
	return strings.Join(n.path[1:], "/")
}

// rest is the name's parameters without the given keys, in order:
// "cpu=same/transport=loopback". With the family, it is the key that groups
// results of several operations that differ only in those parameters.
func (n name) rest(drop ...string) string {
	var segs []string
	for _, k := range n.keys {
		if !slices.Contains(drop, k) {
			segs = append(segs, k+"="+n.params[k])
		}
	}
	return strings.Join(segs, "/")
}

// parseSize reads a size as names spell it ("64B", "4KiB", "1MiB"), in bytes.
func parseSize(s string) (float64, bool) {
	n, err := bench.ParseSize(s)
	return float64(n), err == nil
}
