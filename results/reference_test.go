package results

import (
	"strings"
	"testing"
)

// Every embedded reference is a valid record, marked as a reference, and
// each value is one quoted figure with its provenance: no invented spread.
func TestReferences(t *testing.T) {
	names := References()
	if len(names) == 0 {
		t.Fatal("no embedded references")
	}
	for _, name := range names {
		run, err := Reference(name)
		if err != nil {
			t.Fatal(err)
		}
		if !IsReference(run) || run.Settings.Args[0] != "reference" {
			t.Errorf("%s: not marked as a reference", name)
		}
		for _, r := range run.Results {
			if len(r.Samples) != 1 || r.CILow != nil || r.CIHigh != nil || r.Min != r.Median || r.Max != r.Median {
				t.Errorf("%s %s: a quoted figure is one sample without an interval", name, r.Name)
			}
			if !strings.Contains(r.Doc, "not a zbench measurement") {
				t.Errorf("%s %s: the doc must say where the figure comes from and that zbench did not measure it", name, r.Name)
			}
			if b, ok := Better(r.Unit); !ok || b != r.Better {
				t.Errorf("%s %s: unit %s, better %s", name, r.Name, r.Unit, r.Better)
			}
		}
	}
	if _, err := Reference("nope"); err == nil || !strings.Contains(err.Error(), names[0]) {
		t.Errorf("unknown reference: %v, want an error listing the known ones", err)
	}
}
