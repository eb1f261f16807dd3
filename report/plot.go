package report

import (
	"fmt"
	"os"
	"path/filepath"
)

// Plotted is what Plot did: the files it wrote, and for each chart it did
// not draw, why.
type Plotted struct {
	Files   []string
	Skipped []SkippedChart
}

// Plot draws every chart the runs hold data for (see Charts and the chart
// kinds, chart_*.go) as PNG files in dir. Several runs share each chart,
// one colour per run. A chart that could not be drawn is in Skipped with
// its reason. Reading is pure: nothing here measures.
func Plot(ins []Input, dir string) (*Plotted, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	charts, skipped := Charts(ins)
	out := &Plotted{Skipped: skipped}
	for _, c := range charts {
		path := filepath.Join(dir, c.File+".png")
		b, err := c.PNG()
		if err != nil {
			out.Skipped = append(out.Skipped, SkippedChart{Kind: c.Kind, Reason: fmt.Sprintf("%s: %v", c.File, err)})
			continue
		}
		if err := writeFileAtomic(path, b); err != nil {
			return out, fmt.Errorf("plot %s: %w", path, err)
		}
		out.Files = append(out.Files, path)
	}
	return out, nil
}

// writeFileAtomic writes data to path through a temporary file in the same
// directory and a rename, so that a reader never sees half a file and a
// failure leaves nothing behind.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
