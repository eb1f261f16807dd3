package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"zbench/bench"
	"zbench/report"
)

// progress shows how far a run is on stderr. On a terminal it is one line,
// redrawn before each worker: the benchmark, the round, the time so far and
// an estimate of the time left. Elsewhere (a CI log) it writes one line per
// finished benchmark: its median and interval, or why it was skipped or
// failed, with the same times. The runner calls it before a worker starts
// and after a benchmark is done, never while one is measuring, so drawing it
// costs no sample anything.
type progress struct {
	w     io.Writer
	tty   bool
	any   bool
	start time.Time
	now   func() time.Time
}

func newProgress(stderr io.Writer, start time.Time) *progress {
	p := &progress{w: stderr, start: start, now: time.Now}
	if f, ok := stderr.(*os.File); ok {
		p.tty = isTerminal(f)
	}
	return p
}

func (p *progress) show(e bench.Progress) {
	switch {
	case e.Sentinel:
		if p.tty {
			p.any = true
			fmt.Fprintf(p.w, "\r\033[K[round %d/%d, %s] host sentinel", e.Round, e.Rounds, p.times(e))
		}
	case p.tty && e.Finished:
		return // the next worker's line replaces this one
	case p.tty:
		p.any = true
		if e.WarmUp {
			fmt.Fprintf(p.w, "\r\033[K[warm-up, discarded] %s", e.Name)
			return
		}
		fmt.Fprintf(p.w, "\r\033[K[%d/%d, round %d/%d, %s] %s", e.Index, e.Total, e.Round, e.Rounds, p.times(e), e.Name)
	case e.Finished:
		fmt.Fprintf(p.w, "[%d/%d, %s] %s  %s\n", e.Index, e.Total, p.times(e), e.Name, outcome(e))
	}
}

// times is "12s, about 40s left": the elapsed time, and the time left
// estimated from the share of worker processes done.
func (p *progress) times(e bench.Progress) string {
	el := p.now().Sub(p.start)
	s := fmtSeconds(el)
	if e.Started > 0 && e.Planned > e.Started {
		left := time.Duration(float64(el) * float64(e.Planned-e.Started) / float64(e.Started))
		s += ", about " + fmtSeconds(left) + " left"
	}
	return s
}

func fmtSeconds(d time.Duration) string {
	if d >= time.Minute {
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%ds", int(d.Seconds()+0.5))
}

// outcome is a finished benchmark in a few words.
func outcome(e bench.Progress) string {
	r := e.Result
	switch {
	case r == nil:
		return "done"
	case r.Skipped != "":
		return "skipped: " + r.Skipped
	case r.Error != "" && !r.Measured():
		return "error: " + firstLine(r.Error)
	}
	s := report.FormatValue(r.Median, r.Unit) + " " + r.Unit + " " + report.FormatCI(r)
	if r.Error != "" {
		s += " (error: " + firstLine(r.Error) + ")"
	}
	return s
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

func (p *progress) clear() {
	if p.tty && p.any {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
