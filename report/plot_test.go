package report

import (
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"zbench/results"
)

// Every chart type renders from the synthetic families run; file names
// carry the group, and the run label where several runs are given.
func TestPlotEveryChart(t *testing.T) {
	dir := t.TempDir()
	p, err := Plot(load(t, "families.json"), dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"throughput-zerocopy-send-transport-loopback.png",
		"throughput-bw.png",
		"throughput-bw-mem.png",
		"cpu-zerocopy-send-transport-loopback.png",
		"cpu-bw.png",
		"ctxsw-ring-cpu-same-kind-process.png",
		"ctxsw-ring-cpu-same-kind-thread.png",
		"latency-size-1b-cpu-same.png",
		"latency-size-1b-cpu-spread.png",
		"headline-syscalls.png",
	}
	var got []string
	for _, f := range p.Files {
		got = append(got, filepath.Base(f))
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(fh)
		fh.Close()
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if b := img.Bounds(); b.Dx() < 800 || b.Dy() < 400 {
			t.Errorf("%s: %dx%d, too small to read", f, b.Dx(), b.Dy())
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("files\n got %q\nwant %q", got, want)
	}
	if len(p.Skipped) != 0 {
		t.Errorf("skipped %q; the families run has data for every chart", p.Skipped)
	}
}

// Charts whose data are absent are not drawn, and say why.
func TestPlotSkipsAbsentFamilies(t *testing.T) {
	dir := t.TempDir()
	p, err := Plot(load(t, "vm-run1.json", "vm-run2.json"), dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Files) != 1 || filepath.Base(p.Files[0]) != "headline-syscalls.png" {
		t.Errorf("files %q; want only the headline bars", p.Files)
	}
	if len(p.Skipped) != 4 {
		t.Errorf("skipped %q; want the four family charts, each with its reason", p.Skipped)
	}
	for _, s := range p.Skipped {
		if !strings.Contains(s, "no such results") {
			t.Errorf("skip without a reason: %q", s)
		}
	}
	empty := Input{Label: "empty", Run: &results.Run{Results: []results.Result{{Name: "lat/syscall/int80", Skipped: "no"}}}}
	p, err = Plot([]Input{empty}, dir+"/empty")
	if err != nil || len(p.Files) != 0 || len(p.Skipped) != 5 {
		t.Errorf("a run with nothing to draw: files %q skipped %d, err %v", p.Files, len(p.Skipped), err)
	}
}
