// Package realparts is for tests that start a real part themselves (a
// PostgreSQL server, a browser): one rule for when the part is absent.
// docs/design.md, "Tests".
package realparts

import (
	"os"
	"testing"
)

// RequireEnv, when set (CI sets it after installing every part), turns a
// missing part from a skip into a failure: a skipped test passes in silence.
const RequireEnv = "ZBENCH_REQUIRE_REAL_PARTS"

// Absent ends a test whose real part is not installed: a skip with the
// reason, or a failure where RequireEnv is set.
func Absent(t testing.TB, why string) {
	t.Helper()
	if os.Getenv(RequireEnv) != "" {
		t.Fatalf("%s (and %s is set: every real part must be installed)", why, RequireEnv)
	}
	t.Skip(why)
}
