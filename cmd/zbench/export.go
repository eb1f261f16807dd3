package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"zbench/report"
)

// The two files of --format gab, one per github-action-benchmark tool.
const (
	gabSmaller = "gab-smaller-is-better.json" // tool: customSmallerIsBetter
	gabBigger  = "gab-bigger-is-better.json"  // tool: customBiggerIsBetter
)

func cmdExport(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("export", "export --format "+strings.Join(report.ExportFormats, "|")+" [--out PATH] RUN", stderr)
	format := fs.String("format", "", "output format: "+strings.Join(report.ExportFormats, ", ")+" (required)")
	out := fs.String("out", "", "file to write (default: stdout); for gab, the directory that receives "+gabSmaller+" and "+gabBigger)
	pos, code, ok := parseArgs(fs, args)
	if !ok {
		return code
	}
	switch {
	case !slices.Contains(report.ExportFormats, *format):
		fmt.Fprintf(stderr, "zbench export: --format %q: want one of %s\n", *format, strings.Join(report.ExportFormats, ", "))
		return exitUsage
	case len(pos) != 1:
		fmt.Fprintf(stderr, "zbench export: want one run record, got %d\n", len(pos))
		fs.Usage()
		return exitUsage
	case *format == "gab" && *out == "":
		fmt.Fprintf(stderr, "zbench export: --format gab writes two files (%s, %s): give --out DIR\n", gabSmaller, gabBigger)
		return exitUsage
	}
	in, err := loadOne(pos[0])
	if err != nil {
		fmt.Fprintf(stderr, "zbench export: %v\n", err)
		return exitUsage
	}
	if *format == "gab" {
		return exportGAB(in, *out, stdout, stderr)
	}
	var buf bytes.Buffer
	if err := report.Export(&buf, *format, in); err != nil {
		fmt.Fprintf(stderr, "zbench export: %v\n", err)
		return exitFailed
	}
	if *out == "" {
		_, err = stdout.Write(buf.Bytes())
	} else {
		err = writeAtomic(*out, buf.Bytes())
	}
	if err != nil {
		fmt.Fprintf(stderr, "zbench export: %v\n", err)
		return exitFailed
	}
	return exitOK
}

// exportGAB writes one file per direction into dir, each only when it has
// entries (github-action-benchmark rejects an empty file), and prints the
// paths it wrote.
func exportGAB(in report.Input, dir string, stdout, stderr io.Writer) int {
	smaller, bigger := report.GAB(in.Run)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintf(stderr, "zbench export: %v\n", err)
		return exitFailed
	}
	wrote := 0
	for _, f := range []struct {
		name    string
		entries []report.GABEntry
	}{{gabSmaller, smaller}, {gabBigger, bigger}} {
		path := filepath.Join(dir, f.name)
		if len(f.entries) == 0 {
			// A stale file from an earlier export would be read as this run's.
			os.Remove(path)
			continue
		}
		data, err := json.MarshalIndent(f.entries, "", "  ")
		if err == nil {
			err = writeAtomic(path, append(data, '\n'))
		}
		if err != nil {
			fmt.Fprintf(stderr, "zbench export: %v\n", err)
			return exitFailed
		}
		fmt.Fprintln(stdout, path)
		wrote++
	}
	if wrote == 0 {
		fmt.Fprintf(stderr, "zbench export: %s has no measured benchmark to export\n", in.Path)
		return exitFailed
	}
	return exitOK
}

// writeAtomic writes data to path through a temporary file in the same
// directory, synced, and a rename, so that a reader (node_exporter's textfile
// collector, a CI step) sees the old file or the new one, never half of one,
// even after a crash; on failure nothing is left behind and the old file
// stays.
func writeAtomic(path string, data []byte) error {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("%s is a directory", path)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename, there is nothing left to remove
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync() // the rename itself durable; nothing visible is lost if this fails
		d.Close()
	}
	return nil
}
