package results

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
)

// Write stores run at path atomically: it writes a temporary file in the same
// directory, fsyncs it, renames it over path and fsyncs the directory, so a
// reader sees either the old file or the complete new one, never a torn one.
func Write(path string, run *Run) error {
	if err := check(run); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	data, err := json.MarshalIndent(run, "", "  ")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	data = append(data, '\n')
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: fsync: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	done = true
	if d, err := os.Open(dir); err == nil {
		// Make the rename itself durable; failure here loses nothing already
		// visible, so it is not reported.
		d.Sync()
		d.Close()
	}
	return nil
}

// Encode writes run as indented JSON to w (for --json).
func Encode(w io.Writer, run *Run) error {
	if err := check(run); err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(run)
}

// check refuses values JSON cannot carry, so that a bad number is caught
// where it was made rather than as an unreadable file.
func check(run *Run) error {
	for i := range run.Results {
		r := &run.Results[i]
		bad := !finite(r.Median) || !finite(r.Min)
		for _, v := range r.Samples {
			bad = bad || !finite(v)
		}
		for k, v := range r.Metrics {
			if !finite(v) {
				return fmt.Errorf("result %s: metric %s is %v", r.Name, k, v)
			}
		}
		for k, m := range r.MetricStats {
			for _, v := range m.Samples {
				if !finite(v) {
					return fmt.Errorf("result %s: a sample of metric %s is %v", r.Name, k, v)
				}
			}
		}
		if bad {
			return fmt.Errorf("result %s: a sample or summary is not a finite number", r.Name)
		}
	}
	return nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// Read loads and validates the run record at path. Errors name the file and
// say what is wrong with it: truncated, corrupt, not a run record, an unknown
// schema, or an inconsistent result.
func Read(path string) (*Run, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	run, err := Decode(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return run, nil
}

// Decode parses and validates a run record.
func Decode(data []byte) (*Run, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("empty file: not a zbench run record")
	}
	// Look at the schema before the whole structure, so that a newer record
	// is reported as such rather than as a type error in some field.
	var head struct {
		Schema *int `json:"schema"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, describe(data, err)
	}
	if head.Schema == nil {
		return nil, errors.New("no \"schema\" field: not a zbench run record")
	}
	if *head.Schema < MinSchema || *head.Schema > Schema {
		return nil, fmt.Errorf("schema %d is not supported (this zbench reads schemas %d to %d)", *head.Schema, MinSchema, Schema)
	}
	var run Run
	if err := json.Unmarshal(data, &run); err != nil {
		if where := whichResult(data); where != "" {
			return nil, fmt.Errorf("%s: %w", where, describe(data, err))
		}
		return nil, describe(data, err)
	}
	if err := validate(&run); err != nil {
		return nil, err
	}
	return &run, nil
}

// whichResult names the result that does not decode (a number out of
// float64's range such as 1e999, a string for a number), so that the error
// names the benchmark as well as the field; "" when the results decode.
func whichResult(data []byte) string {
	var raw struct {
		Results []json.RawMessage `json:"results"`
	}
	if json.Unmarshal(data, &raw) != nil {
		return ""
	}
	for i, m := range raw.Results {
		var r Result
		if json.Unmarshal(m, &r) == nil {
			continue
		}
		var n struct {
			Name string `json:"name"`
		}
		json.Unmarshal(m, &n)
		return fmt.Sprintf("result %d (%s)", i, n.Name)
	}
	return ""
}

func describe(data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn) && syn.Offset >= int64(len(bytes.TrimRight(data, " \t\r\n"))):
		return fmt.Errorf("truncated: the JSON ends early at byte %d of %d", syn.Offset, len(data))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("truncated: the JSON ends early (%d bytes)", len(data))
	case errors.As(err, &syn):
		return fmt.Errorf("corrupt JSON at byte %d: %w", syn.Offset, err)
	case errors.As(err, &typ):
		return fmt.Errorf("field %q has the wrong type (%s, want %s) at byte %d", typ.Field, typ.Value, typ.Type, typ.Offset)
	}
	return fmt.Errorf("corrupt JSON: %w", err)
}

func validate(run *Run) error {
	seen := make(map[string]bool, len(run.Results))
	for i := range run.Results {
		r := &run.Results[i]
		where := fmt.Sprintf("result %d", i)
		if r.Name == "" {
			return fmt.Errorf("%s: no name", where)
		}
		where = fmt.Sprintf("result %d (%s)", i, r.Name)
		if seen[r.Name] {
			return fmt.Errorf("%s: the name appears twice", where)
		}
		seen[r.Name] = true
		if r.Skipped != "" && r.Measured() {
			return fmt.Errorf("%s: both skipped and measured", where)
		}
		if r.Skipped != "" || (r.Error != "" && !r.Measured()) {
			continue
		}
		if !r.Measured() {
			return fmt.Errorf("%s: no samples, and neither skipped nor an error", where)
		}
		if r.Unit == "" {
			return fmt.Errorf("%s: no unit", where)
		}
		if r.Better != Lower && r.Better != Higher {
			return fmt.Errorf("%s: \"better\" is %q, want %q or %q", where, r.Better, Lower, Higher)
		}
		if len(r.Iterations) != 0 && len(r.Iterations) != len(r.Samples) {
			return fmt.Errorf("%s: %d samples but %d iteration counts", where, len(r.Samples), len(r.Iterations))
		}
		if err := agrees(r); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		for k, m := range r.MetricStats {
			if m.Better != Lower && m.Better != Higher && m.Better != "" {
				return fmt.Errorf("%s: metric %s: \"better\" is %q, want %q, %q or none", where, k, m.Better, Lower, Higher)
			}
			if len(m.Samples) == 0 {
				return fmt.Errorf("%s: metric %s has no samples", where, k)
			}
			if _, ok := r.Metrics[k]; !ok {
				return fmt.Errorf("%s: metric %s has samples but no median in \"metrics\"", where, k)
			}
			if err := metricAgrees(r, k, m); err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
		}
	}
	return nil
}

// agrees refuses a result whose samples are impossible (negative: every
// unit zbench records is a time, a rate or a cost, never below zero) or
// whose stored summary is not the summary of its samples: a record edited by
// hand, or by a tool that changed the samples and not the median, would
// otherwise be compared on numbers its own samples contradict.
func agrees(r *Result) error {
	for i, v := range r.Samples {
		if v < 0 {
			return fmt.Errorf("sample %d is %v: a %s is never negative", i+1, v, r.Unit)
		}
	}
	sum := Summarize(r.Samples)
	if err := same("median", r.Median, sum.Median); err != nil {
		return err
	}
	if err := same("min", r.Min, sum.Min); err != nil {
		return err
	}
	if err := same("max", r.Max, sum.Max); err != nil {
		return err
	}
	return sameInterval("", len(r.Samples), r.CILow, r.CIHigh, sum)
}

// metricAgrees is agrees for one metric: its median in Metrics and its
// interval in MetricStats against its samples.
func metricAgrees(r *Result, k string, m Metric) error {
	for i, v := range m.Samples {
		if v < 0 && m.Better != "" {
			return fmt.Errorf("metric %s: sample %d is %v: a %s is never negative", k, i+1, v, k)
		}
	}
	sum := Summarize(m.Samples)
	if err := same("metric "+k+": median", r.Metrics[k], sum.Median); err != nil {
		return err
	}
	return sameInterval("metric "+k+": ", len(m.Samples), m.CILow, m.CIHigh, sum)
}

func sameInterval(what string, n int, lo, hi *float64, sum Summary) error {
	switch {
	case (lo == nil) != (sum.Lo == nil) || (hi == nil) != (sum.Hi == nil):
		if sum.Lo == nil {
			return fmt.Errorf("%sa confidence interval is stored, but %d samples are too few for one", what, n)
		}
		return fmt.Errorf("%sthe confidence interval is missing, but the samples give [%v, %v]", what, *sum.Lo, *sum.Hi)
	case lo == nil:
		return nil
	}
	if err := same(what+"ci_low", *lo, *sum.Lo); err != nil {
		return err
	}
	return same(what+"ci_high", *hi, *sum.Hi)
}

// same refuses a stored summary value that is not the one computed from the
// samples. zbench writes the shortest decimal that reads back exactly, so
// the two agree to the last bit; the tolerance is for other writers'
// last-digit rounding, not for a changed value.
func same(what string, stored, computed float64) error {
	if math.Abs(stored-computed) <= 1e-9*max(math.Abs(stored), math.Abs(computed)) {
		return nil
	}
	return fmt.Errorf("the stored %s %v is not what the samples give (%v): the record was changed after it was written", what, stored, computed)
}
