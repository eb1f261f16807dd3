package bench

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// Select returns the specs that patterns name, in registry order. No pattern
// means the default suite; "all" means everything. A pattern matches a name
// when it equals the name or one of its leading path segments ("lat/syscall"
// matches "lat/syscall/null/path=inline"), or when it is a glob (path.Match)
// matching the name or one of those prefixes. A pattern that matches nothing
// is an error, so that a typo is not a silently empty run.
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
		if _, err := path.Match(p, ""); err != nil {
			return nil, fmt.Errorf("bad pattern %q: %w", p, err)
		}
		hit := false
		for i := range specs {
			if Matches(p, specs[i].Name) {
				picked[i], hit = true, true
			}
		}
		if !hit {
			return nil, fmt.Errorf("no benchmark matches %q (see `zbench list`)", p)
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
