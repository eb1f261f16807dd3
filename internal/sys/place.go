package sys

import (
	"fmt"

	"zbench/name"
)

// Place resolves a placement to CPUs for the n ends of a benchmark (end 0
// is the measuring thread, pinned to self by the harness where the
// placement pins), given the CPUs the benchmark may use:
//
//   - name.Same: every end on self;
//   - name.Spread: end i on the i-th allowed CPU counting from self,
//     wrapping round, so that with n a multiple of the CPU count every hand-off
//     from end i to end i+1 crosses CPUs;
//   - name.Free: -1 for every end: not pinned.
//
// Spread on fewer than two CPUs is an error wrapping ErrNotSupported (the
// benchmark is skipped, with the reason). Every family places its ends
// here, and the harness pins the measuring thread to the same self.
func Place(p name.Placement, n, self int, allowed []int) ([]int, error) {
	at := make([]int, n)
	switch p {
	case name.Free:
		for i := range at {
			at[i] = -1
		}
		return at, nil
	case name.Same:
		if self < 0 {
			return nil, fmt.Errorf("cpu=%s needs a pinned measuring thread", p)
		}
		for i := range at {
			at[i] = self
		}
		return at, nil
	case name.Spread:
		if len(allowed) < 2 {
			return nil, fmt.Errorf("%w: only %d CPU allowed: spread placement needs 2 or more", ErrNotSupported, len(allowed))
		}
		k := -1
		for i, c := range allowed {
			if c == self {
				k = i
			}
		}
		if k < 0 {
			return nil, fmt.Errorf("the measuring thread's CPU %d is not among the allowed CPUs %v", self, allowed)
		}
		for i := range at {
			at[i] = allowed[(k+i)%len(allowed)]
		}
		return at, nil
	}
	return nil, fmt.Errorf("unknown placement %q", p)
}

// NeedTwoCPUs is the prerequisite of spread placement: nil where this
// thread may use two CPUs or more, else an error wrapping ErrNotSupported.
func NeedTwoCPUs() error {
	cpus, err := AllowedCPUs()
	if err != nil {
		return err
	}
	if len(cpus) < 2 {
		return fmt.Errorf("%w: only %d CPU allowed: spread placement needs 2 or more", ErrNotSupported, len(cpus))
	}
	return nil
}
