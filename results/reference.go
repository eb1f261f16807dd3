package results

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// ReferenceVersion is the zbench "version" of an embedded reference record:
// figures quoted from published sources, never measured by zbench. It is the
// marker by which reports tell a reference from a run.
const ReferenceVersion = "reference"

//go:embed ref/*.json
var refFS embed.FS

// IsReference reports whether run is a reference record (quoted figures)
// rather than a zbench measurement.
func IsReference(run *Run) bool { return run.Zbench.Version == ReferenceVersion }

// References lists the names of the embedded reference records, sorted.
func References() []string {
	files, _ := fs.Glob(refFS, "ref/*.json")
	names := make([]string, 0, len(files))
	for _, f := range files {
		names = append(names, strings.TrimSuffix(path.Base(f), ".json"))
	}
	slices.Sort(names)
	return names
}

// Reference returns the embedded reference record called name. Each value in
// it is one quoted figure (a single sample, so no confidence interval), and
// its doc says where the figure comes from.
func Reference(name string) (*Run, error) {
	data, err := refFS.ReadFile("ref/" + name + ".json")
	if err != nil {
		return nil, fmt.Errorf("no reference %q (have: %s)", name, strings.Join(References(), ", "))
	}
	run, err := Decode(data)
	if err != nil {
		return nil, fmt.Errorf("reference %s: %w", name, err)
	}
	if !IsReference(run) {
		return nil, fmt.Errorf("reference %s: not marked as a reference record", name)
	}
	return run, nil
}
