package bench

import "testing"

func TestParseStat(t *testing.T) {
	for _, tc := range []struct {
		in    string
		pgrp  int
		state string
		ok    bool
	}{
		{"1234 (zbench) S 1 1234 1234 0 -1", 1234, "S", true},
		{"99 (a (weird) name) R 5 77 77", 77, "R", true},
		{"42 (zombie) Z 1 40 40", 40, "Z", true},
		{"garbage", 0, "", false},
		{"1 (x) S 1", 0, "", false},
	} {
		g, st, ok := parseStat(tc.in)
		if ok != tc.ok || (ok && (g != tc.pgrp || st != tc.state)) {
			t.Errorf("parseStat(%q) = %d %q %v", tc.in, g, st, ok)
		}
	}
}
