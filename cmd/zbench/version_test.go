package main

import (
	"runtime"
	"strings"
	"testing"
)

func TestVersionLine(t *testing.T) {
	for _, tc := range []struct {
		version, commit, from string
		modified              bool
		want, not             []string
	}{
		{"v1.2.0", "0123456789abcdef", "build", false, []string{"zbench v1.2.0, commit 0123456789abcdef, go1"}, []string{"uncommitted", "no VCS"}},
		{"(devel)", "", "", false, []string{"not a tagged release", "commit unknown", "no VCS stamp"}, nil},
		{"(devel)", "abc", "source", true, []string{"commit abc", "git", "uncommitted changes"}, nil},
	} {
		got := versionLine(tc.version, tc.commit, tc.from, tc.modified, "go1.26", "linux/arm64")
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%+v: %q lacks %q", tc, got, w)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(got, n) {
				t.Errorf("%+v: %q has %q", tc, got, n)
			}
		}
		if got == "zbench (devel)" || strings.HasSuffix(got, "(devel)") {
			t.Errorf("%q: (devel) alone", got)
		}
	}
}

// version and --version print one line naming the build and the platform.
func TestVersionCommand(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, stdout, stderr := zbench(args...)
		if code != exitOK || !strings.HasPrefix(stdout, "zbench ") || !strings.Contains(stdout, runtime.GOOS+"/"+runtime.GOARCH) ||
			!strings.Contains(stdout, "commit") || strings.Count(stdout, "\n") != 1 {
			t.Errorf("zbench %q: exit %d stdout %q stderr %q", args, code, stdout, stderr)
		}
	}
	if code, _, stderr := zbench("version", "extra"); code != exitUsage || !strings.Contains(stderr, "unexpected argument") {
		t.Errorf("version extra: exit %d %q", code, stderr)
	}
}
