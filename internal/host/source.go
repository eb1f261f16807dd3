package host

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// sourceCommit asks git for the commit of the source tree this binary was
// compiled from, found through this file's compile-time path. It serves
// binaries without a VCS stamp: `go run` compiles the tree moments before it
// runs, so the answer is the code that runs, and a dirty tree is reported as
// modified. ok is false when the tree is not here or git cannot tell.
func sourceCommit() (commit string, modified, ok bool) {
	// Only a binary that go run just built is the tree as it is now; a
	// binary built earlier may predate the tree's current commit, and then
	// no commit is better than a wrong one.
	if exe, err := os.Executable(); err != nil || !isGoRunBuild(exe) {
		return "", false, false
	}
	_, file, _, found := runtime.Caller(0)
	if !found {
		return "", false, false
	}
	dir := filepath.Dir(file)
	if _, err := os.Stat(dir); err != nil {
		return "", false, false
	}
	git := func(args ...string) ([]byte, error) {
		cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
		cmd.WaitDelay = time.Second
		return cmd.Output()
	}
	out, err := git("rev-parse", "HEAD")
	if err != nil {
		return "", false, false
	}
	st, err := git("status", "--porcelain", "--untracked-files=no")
	if err != nil {
		return "", false, false
	}
	return string(bytes.TrimSpace(out)), len(bytes.TrimSpace(st)) > 0, true
}

// isGoRunBuild recognises go run's binaries: a fresh one lives in a
// go-build directory of the temporary space, ".../go-buildNNN/.../exe/", and
// one go run reuses lives in the build cache, ".../go-build/XX/HASH-d/" (the
// cache is keyed by what was compiled, and go run reuses an executable only
// where the sources still compile to it).
func isGoRunBuild(exe string) bool {
	sep := string(filepath.Separator)
	fresh := strings.Contains(exe, sep+"go-build") && strings.Contains(exe, sep+"exe"+sep)
	cached := strings.Contains(exe, sep+"go-build"+sep) && strings.HasSuffix(filepath.Dir(exe), "-d")
	return fresh || cached
}
