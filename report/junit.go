package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"zbench/name"
	"zbench/results"
)

// JUnit writes a run as a JUnit XML report, the test-report format CI
// systems (GitLab, Jenkins, GitHub's test reporters) display: one test case
// per benchmark, in a suite per family; a skipped benchmark is a skipped
// case with its reason, a failed one an error with what failed, a measured
// one a passing case whose output is its median, interval and metrics. It
// says whether every benchmark ran; gating on speed is `zbench check`'s.
func JUnit(w io.Writer, run *results.Run) error {
	type failure struct {
		Message string `xml:"message,attr"`
		Text    string `xml:",chardata"`
	}
	type testcase struct {
		Name      string   `xml:"name,attr"`
		Classname string   `xml:"classname,attr"`
		Time      string   `xml:"time,attr"`
		Skipped   *failure `xml:"skipped"`
		Error     *failure `xml:"error"`
		Out       string   `xml:"system-out,omitempty"`
	}
	type testsuite struct {
		Name      string     `xml:"name,attr"`
		Tests     int        `xml:"tests,attr"`
		Errors    int        `xml:"errors,attr"`
		Skipped   int        `xml:"skipped,attr"`
		Timestamp string     `xml:"timestamp,attr"`
		Hostname  string     `xml:"hostname,attr"`
		Cases     []testcase `xml:"testcase"`
	}
	suites := map[string]*testsuite{}
	var order []string
	for i := range run.Results {
		r := &run.Results[i]
		fam := name.Parse(r.Name).Family()
		s := suites[fam]
		if s == nil {
			s = &testsuite{Name: "zbench." + fam, Timestamp: run.Started.UTC().Format("2006-01-02T15:04:05"), Hostname: run.Host.Hostname}
			suites[fam] = s
			order = append(order, fam)
		}
		c := testcase{Name: r.Name, Classname: "zbench." + fam, Time: strconv.FormatFloat(sampleSeconds(r), 'f', 3, 64)}
		switch resultState(r) {
		case "skipped":
			c.Skipped = &failure{Message: r.Skipped}
			s.Skipped++
		case "error":
			c.Error = &failure{Message: r.Error, Text: fmt.Sprintf("%d samples taken before it failed", len(r.Samples))}
			s.Errors++
		default:
			c.Out = junitSummary(r)
		}
		s.Tests++
		s.Cases = append(s.Cases, c)
	}
	slices.SortStableFunc(order, func(a, b string) int { return name.FamilyRank(a) - name.FamilyRank(b) })
	out := struct {
		XMLName xml.Name     `xml:"testsuites"`
		Name    string       `xml:"name,attr"`
		Suites  []*testsuite `xml:"testsuite"`
	}{Name: strings.TrimSpace("zbench " + strings.Join(run.Settings.Args, " "))}
	for _, f := range order {
		out.Suites = append(out.Suites, suites[f])
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// sampleSeconds is the time a benchmark's samples were calibrated to take,
// in all: what its test case "took", workers' start-up aside.
func sampleSeconds(r *results.Result) float64 {
	return float64(r.SampleTargetNs) * float64(len(r.Samples)) / 1e9
}

// junitSummary is a measured result in a line per figure: the median with
// its interval, the best sample, each metric's median.
func junitSummary(r *results.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "median %s %s", strconv.FormatFloat(r.Median, 'g', 6, 64), r.Unit)
	if p, ok := r.HalfCIPercent(); ok {
		fmt.Fprintf(&b, " ±%.1f%% (95%% CI, %d samples)", p, len(r.Samples))
	} else {
		fmt.Fprintf(&b, " (%d samples: too few for a 95%% CI)", len(r.Samples))
	}
	best := r.Min
	if r.Better == results.Higher {
		best = r.Max
	}
	fmt.Fprintf(&b, "\nbest %s %s", strconv.FormatFloat(best, 'g', 6, 64), r.Unit)
	keys := make([]string, 0, len(r.Metrics))
	for k := range r.Metrics {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "\n%s %s", k, strconv.FormatFloat(r.Metrics[k], 'g', 6, 64))
	}
	for _, w := range r.Warnings {
		fmt.Fprintf(&b, "\nwarning: %s", w)
	}
	return b.String()
}
