package sys

import "testing"

// RDPID and RDTSCP read the same register: on every allowed CPU, pinned
// there, both give that CPU (where the processor has the instruction).
func TestRDPID(t *testing.T) {
	if !hasRDPID || !hasRDTSCP {
		t.Skipf("processor lacks RDPID (%v) or RDTSCP (%v)", hasRDPID, hasRDTSCP)
	}
	cpus, err := AllowedCPUs()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cpus {
		err := OnPrivateThread(c, func() error {
			if p, a := rdpid()&0xfff, tscAux()&0xfff; int(p) != c || int(a) != c {
				t.Errorf("pinned to CPU %d: RDPID %d, RDTSCP %d", c, p, a)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
