package main

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"

	"zbench/bench"
)

// progress is a one-line indicator on stderr, shown only when stderr is a
// terminal. The runner calls it before a worker starts, never while one is
// measuring, so drawing it costs no sample anything.
type progress struct {
	w   io.Writer
	on  bool
	any bool
}

func newProgress(stderr io.Writer) *progress {
	p := &progress{w: stderr}
	if f, ok := stderr.(*os.File); ok {
		_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
		p.on = err == nil
	}
	return p
}

func (p *progress) show(e bench.Progress) {
	if !p.on {
		return
	}
	p.any = true
	if e.WarmUp {
		fmt.Fprintf(p.w, "\r\033[K[warm-up, discarded] %s", e.Name)
		return
	}
	fmt.Fprintf(p.w, "\r\033[K[%d/%d, sample round %d/%d] %s", e.Index, e.Total, e.Round, e.Rounds, e.Name)
}

func (p *progress) clear() {
	if p.on && p.any {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
