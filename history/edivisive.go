package history

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
)

// Detector finds change points in one series of values, in order, with
// E-Divisive means (the energy statistic of Matteson and James with
// exponent 1) and a permutation test, splitting hierarchically: the most
// divergent split of any current segment is tested against the same statistic
// on the segments shuffled in place, and accepted when its p-value is at most
// P; then the segments are searched again. See docs/design.md.
type Detector struct {
	// P is the largest p-value a change point may have (default 0.01).
	P float64
	// Permutations is the number of shuffles of the permutation test
	// (default 199, so the smallest possible p is 0.005).
	Permutations int
	// MinSegment is the fewest values on each side of a change point
	// (default 3, never less than 2: the statistic needs a pair on each side).
	MinSegment int
}

func (d Detector) withDefaults() Detector {
	if d.P <= 0 {
		d.P = 0.01
	}
	if d.Permutations <= 0 {
		d.Permutations = 199
	}
	if d.MinSegment < 2 {
		d.MinSegment = 3
	}
	return d
}

// Split is one change point in a series: Index is the position of the first
// value after the change, P its permutation p-value and Q the statistic.
type Split struct {
	Index int
	Q     float64
	P     float64
}

// Detect returns the change points of xs in increasing index order. rng drives
// the permutations; the same rng state gives the same answer.
func (d Detector) Detect(xs []float64, rng *rand.Rand) []Split {
	d = d.withDefaults()
	n := len(xs)
	if n < 2*d.MinSegment {
		return nil
	}
	w := newWork(n)
	bounds := []int{0, n}
	var found []Split
	perm := slices.Clone(xs)
	permRanks := make([]int, n)
	for {
		// Ranks within each segment, for the Fenwick trees.
		ranks := segmentRanks(xs, bounds)
		best, bestQ := -1, 0.0
		for i := 0; i+1 < len(bounds); i++ {
			a, b := bounds[i], bounds[i+1]
			tau, q := w.bestSplit(xs[a:b], ranks[a:b], d.MinSegment)
			if tau >= 0 && (best < 0 || q > bestQ) {
				best, bestQ = a+tau, q
			}
		}
		if best < 0 {
			break
		}
		// The permutation test: shuffle every segment in place, as a series
		// with no change would allow, and count maxima at least as large.
		// Stop early once the p-value can no longer reach d.P.
		copy(perm, xs)
		copy(permRanks, ranks)
		limit := int(math.Floor(d.P*float64(d.Permutations+1)+1e-9)) - 1 // most exceedances allowed
		exceed, done := 0, 0
		for done < d.Permutations && exceed <= limit {
			maxQ := math.Inf(-1)
			for i := 0; i+1 < len(bounds); i++ {
				a, b := bounds[i], bounds[i+1]
				shuffle(rng, perm[a:b], permRanks[a:b])
				if _, q := w.bestSplit(perm[a:b], permRanks[a:b], d.MinSegment); q > maxQ {
					maxQ = q
				}
			}
			if maxQ >= bestQ {
				exceed++
			}
			done++
		}
		if exceed > limit {
			break
		}
		p := float64(exceed+1) / float64(d.Permutations+1)
		found = append(found, Split{Index: best, Q: bestQ, P: p})
		bounds = append(bounds, best)
		sort.Ints(bounds)
	}
	sort.Slice(found, func(i, j int) bool { return found[i].Index < found[j].Index })
	return found
}

func shuffle(rng *rand.Rand, v []float64, r []int) {
	for i := len(v) - 1; i > 0; i-- {
		j := rng.IntN(i + 1)
		v[i], v[j] = v[j], v[i]
		r[i], r[j] = r[j], r[i]
	}
}

// segmentRanks gives each value its rank (0-based) within its segment.
func segmentRanks(xs []float64, bounds []int) []int {
	ranks := make([]int, len(xs))
	idx := make([]int, len(xs))
	for i := 0; i+1 < len(bounds); i++ {
		a, b := bounds[i], bounds[i+1]
		seg := idx[a:b]
		for k := range seg {
			seg[k] = a + k
		}
		sort.Slice(seg, func(p, q int) bool { return xs[seg[p]] < xs[seg[q]] })
		for r, k := range seg {
			ranks[k] = r
		}
	}
	return ranks
}

// work holds the buffers of bestSplit, reused across calls.
type work struct {
	cnt, sum []float64 // Fenwick trees over ranks: how many, and their total
	left     []float64 // left[t]: sum of |x_i - x_j| over pairs within x[:t]
	right    []float64 // right[t]: the same within x[t:]
}

func newWork(n int) *work {
	return &work{
		cnt: make([]float64, n+1), sum: make([]float64, n+1),
		left: make([]float64, n+1), right: make([]float64, n+1),
	}
}

// bestSplit returns the split t (min <= t <= len(x)-min) of x into x[:t] and
// x[t:] that maximises the scaled energy divergence
//
//	Q(t) = 2/m Σ|x_i - y_j| - 2·n2/(m(n1-1)) Σ_{i<k}|x_i - x_k| - 2·n1/(m(n2-1)) Σ_{j<k}|y_j - y_k|
//
// with n1 = t, n2 = m - t, m = len(x): n1·n2/m times the energy distance
// between the two sides. The within-side sums are built incrementally with
// Fenwick trees over ranks, so one call costs O(m log m). It returns -1 when x
// is too short to split.
func (w *work) bestSplit(x []float64, rank []int, min int) (int, float64) {
	m := len(x)
	if m < 2*min {
		return -1, 0
	}
	w.within(x, rank, w.left, false)
	w.within(x, rank, w.right, true)
	total := w.left[m]
	best, bestQ := -1, math.Inf(-1)
	fm := float64(m)
	for t := min; t <= m-min; t++ {
		n1, n2 := float64(t), float64(m-t)
		wl, wr := w.left[t], w.right[t]
		cross := total - wl - wr
		q := 2/fm*cross - 2*n2/(fm*(n1-1))*wl - 2*n1/(fm*(n2-1))*wr
		if q > bestQ {
			best, bestQ = t, q
		}
	}
	return best, bestQ
}

// within fills out[t] with the sum of pairwise distances within x[:t]
// (forward) or within x[t:] (reverse).
func (w *work) within(x []float64, rank []int, out []float64, reverse bool) {
	m := len(x)
	cnt, sum := w.cnt[:m+1], w.sum[:m+1]
	clear(cnt)
	clear(sum)
	var allCnt, allSum, acc float64
	add := func(k int) {
		v, r := x[k], rank[k]+1
		// Below: values of lower rank already added.
		var c, s float64
		for i := r; i > 0; i -= i & -i {
			c += cnt[i]
			s += sum[i]
		}
		acc += (c*v - s) + ((allSum - s) - (allCnt-c)*v)
		for i := r; i <= m; i += i & -i {
			cnt[i]++
			sum[i] += v
		}
		allCnt++
		allSum += v
	}
	if !reverse {
		out[0] = 0
		for k := range m {
			add(k)
			out[k+1] = acc
		}
		return
	}
	out[m] = 0
	for k := m - 1; k >= 0; k-- {
		add(k)
		out[k] = acc
	}
}
