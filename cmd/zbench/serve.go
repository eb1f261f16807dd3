package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"zbench/bench"
	"zbench/internal/host"
	"zbench/internal/sys"
	"zbench/peer"
)

// defaultListen is loopback: serving other hosts is the user's explicit
// choice.
const defaultListen = "127.0.0.1:7277"

func cmdServe(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("serve", "serve [--listen ADDR:PORT] [--token-file F] [--allow-unauthenticated]", stderr)
	listen := fs.String("listen", defaultListen, "control address; data ports are opened on the same address")
	tokenFile := fs.String("token-file", "", "shared secret clients must prove (HMAC over a nonce)")
	allowRemote := fs.Bool("allow-unauthenticated", false, "serve clients on other hosts without a token")
	maxSessions := fs.Int("max-sessions", 4, "concurrent sessions")
	maxDuration := fs.Duration("max-duration", 10*time.Minute, "longest session")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "zbench serve: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	ap, err := netip.ParseAddrPort(*listen)
	if err != nil || !ap.Addr().Is4() {
		fmt.Fprintf(stderr, "zbench serve: --listen %q: want IPv4ADDR:PORT\n", *listen)
		return exitUsage
	}
	if *maxSessions < 1 || *maxSessions > 64 || *maxDuration < time.Second {
		fmt.Fprintln(stderr, "zbench serve: --max-sessions wants 1 to 64, --max-duration at least 1s")
		return exitUsage
	}
	token, err := peer.ReadToken(*tokenFile)
	if err != nil {
		fmt.Fprintf(stderr, "zbench serve: %v\n", err)
		return exitUsage
	}
	env, _ := json.Marshal(host.Probe())
	cfg := &peer.ServerConfig{
		Token: token, AllowRemote: *allowRemote, MaxSessions: *maxSessions, MaxDuration: *maxDuration, Env: env,
		Start: startRemoteEnd,
		Logf:  func(format string, args ...any) { fmt.Fprintf(stderr, "zbench serve: "+format+"\n", args...) },
	}
	ln, err := net.Listen("tcp4", ap.String())
	if err != nil {
		fmt.Fprintf(stderr, "zbench serve: %v\n", err)
		return exitFailed
	}
	auth := "no token: loopback clients only"
	switch {
	case token != nil:
		auth = "token required"
	case *allowRemote:
		auth = "no token, any client (--allow-unauthenticated)"
	}
	fmt.Fprintf(stdout, "zbench serve: listening on %s (%s)\n", ln.Addr(), auth)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := peer.Serve(ctx, ln, cfg); err != nil {
		fmt.Fprintf(stderr, "zbench serve: %v\n", err)
		return exitFailed
	}
	return exitOK
}

// remoteEnd is a benchmark's helper process on this host.
type remoteEnd struct {
	cmd  *exec.Cmd
	port int
}

func (e *remoteEnd) Port() int { return e.port }

func (e *remoteEnd) Stop() (map[string]float64, error) {
	e.cmd.Process.Kill()
	e.cmd.Wait()
	return nil, nil
}

// remoteSpec finds a benchmark this server runs: declared for
// transport=peer, with a helper. sink says whether the helper is a stream
// receiver (bw, zerocopy), whose request and report pipes the session
// relays, rather than an echo that only reports its port.
func remoteSpec(name string) (spec *bench.Spec, sink bool) {
	specs, err := bench.Named(registry(), name)
	if err != nil || specs[0].Child == nil {
		return nil, false
	}
	if tr, _ := transportOf(&specs[0]); tr != peer.Remote {
		return nil, false
	}
	return &specs[0], strings.HasPrefix(name, "bw/") || strings.HasPrefix(name, "zerocopy/")
}

// startRemoteEnd runs the helper of a network benchmark declared for
// transport=peer, exactly as a local run does, listening on local. Anything
// else is refused: the allow-list is the registry's remote benchmarks, and
// the helper's arguments are the server's, but for a bounded read size.
func startRemoteEnd(name string, readSize int, local, client netip.Addr) (peer.RemoteEnd, error) {
	spec, sink := remoteSpec(name)
	if spec == nil {
		return nil, errors.New("not a benchmark this server runs (see zbench list: transport=peer)")
	}
	cpu := -1
	if spec.Pin {
		if cpus, err := sys.AllowedCPUs(); err == nil && len(cpus) > 0 {
			cpu = cpus[len(cpus)-1]
		}
	}
	if sink {
		return startSink(name, readSize, cpu, local)
	}
	var ready [2]int
	if err := unix.Pipe2(ready[:], unix.O_CLOEXEC); err != nil {
		return nil, err
	}
	w := os.NewFile(uintptr(ready[1]), "ready")
	r := os.NewFile(uintptr(ready[0]), "ready")
	defer r.Close()
	cmd, err := bench.StartChild(name, []string{strconv.Itoa(cpu), "", local.String(), client.String()}, w)
	w.Close()
	if err != nil {
		return nil, err
	}
	r.SetReadDeadline(time.Now().Add(10 * time.Second))
	var port [2]byte
	if _, err := io.ReadFull(r, port[:]); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, fmt.Errorf("helper did not become ready: %w", err)
	}
	return &remoteEnd{cmd: cmd, port: int(port[0])<<8 | int(port[1])}, nil
}

// sinkEnd is a stream receiver whose two pipes the session relays.
type sinkEnd struct {
	remoteEnd
	req, rep *os.File // to the sink's fd 3, from its fd 4
}

func (e *sinkEnd) Pipes() (io.WriteCloser, io.Reader) { return e.req, e.rep }

// Stop closes the sink's request pipe, which ends it, waits for it, and
// makes sure it is gone. Sessions also end by the client going away (a
// worker that exits keeps its stream to the end), so Stop cannot count on
// the relay having closed the pipe.
func (e *sinkEnd) Stop() (map[string]float64, error) {
	e.req.Close()
	done := make(chan struct{})
	go func() { e.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		e.cmd.Process.Kill()
		<-done
	}
	e.rep.Close()
	return nil, nil
}

func startSink(name string, readSize, cpu int, local netip.Addr) (peer.RemoteEnd, error) {
	if readSize <= 0 {
		return nil, errors.New("a stream needs a read size")
	}
	var req, rep [2]int
	if err := unix.Pipe2(req[:], unix.O_CLOEXEC); err != nil {
		return nil, err
	}
	if err := unix.Pipe2(rep[:], unix.O_CLOEXEC); err != nil {
		unix.Close(req[0])
		unix.Close(req[1])
		return nil, err
	}
	child := []*os.File{os.NewFile(uintptr(req[0]), "req"), os.NewFile(uintptr(rep[1]), "rep")}
	cmd, err := bench.StartChild(name, []string{"tcp", strconv.Itoa(cpu), strconv.Itoa(readSize), "", local.String()}, child...)
	for _, f := range child {
		f.Close()
	}
	e := &sinkEnd{req: os.NewFile(uintptr(req[1]), "req"), rep: os.NewFile(uintptr(rep[0]), "rep")}
	if err != nil {
		e.req.Close()
		e.rep.Close()
		return nil, err
	}
	e.cmd = cmd
	return e, nil
}
