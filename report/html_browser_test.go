package report

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"zbench/internal/realparts"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromium finds a Chromium or Chrome binary, or says why there is none.
func chromium(t *testing.T) string {
	t.Helper()
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	realparts.Absent(t, "no chromium on PATH (Debian: apt-get install chromium): the HTML report is not checked in a browser")
	return ""
}

// The report, opened in a real headless Chromium: it loads with no console
// message of error level and no request beyond the file itself; every
// chart renders at a non-zero size; the numbers in the DOM are the
// records'; sorting and filtering work; and it reads at 375 px and at
// 1920 px wide, with no page-wide horizontal scroll. ZBENCH_SCREENSHOTS=DIR
// keeps a screenshot of each width there.
func TestHTMLInBrowser(t *testing.T) {
	bin := chromium(t)
	ins := load(t, "families.json", "box-a.json")
	ref, err := LoadReference("lmbench-athlon-2003")
	if err != nil {
		t.Fatal(err)
	}
	ins = append(ins, ref)
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	if err := WriteHTML(page, ins); err != nil {
		t.Fatal(err)
	}
	charts, _ := Charts(ins)

	profile := filepath.Join(dir, "profile")
	opts := append(slices.Clone(chromedp.DefaultExecAllocatorOptions[:]), chromedp.ExecPath(bin), chromedp.DisableGPU,
		chromedp.NoSandbox, chromedp.UserDataDir(profile))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	var mu sync.Mutex
	var problems []string
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithListener(func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning || e.Type == runtime.ConsoleAPICalledTypeAssert {
				var args []string
				for _, a := range e.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				problems = append(problems, fmt.Sprintf("console.%s: %s", e.Type, strings.Join(args, " ")))
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+e.ExceptionDetails.Text)
		case *network.EventRequestWillBeSent:
			if e.Request.URL != "file://"+page {
				problems = append(problems, "request: "+e.Request.URL)
			}
		}
	}))
	defer cancel()
	// The network domain reports every request the page makes, of any
	// scheme, failed or not.
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1920, 1200), chromedp.Navigate("file://"+page)); err != nil {
		t.Fatal(err)
	}
	eval := func(js string, v any) {
		t.Helper()
		tctx, c := context.WithTimeout(ctx, 30*time.Second)
		defer c()
		res, err := chromedp.Run(tctx, chromedp.Evaluate[any](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		b := fmt.Sprint(res)
		switch p := v.(type) {
		case *string:
			*p = b
		case *float64:
			f, err := strconv.ParseFloat(b, 64)
			if err != nil {
				t.Fatalf("%s: %q is not a number", js, b)
			}
			*p = f
		}
	}

	// And the Resource Timing API lists what the page fetched over the
	// network, by its own account.
	var requests string
	eval(`performance.getEntriesByType("resource").map(e => e.name).join(" ")`, &requests)
	if requests != "" {
		t.Errorf("the page fetched %q; it must be self-contained", requests)
	}

	// Every chart is in the page and renders at a non-zero size.
	var n float64
	eval(`document.querySelectorAll("figure svg").length`, &n)
	if int(n) != len(charts) || n == 0 {
		t.Errorf("%v charts in the page, want %d", n, len(charts))
	}
	var zero string
	eval(`Array.from(document.querySelectorAll("figure svg")).filter(s => { const r = s.getBoundingClientRect(); return !(r.width > 100 && r.height > 50) }).length + ""`, &zero)
	if zero != "0" {
		t.Errorf("%s charts render at no size", zero)
	}

	// The numbers in the DOM are the records': the full table's data-v of
	// each run's column is the median, exactly.
	var cells string
	eval(`Array.from(document.querySelectorAll("#all tbody tr")).map(tr => tr.dataset.name + "\t" +
		Array.from(tr.querySelectorAll("td.num")).map(td => td.dataset.v).join("\t")).join("\n")`, &cells)
	rows := strings.Split(cells, "\n")
	checked := 0
	for _, line := range rows {
		f := strings.Split(line, "\t")
		for i, in := range ins {
			r := findResult(in.Run, f[0])
			if r == nil || !measuredOK(r) {
				if f[1+i] != "" {
					t.Errorf("%s in %s: %q in the page, but no measured result", f[0], in.Label, f[1+i])
				}
				continue
			}
			v, err := strconv.ParseFloat(f[1+i], 64)
			if err != nil || v != r.Median {
				t.Errorf("%s in %s: %q in the page, %v in the record", f[0], in.Label, f[1+i], r.Median)
			}
			checked++
		}
	}
	if checked < 50 {
		t.Errorf("only %d values checked against the records", checked)
	}

	// Sorting: a click on the first run's column sorts by its medians,
	// ascending, cells without a value last; a second click, descending.
	column := func() []float64 {
		var s string
		eval(`Array.from(document.querySelectorAll("#all tbody tr")).map(tr => tr.cells[2].dataset.v).join(",")`, &s)
		var vs []float64
		for _, x := range strings.Split(s, ",") {
			if x == "" {
				continue
			}
			v, _ := strconv.ParseFloat(x, 64)
			vs = append(vs, v)
		}
		return vs
	}
	before := column()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#all thead th[data-col="2"]`))); err != nil {
		t.Fatal(err)
	}
	asc := column()
	if !slices.IsSorted(asc) || len(asc) != len(before) || slices.Equal(asc, before) {
		t.Errorf("after one click the column is not sorted ascending (or was already): %v", asc)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#all thead th[data-col="2"]`))); err != nil {
		t.Fatal(err)
	}
	desc := column()
	slices.Reverse(desc)
	if !slices.Equal(desc, asc) {
		t.Errorf("after a second click the column is not sorted descending")
	}

	// Filtering keeps exactly the rows that mention the text.
	var shown, total, bad string
	eval(`(() => { const f = document.getElementById("filter"); f.value = "cpu=same"; f.dispatchEvent(new Event("input")); return "" })()`, new(string))
	eval(`Array.from(document.querySelectorAll("#all tbody tr")).filter(tr => !tr.hidden).length + ""`, &shown)
	eval(`document.querySelectorAll("#all tbody tr").length + ""`, &total)
	eval(`Array.from(document.querySelectorAll("#all tbody tr")).filter(tr => tr.hidden === (tr.textContent + " " + tr.dataset.notes).includes("cpu=same")).length + ""`, &bad)
	if shown == "0" || shown == total || bad != "0" {
		t.Errorf("filter cpu=same: %s of %s rows shown, %s wrongly; want the rows naming it, and only those", shown, total, bad)
	}
	// A note's text finds the rows whose cells carry it.
	eval(`(() => { const f = document.getElementById("filter"); f.value = "need >= 6 samples"; f.dispatchEvent(new Event("input")); return "" })()`, new(string))
	eval(`Array.from(document.querySelectorAll("#all tbody tr")).filter(tr => !tr.hidden).length + ""`, &shown)
	if shown == "0" || shown == total {
		t.Errorf("filter by a note's text: %s of %s rows shown", shown, total)
	}
	eval(`(() => { const f = document.getElementById("filter"); f.value = ""; f.dispatchEvent(new Event("input")); return "" })()`, new(string))

	// Two widths: the page never scrolls sideways as a whole (wide tables
	// scroll in their own box), and the charts fit the width.
	shots := os.Getenv("ZBENCH_SCREENSHOTS")
	for _, w := range []int64{375, 1920} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, 900)); err != nil {
			t.Fatal(err)
		}
		var sw, cw float64
		eval(`document.documentElement.scrollWidth`, &sw)
		eval(`Math.max(...Array.from(document.querySelectorAll("figure svg")).map(s => s.getBoundingClientRect().right))`, &cw)
		if sw > float64(w) || cw > float64(w) {
			t.Errorf("at %d px: the page is %v px wide, charts reach %v px", w, sw, cw)
		}
		if shots != "" {
			tctx, c := context.WithTimeout(ctx, time.Minute)
			png, err := chromedp.Run(tctx, chromedp.FullScreenshot(100))
			c()
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(shots, fmt.Sprintf("report-%d.png", w)), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(problems) > 0 {
		t.Errorf("the page logged: %q", problems)
	}
}
