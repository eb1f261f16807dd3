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
		return nil, describe(data, err)
	}
	if err := validate(&run); err != nil {
		return nil, err
	}
	return &run, nil
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
		}
	}
	return nil
}
