package bench

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
)

// Select returns the specs that patterns name, in registry order. No pattern
// means the default suite; "all" means everything. A pattern matches a name
// when it equals the name or one of its leading path segments ("lat/syscall"
// matches "lat/syscall/null/path=inline"), or when it is a glob (path.Match)
// matching the name or one of those prefixes. A pattern ending in '$'
// matches whole names only ("lat/syscall/null$" is that benchmark alone, not
// its path= variants). A pattern
// that matches nothing is an error that suggests the closest names, so that
// a typo is not a silently empty run.
func Select(specs []Spec, patterns []string) ([]Spec, error) {
	if len(patterns) == 0 {
		var def []Spec
		for _, s := range specs {
			if s.Default {
				def = append(def, s)
			}
		}
		return def, nil
	}
	picked := make([]bool, len(specs))
	for _, p := range patterns {
		if p == "all" {
			for i := range picked {
				picked[i] = true
			}
			continue
		}
		whole := false
		if q, ok := strings.CutSuffix(p, "$"); ok {
			p, whole = q, true
		}
		if _, err := path.Match(p, ""); err != nil {
			return nil, fmt.Errorf("bad pattern %q: %w", p, err)
		}
		hit := false
		for i := range specs {
			if whole && matchWhole(p, specs[i].Name) || !whole && Matches(p, specs[i].Name) {
				picked[i], hit = true, true
			}
		}
		if !hit {
			msg := fmt.Sprintf("no benchmark matches %q", p)
			if whole {
				msg = fmt.Sprintf("no benchmark is named %q", p)
			}
			if near := Suggest(specs, p); len(near) > 0 {
				msg += "; did you mean " + strings.Join(near, ", ") + "?"
			}
			return nil, errors.New(msg + " (see `zbench list`)")
		}
	}
	var out []Spec
	for i, s := range specs {
		if picked[i] {
			out = append(out, s)
		}
	}
	return out, nil
}

func matchWhole(pattern, name string) bool {
	ok, _ := path.Match(pattern, name)
	return pattern == name || ok
}

// Matches reports whether pattern selects name (see Select).
func Matches(pattern, name string) bool {
	segs := strings.Split(name, "/")
	for k := len(segs); k >= 1; k-- {
		prefix := strings.Join(segs[:k], "/")
		if prefix == pattern {
			return true
		}
		if ok, _ := path.Match(pattern, prefix); ok {
			return true
		}
	}
	return false
}

// Suggest returns up to three names (or leading parts of names, as long as
// the pattern) closest to pattern by edit distance, for a pattern that
// matched nothing; none when nothing is near.
func Suggest(specs []Spec, pattern string) []string {
	want := strings.Count(pattern, "/") + 1
	best := map[string]int{}
	for _, s := range specs {
		segs := strings.Split(s.Name, "/")
		cand := strings.Join(segs[:min(want, len(segs))], "/")
		if _, seen := best[cand]; !seen {
			best[cand] = editDistance(pattern, cand)
		}
	}
	// Near: within a quarter of the pattern's length (at least 2 edits),
	// and within one edit of the nearest.
	limit := max(2, len(pattern)/4)
	if len(best) > 0 {
		limit = min(limit, slices.Min(slices.Collect(maps.Values(best)))+1)
	}
	var near []string
	for c, d := range best {
		if d <= limit {
			near = append(near, c)
		}
	}
	slices.SortFunc(near, func(a, b string) int {
		if c := cmp.Compare(best[a], best[b]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return near[:min(3, len(near))]
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			sub := prev[j-1]
			if a[i-1] != b[j-1] {
				sub++
			}
			cur[j] = min(sub, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Named returns the specs with exactly these names, in the order given, or
// an error naming the first that is missing.
func Named(specs []Spec, names ...string) ([]Spec, error) {
	out := make([]Spec, 0, len(names))
	for _, n := range names {
		i := slices.IndexFunc(specs, func(s Spec) bool { return s.Name == n })
		if i < 0 {
			return nil, fmt.Errorf("no benchmark named %q", n)
		}
		out = append(out, specs[i])
	}
	return out, nil
}
