package sys

import (
	"errors"
	"slices"
	"testing"

	"zbench/name"
)

func TestPlace(t *testing.T) {
	for _, tc := range []struct {
		p       name.Placement
		n, self int
		allowed []int
		want    []int
	}{
		{name.Same, 3, 2, []int{0, 1, 2, 3}, []int{2, 2, 2}},
		{name.Free, 2, 1, []int{0, 1}, []int{-1, -1}},
		{name.Spread, 2, 1, []int{0, 1}, []int{1, 0}},
		{name.Spread, 4, 2, []int{0, 2, 5}, []int{2, 5, 0, 2}},
		{name.Spread, 4, 0, []int{0, 1}, []int{0, 1, 0, 1}},
	} {
		got, err := Place(tc.p, tc.n, tc.self, tc.allowed)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("Place(%s, %d, %d, %v) = %v, %v; want %v", tc.p, tc.n, tc.self, tc.allowed, got, err, tc.want)
		}
	}
	if _, err := Place(name.Spread, 2, 0, []int{0}); !errors.Is(err, ErrNotSupported) {
		t.Errorf("spread on one CPU: %v, want ErrNotSupported", err)
	}
	if _, err := Place(name.Spread, 2, 5, []int{0, 1}); err == nil {
		t.Error("spread from a CPU outside the allowed set: no error")
	}
	if _, err := Place(name.Same, 2, -1, []int{0, 1}); err == nil {
		t.Error("same without a pinned measuring thread: no error")
	}
	if _, err := Place("both", 2, 0, []int{0, 1}); err == nil {
		t.Error("unknown placement: no error")
	}
}
