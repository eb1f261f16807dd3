package report

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"zbench/results"
)

// Input is one run record handed to a report, with where it came from and
// the label its column or series carries.
type Input struct {
	Path  string // the file it was read from; "" for an embedded reference
	Ref   string // the reference's name, for an embedded reference
	Label string
	Run   *results.Run
}

// Load reads run records. A path that names a directory stands for every
// *.json file directly in it, in name order. Errors name the file and say
// what is wrong with it; the inputs come back labelled (see Label).
func Load(paths []string) ([]Input, error) {
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		matches, err := filepath.Glob(filepath.Join(p, "*.json"))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		if len(matches) == 0 {
			return nil, fmt.Errorf("%s: a directory with no *.json run records", p)
		}
		files = append(files, matches...) // Glob sorts
	}
	ins := make([]Input, 0, len(files))
	for _, f := range files {
		run, err := results.Read(f)
		if err != nil {
			return nil, err
		}
		ins = append(ins, Input{Path: f, Run: run})
	}
	Label(ins)
	return ins, nil
}

// LoadReference returns the embedded reference record called name as an
// input labelled "ref:NAME".
func LoadReference(name string) (Input, error) {
	run, err := results.Reference(name)
	if err != nil {
		return Input{}, err
	}
	return Input{Ref: name, Label: "ref:" + name, Run: run}, nil
}

// Label names each input that has no label yet: by its host, or, where
// hosts repeat, by its file name without .json, or where those repeat too,
// by the path as given.
func Label(ins []Input) {
	count := func(f func(Input) string) map[string]int {
		m := map[string]int{}
		for _, in := range ins {
			m[f(in)]++
		}
		return m
	}
	host := func(in Input) string { return in.Run.Host.Hostname }
	base := func(in Input) string { return strings.TrimSuffix(filepath.Base(in.Path), ".json") }
	hosts, bases := count(host), count(base)
	for i := range ins {
		in := &ins[i]
		switch {
		case in.Label != "":
		case host(*in) != "" && hosts[host(*in)] == 1:
			in.Label = host(*in)
		case in.Path != "" && bases[base(*in)] == 1:
			in.Label = base(*in)
		default:
			in.Label = in.Path
		}
	}
}

// describe is a one-line account of where a run came from, for headers.
func describe(in Input) string {
	r := in.Run
	if results.IsReference(r) {
		return fmt.Sprintf("%s: embedded reference %q, %s, %d: quoted figures, not a zbench measurement",
			in.Label, in.Ref, r.Host.CPUModel, r.Started.Year())
	}
	h := r.Host
	s := fmt.Sprintf("%s: %s  %s  %s, %d CPUs  %s  zbench %s", in.Label, h.Hostname, h.Kernel, h.CPUModel,
		h.CPUsOnline, r.Started.UTC().Format("2006-01-02 15:04 UTC"), version(r))
	if in.Path != "" {
		s += "  (" + in.Path + ")"
	}
	if r.Interrupted {
		s += "  [interrupted run]"
	}
	return s
}

// version is the zbench build that made a record: the version, and the
// commit's first 12 hex digits when known.
func version(r *results.Run) string {
	v := r.Zbench.Version
	if c := r.Zbench.Commit; c != "" {
		v += " " + c[:min(12, len(c))]
		if r.Zbench.Modified {
			v += "+dirty"
		}
	}
	return v
}
