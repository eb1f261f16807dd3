package bench

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestPredictN(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		name  string
		goal  time.Duration
		prevN int
		prevD time.Duration
		want  int
	}{
		{"aims 20% past the goal", 100 * ms, 1000, 10 * ms, 12000},
		{"grows at most 100x a round", 100 * ms, 1, 1, 100},
		{"always grows by one", 100 * ms, 1000, 200 * ms, 1001},
		{"zero duration counts as 1ns", time.Second, 5, 0, 500},
		{"capped at maxN", time.Hour, maxN / 2, time.Millisecond, maxN},
		{"exact goal", 100 * ms, 50, 50 * ms, 120},
		{"no overflow on a huge ratio", time.Hour, 1 << 40, 1, maxN},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := predictN(tc.goal, tc.prevN, tc.prevD); got != tc.want {
				t.Errorf("predictN(%v, %d, %v) = %d, want %d", tc.goal, tc.prevN, tc.prevD, got, tc.want)
			}
		})
	}
}

func TestSelect(t *testing.T) {
	specs := []Spec{
		{Name: "lat/syscall/null", Default: true},
		{Name: "lat/syscall/null/path=inline"},
		{Name: "lat/syscall/read", Default: true},
		{Name: "lat/pipe/size=1/cpu=same"},
		{Name: "bw/mem/copy/size=4KiB"},
	}
	names := func(ss []Spec) []string {
		var n []string
		for _, s := range ss {
			n = append(n, s.Name)
		}
		return n
	}
	for _, tc := range []struct {
		patterns []string
		want     []string
		err      bool
	}{
		{nil, []string{"lat/syscall/null", "lat/syscall/read"}, false},
		{[]string{"all"}, names(specs), false},
		{[]string{"lat/syscall"}, []string{"lat/syscall/null", "lat/syscall/null/path=inline", "lat/syscall/read"}, false},
		{[]string{"lat/syscall/null"}, []string{"lat/syscall/null", "lat/syscall/null/path=inline"}, false},
		{[]string{"lat/*/read"}, []string{"lat/syscall/read"}, false},
		{[]string{"*/*/size=*"}, []string{"lat/pipe/size=1/cpu=same"}, false},
		{[]string{"bw", "lat/pipe"}, []string{"lat/pipe/size=1/cpu=same", "bw/mem/copy/size=4KiB"}, false},
		{[]string{"lat/sys"}, nil, true}, // segment prefixes only: a typo is an error
		{[]string{"nothing"}, nil, true},
		{[]string{"lat/[x"}, nil, true},
		{[]string{"lat/syscall/null$"}, []string{"lat/syscall/null"}, false}, // exactly that one
		{[]string{"lat/*/null$"}, []string{"lat/syscall/null"}, false},
		{[]string{"lat/syscall$"}, nil, true}, // a prefix is no name
	} {
		got, err := Select(specs, tc.patterns)
		if (err != nil) != tc.err {
			t.Errorf("Select(%q) error = %v, want error %v", tc.patterns, err, tc.err)
			continue
		}
		if g := names(got); !tc.err && !slices.Equal(g, tc.want) {
			t.Errorf("Select(%q) = %q, want %q", tc.patterns, g, tc.want)
		}
	}
}

// A misspelt pattern is an error that names the closest names, at the
// pattern's depth; a pattern near nothing suggests nothing.
func TestSelectSuggests(t *testing.T) {
	specs := []Spec{
		{Name: "lat/syscall/null"}, {Name: "lat/syscall/read"}, {Name: "lat/pipe/size=1B/cpu=same"},
		{Name: "ctxsw/ring/procs=2"},
	}
	for _, tc := range []struct{ pattern, want string }{
		{"lat/sycall/nul", `did you mean lat/syscall/null?`},
		{"lat/syscall/raed", `did you mean lat/syscall/read?`},
		{"lat/pipe/size=1B/cpu=smae", `did you mean lat/pipe/size=1B/cpu=same?`},
		{"ctxws", `did you mean ctxsw?`},
		{"lat/syscall/nul$", `no benchmark is named "lat/syscall/nul"; did you mean lat/syscall/null?`},
	} {
		_, err := Select(specs, []string{tc.pattern})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Select(%q): %v; want %q", tc.pattern, err, tc.want)
		}
	}
	if _, err := Select(specs, []string{"zzzzzzzz/qqqq"}); err == nil || strings.Contains(err.Error(), "did you mean") {
		t.Errorf("a pattern near nothing: %v; want no suggestion", err)
	}
	if got := editDistance("kitten", "sitting"); got != 3 {
		t.Errorf("editDistance(kitten, sitting) = %d, want 3", got)
	}
}

func TestParams(t *testing.T) {
	s := Spec{Name: "zerocopy/send/method=sendfile/size=64KiB/transport=veth"}
	got := s.Params()
	want := [][2]string{{"method", "sendfile"}, {"size", "64KiB"}, {"transport", "veth"}}
	if len(got) != len(want) {
		t.Fatalf("Params() = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Params()[%d] = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestNamed(t *testing.T) {
	specs := []Spec{{Name: "a/x"}, {Name: "a/y"}, {Name: "b"}}
	got, err := Named(specs, "b", "a/x")
	if err != nil || len(got) != 2 || got[0].Name != "b" || got[1].Name != "a/x" {
		t.Errorf("Named(b, a/x) = %v, %v; want both, in the order asked", got, err)
	}
	if _, err := Named(specs, "a"); err == nil {
		t.Error("Named accepted a prefix: it selects exact names only")
	}
}
