package report

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The page is self-contained and holds every part the report promises.
func TestHTMLContent(t *testing.T) {
	ins := load(t, "box-a.json", "box-b.json")
	var buf bytes.Buffer
	if err := HTML(&buf, ins); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	// Nothing to fetch: no external script, style, image or font; the only
	// URLs are the SVG namespaces, which are names, not fetches.
	for _, bad := range []string{"<script src", "<link", "@import", "url("} {
		if strings.Contains(page, bad) {
			t.Errorf("the page holds %q", bad)
		}
	}
	for _, u := range regexp.MustCompile(`https?://[^"' )]+`).FindAllString(page, -1) {
		if u != "http://www.w3.org/2000/svg" && u != "http://www.w3.org/1999/xlink" {
			t.Errorf("the page refers to %s", u)
		}
	}
	if !strings.Contains(page, "Content-Security-Policy") || !strings.Contains(page, "default-src 'none'") {
		t.Error("the page does not forbid fetches itself")
	}
	for _, id := range []string{`id="summary"`, `id="results"`, `id="charts"`, `id="history"`, `id="environment"`, `data-pending="history store"`} {
		if !strings.Contains(page, id) {
			t.Errorf("no %s", id)
		}
	}
	for _, in := range ins {
		for _, r := range in.Run.Results {
			if !strings.Contains(page, `data-name="`+r.Name+`"`) {
				t.Errorf("%s: not in the page", r.Name)
			}
		}
	}
	// box-b is significantly better than box-a somewhere: a cell is marked,
	// and its row says by how much.
	if !strings.Contains(page, `best"`) || !strings.Contains(page, "is better, by at least") {
		t.Error("no better run marked, though box-a and box-b differ significantly")
	}
	if !strings.Contains(page, "no significant difference") {
		t.Error("rows without a significant difference do not say so")
	}
	// The environments differ in host name: that row is highlighted.
	if !regexp.MustCompile(`<tr class="differ"><th>hostname</th>`).MatchString(page) {
		t.Error("the differing host names are not highlighted")
	}
	if strings.Count(page, "<svg") == 0 {
		t.Error("no chart")
	}
}

// WriteHTML replaces the file whole or not at all.
func TestWriteHTMLAtomic(t *testing.T) {
	ins := load(t, "box-a.json")
	dir := t.TempDir()
	path := filepath.Join(dir, "r.html")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(path, ins); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil || !bytes.HasPrefix(b, []byte("<!DOCTYPE html>")) || !bytes.HasSuffix(bytes.TrimSpace(b), []byte("</html>")) {
		t.Errorf("written page: %v, %.40q", err, b)
	}
	if err := WriteHTML(filepath.Join(dir, "no", "such", "dir", "r.html"), ins); err == nil {
		t.Error("a page written into a directory that does not exist")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
}
