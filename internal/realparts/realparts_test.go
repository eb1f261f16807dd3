package realparts

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Absent skips without RequireEnv and fails with it; checked in a child
// test process, since a failure here must not fail this test.
func TestAbsent(t *testing.T) {
	if os.Getenv("REALPARTS_CHILD") != "" {
		Absent(t, "the part is not here")
		return
	}
	for _, tc := range []struct {
		require bool
		want    string
	}{{false, "--- SKIP"}, {true, "--- FAIL"}} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestAbsent$", "-test.v")
		cmd.Env = append(os.Environ(), "REALPARTS_CHILD=1", RequireEnv+"=")
		if tc.require {
			cmd.Env = append(cmd.Env, RequireEnv+"=1")
		}
		out, _ := cmd.CombinedOutput()
		if !strings.Contains(string(out), tc.want) || !strings.Contains(string(out), "the part is not here") {
			t.Errorf("require=%v: want %q with the reason, got:\n%s", tc.require, tc.want, out)
		}
	}
}
