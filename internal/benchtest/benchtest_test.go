package benchtest

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"zbench/bench"
)

func TestMain(m *testing.M) { Main(m, specs) }

var sink int

func specs() []bench.Spec {
	return []bench.Spec{
		{Name: "t/ok", Run: func(b *bench.B) error {
			for b.Loop() {
				sink++
			}
			return nil
		}},
		{Name: "t/fails", Run: func(b *bench.B) error { return errors.New("busy machine") }},
		{Name: "t/skip", Run: func(b *bench.B) error {
			return fmt.Errorf("%w: no widget", bench.ErrNotSupported)
		}},
	}
}

// fakeT records what a test would have reported, so that the guard's
// verdicts can be checked without failing this test.
type fakeT struct {
	testing.TB
	errs     []string
	cleanups []func()
	skipped  bool
}

func (f *fakeT) Helper()           {}
func (f *fakeT) Error(args ...any) { f.errs = append(f.errs, fmt.Sprint(args...)) }
func (f *fakeT) Failed() bool      { return len(f.errs) > 0 }
func (f *fakeT) Skipped() bool     { return f.skipped }
func (f *fakeT) Cleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }
func (f *fakeT) Fatal(args ...any) { f.errs = append(f.errs, fmt.Sprint(args...)); panic(f) }
func (f *fakeT) Skip(args ...any)  { f.skipped = true; panic(f) }
func (f *fakeT) end() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
}

// run calls body as a test would run it, and ends it (cleanups) however
// body stops.
func run(body func(t testing.TB)) *fakeT {
	f := &fakeT{TB: &testing.T{}}
	func() {
		defer func() {
			if p := recover(); p != nil && p != f {
				panic(p)
			}
		}()
		body(f)
	}()
	f.end()
	return f
}

func TestRunMeasures(t *testing.T) {
	res := Run(t, specs(), Options{Count: 3}, "t/ok")
	if len(res) != 1 || len(res[0].Samples) != 3 || res[0].Error != "" {
		t.Fatalf("%+v: want 3 samples of t/ok", res)
	}
}

func TestGuard(t *testing.T) {
	// A test whose benchmarks all failed, and that asserted nothing.
	f := run(func(t testing.TB) { Run(t, specs(), Options{}, "t/fails") })
	if len(f.errs) != 1 || !strings.Contains(f.errs[0], "measured nothing") || !strings.Contains(f.errs[0], "busy machine") {
		t.Errorf("a test that measured nothing: errors %q; want the guard's, with the reason", f.errs)
	}
	// One measured benchmark is enough.
	f = run(func(t testing.TB) { Run(t, specs(), Options{}, "t/fails", "t/ok") })
	if len(f.errs) != 0 {
		t.Errorf("a test that measured something: errors %q", f.errs)
	}
	// A test that expects failures says so.
	f = run(func(t testing.TB) {
		NoSamplesExpected(t)
		Run(t, specs(), Options{}, "t/fails")
	})
	if len(f.errs) != 0 {
		t.Errorf("NoSamplesExpected: errors %q", f.errs)
	}
	// Everything skipped: the test is skipped, visibly, not passed.
	f = run(func(t testing.TB) { Run(t, specs(), Options{}, "t/skip") })
	if !f.skipped || len(f.errs) != 0 {
		t.Errorf("all skipped: skipped %v, errors %q; want a skip", f.skipped, f.errs)
	}
	// A name that is not there fails at once.
	f = run(func(t testing.TB) { Run(t, specs(), Options{}, "t/nope") })
	if len(f.errs) != 1 || !strings.Contains(f.errs[0], "t/nope") {
		t.Errorf("unknown name: errors %q", f.errs)
	}
}
