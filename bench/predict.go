package bench

import (
	"math"
	"time"
)

// maxN bounds the iteration count (as the testing package does).
const maxN = 1_000_000_000

// predictN returns the next iteration count when a run of prevN operations
// took prevD and the goal is goal. It is the testing package's rule: aim 20 %
// past the goal, grow at most ×100 per round (a first run may be dominated by
// a cold cache or a page fault), always by at least one, never beyond maxN.
func predictN(goal time.Duration, prevN int, prevD time.Duration) int {
	if prevD <= 0 {
		prevD = 1
	}
	n := float64(goal) * float64(prevN) / float64(prevD)
	n *= 1.2
	n = math.Min(n, 100*float64(prevN))
	n = math.Max(n, float64(prevN)+1)
	n = math.Min(n, maxN)
	return int(n)
}
