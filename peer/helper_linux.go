package peer

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// HelperStart starts a remote end's helper process (zbench re-executed as
// its benchmark's helper) with files as its descriptors 3, 4, ...
type HelperStart func(files ...*os.File) (*exec.Cmd, error)

// readyTimeout bounds a helper's start: the wait for its data port.
const readyTimeout = 10 * time.Second

// stopGrace is how long Stop lets a relayed helper finish on its own after
// its requests end, before it is killed.
const stopGrace = 5 * time.Second

// StartHelper runs a remote end as a helper process. A relayed helper (a
// stream sink) gets the request pipe as fd 3 and the report pipe as fd 4,
// which the session carries, and says its port on them. Any other gets a
// ready pipe as fd 3, on which it writes its data port (WriteReady) within
// readyTimeout, or before ctx ends.
//
// This side's pipe ends are non-blocking and go through Go's poller, the
// helper's are blocking: a write the helper does not read blocks a
// goroutine, not a thread, and ends when the helper is killed.
func StartHelper(ctx context.Context, relayed bool, start HelperStart) (RemoteEnd, error) {
	h := &helper{exited: make(chan struct{})}
	if relayed {
		req, err := helperPipe(true)
		if err != nil {
			return nil, err
		}
		rep, err := helperPipe(false)
		if err != nil {
			req[0].Close()
			req[1].Close()
			return nil, err
		}
		h.req, h.rep = req[1], rep[0]
		if err := h.start(start, req[0], rep[1]); err != nil {
			h.req.Close()
			h.rep.Close()
			return nil, err
		}
		return relayedHelper{h}, nil
	}
	ready, err := helperPipe(false)
	if err != nil {
		return nil, err
	}
	if err := h.start(start, ready[1]); err != nil {
		ready[0].Close()
		return nil, err
	}
	r := ready[0]
	defer r.Close()
	r.SetReadDeadline(time.Now().Add(readyTimeout))
	unblock := context.AfterFunc(ctx, func() { r.SetReadDeadline(time.Now()) })
	defer unblock()
	var b [2]byte
	_, err = io.ReadFull(r, b[:])
	if err == nil {
		h.port, err = decodeReady(b)
	}
	if err != nil {
		h.Kill()
		<-h.exited
		return nil, fmt.Errorf("helper did not become ready: %w", err)
	}
	return h, nil
}

// helperPipe makes a pipe closed on exec, one end for the helper (blocking)
// and one for this process (non-blocking, pollable): the write end is the
// helper's when toHelper is false.
func helperPipe(toHelper bool) (p [2]*os.File, err error) {
	var fds [2]int
	if err := syscall.Pipe2(fds[:], syscall.O_CLOEXEC); err != nil {
		return p, fmt.Errorf("pipe: %w", err)
	}
	ours := 0 // the read end
	if toHelper {
		ours = 1
	}
	if err := syscall.SetNonblock(fds[ours], true); err != nil {
		syscall.Close(fds[0])
		syscall.Close(fds[1])
		return p, err
	}
	return [2]*os.File{os.NewFile(uintptr(fds[0]), "helper-r"), os.NewFile(uintptr(fds[1]), "helper-w")}, nil
}

// helper is a remote end run as a helper process.
type helper struct {
	cmd      *exec.Cmd
	exited   chan struct{} // closed when the helper has been waited for
	port     int
	req, rep *os.File // relayed: this side's ends of fd 3 and fd 4
}

// start starts the helper with files (closed here afterwards, so that the
// helper holds the only copies) and waits for it in the background.
func (h *helper) start(start HelperStart, files ...*os.File) error {
	cmd, err := start(files...)
	for _, f := range files {
		f.Close()
	}
	if err != nil {
		return err
	}
	h.cmd = cmd
	go func() {
		cmd.Wait()
		close(h.exited)
	}()
	return nil
}

func (h *helper) Port() int { return h.port }

// Kill is safe at any time: os.Process knows when its process was waited
// for, and signals nothing after that.
func (h *helper) Kill() { h.cmd.Process.Kill() }

// Stop ends an echo helper at once; a relayed one gets EOF on its requests
// and stopGrace to finish its last report.
func (h *helper) Stop() (map[string]float64, error) {
	if h.req == nil {
		h.Kill()
		<-h.exited
		return nil, nil
	}
	h.req.Close()
	select {
	case <-h.exited:
	case <-time.After(stopGrace):
		h.Kill()
		<-h.exited
	}
	return nil, nil
}

// relayedHelper is a helper whose pipes the session carries.
type relayedHelper struct{ *helper }

func (h relayedHelper) Pipes() (io.WriteCloser, io.ReadCloser) { return h.req, h.rep }
