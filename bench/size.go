package bench

import (
	"fmt"
	"strconv"
	"strings"
)

// FormatSize writes a byte count as names spell it (DESIGN.md §3): 64B,
// 4KiB, 1MiB. Sizes that are not a whole number of KiB or MiB stay in bytes.
func FormatSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + "MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + "KiB"
	}
	return strconv.FormatInt(n, 10) + "B"
}

// ParseSize reads what FormatSize writes.
func ParseSize(s string) (int64, error) {
	for _, u := range []struct {
		suffix string
		shift  uint
	}{{"MiB", 20}, {"KiB", 10}, {"B", 0}} {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			n, err := strconv.ParseInt(num, 10, 64)
			if err != nil || n < 0 || n > (1<<62)>>u.shift {
				return 0, fmt.Errorf("bad size %q", s)
			}
			return n << u.shift, nil
		}
	}
	return 0, fmt.Errorf("bad size %q: want a number with B, KiB or MiB", s)
}
