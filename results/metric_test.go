package results

import (
	"reflect"
	"testing"
)

func TestMetricBetter(t *testing.T) {
	for name, want := range map[string]string{
		"ns/op": Lower, "ns": Lower, "ns/enter": Lower, "p50-ns": Lower, "p99.9-ns": Lower, "hop-ns": Lower,
		"overhead-ns": Lower, "sender-cpu-ns/B": Lower, "receiver-cpu-ns/response": Lower, "cpu-ns/B": Lower,
		"retransmits": Lower,
		"B/s":         Higher, "op/s": Higher, "responses/s": Higher,
		"copied-fraction": "", "cross-cpu": "", "segments/response": "", "answers/op": "", "verify": "",
		// "ns" must be the unit, not a part of a word.
		"dns-lookups": "", "nsfoo": "",
	} {
		if got := MetricBetter(name); got != want {
			t.Errorf("MetricBetter(%q) = %q, want %q", name, got, want)
		}
	}
}

// A metric gets exactly the headline's summary of the same samples.
func TestSetMetric(t *testing.T) {
	vs := []float64{5, 1, 4, 2, 3, 9, 7, 8, 6, 10}
	head := Result{Name: "x", Unit: "ns/op", Better: Lower, Samples: vs}
	head.Summarize()
	var r Result
	r.Name = "x"
	r.Samples = []float64{1}
	r.SetMetric("p99-ns", vs)
	m := r.MetricStats["p99-ns"]
	if r.Metrics["p99-ns"] != head.Median || m.Better != Lower || !reflect.DeepEqual(m.CILow, head.CILow) ||
		!reflect.DeepEqual(m.CIHigh, head.CIHigh) || m.Confidence != head.Confidence {
		t.Errorf("metric %+v median %v; want the headline's summary %v [%v, %v] at %v",
			m, r.Metrics["p99-ns"], head.Median, *head.CILow, *head.CIHigh, head.Confidence)
	}
	if !reflect.DeepEqual(m.Samples, vs) {
		t.Errorf("samples %v: want them kept in sample order %v", m.Samples, vs)
	}
	vs[0] = 99
	if m.Samples[0] == 99 {
		t.Errorf("SetMetric kept the caller's slice")
	}
	x, ok := r.MetricResult("p99-ns")
	if !ok || x.Name != "x" || x.Unit != "p99-ns" || x.Better != Lower || x.Median != head.Median || x.Min != 1 || x.Max != 10 {
		t.Errorf("MetricResult = %+v, %v", x, ok)
	}
	if _, ok := r.MetricResult("nope"); ok {
		t.Errorf("MetricResult of an absent metric")
	}
	r.SetMetric("copied-fraction", []float64{1, 1, 0.98})
	if got := r.MetricNames(); !reflect.DeepEqual(got, []string{"copied-fraction", "p99-ns"}) {
		t.Errorf("MetricNames = %v", got)
	}
	if r.MetricStats["copied-fraction"].Better != "" || r.MetricStats["copied-fraction"].CILow != nil {
		t.Errorf("a fraction of 3 samples: %+v; want no direction and no finite interval", r.MetricStats["copied-fraction"])
	}
}
