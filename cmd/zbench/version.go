package main

import (
	"fmt"
	"io"
	"runtime"

	"zbench/internal/host"
)

func cmdVersion(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("version", "version", stderr)
	if code, ok := parseFlagsOnly(fs, args, stderr); !ok {
		return code
	}
	e := host.Probe()
	fmt.Fprintln(stdout, versionLine(e.Version, e.Commit, e.CommitFrom, e.Modified, runtime.Version(), runtime.GOOS+"/"+runtime.GOARCH))
	return exitOK
}

// versionLine says which zbench this is: the module version, the commit and
// where it was learnt, or that the build carries no VCS stamp. "(devel)" is
// what Go reports for any build of the main module that is not a tagged
// release; alone it says nothing, so it is never printed without the rest.
func versionLine(version, commit, from string, modified bool, goVersion, platform string) string {
	v := version
	switch v {
	case "", "(devel)":
		v = "(devel: not a tagged release)"
	}
	s := "zbench " + v
	switch {
	case commit == "":
		s += ", commit unknown: this build carries no VCS stamp (built by go run, with -buildvcs=false, or outside a git checkout)"
	case from == "source":
		s += ", commit " + commit + " (asked of git in the source tree go run compiled; go run builds carry no VCS stamp)"
	default:
		s += ", commit " + commit
	}
	if commit != "" && modified {
		s += ", with uncommitted changes"
	}
	return s + ", " + goVersion + " " + platform
}
