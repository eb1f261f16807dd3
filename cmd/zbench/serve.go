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
	"runtime"
	"strings"
	"syscall"
	"time"

	"zbench/bench"
	"zbench/internal/host"
	"zbench/internal/sys"
	"zbench/name"
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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The first signal ends every session and the server; a second one
	// kills it outright.
	context.AfterFunc(ctx, stop)
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	defer signal.Stop(usr1)
	go func() {
		for {
			select {
			case <-usr1:
				cfg.Logf("%s", serveStatus())
			case <-ctx.Done():
				return
			}
		}
	}()
	fmt.Fprintf(stdout, "zbench serve: listening on %s (%s)\n", ln.Addr(), auth)
	if err := peer.Serve(ctx, ln, cfg); err != nil {
		fmt.Fprintf(stderr, "zbench serve: %v\n", err)
		return exitFailed
	}
	return exitOK
}

// serveStatus is what SIGUSR1 logs: what the server holds now.
func serveStatus() string {
	fds, _ := os.ReadDir("/proc/self/fd")
	rss := "?"
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for line := range strings.Lines(string(b)) {
			if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				rss = strings.Join(strings.Fields(v), " ")
			}
		}
	}
	return fmt.Sprintf("status: goroutines %d, descriptors %d, RSS %s", runtime.NumGoroutine(), len(fds), rss)
}

// remoteSpec finds a benchmark this server runs: one that declares its
// server side (Spec.Remote), for transport=peer.
func remoteSpec(full string) *bench.Spec {
	specs, err := bench.Named(registry(), full)
	if err != nil || specs[0].Remote == nil || specs[0].Child == nil {
		return nil
	}
	if name.Parse(full).Transport() != name.Peer {
		return nil
	}
	return &specs[0]
}

// startRemoteEnd runs a benchmark's declared server side: its helper, as a
// local run starts it, listening on the address the client came to and
// serving that client only. Anything else is refused: the allow-list is the
// registry's remote ends, and the helper's arguments are the server's, but
// for a read size the protocol bounds.
func startRemoteEnd(ctx context.Context, r peer.StartRequest) (peer.RemoteEnd, error) {
	spec := remoteSpec(r.Bench)
	if spec == nil {
		return nil, errors.New("not a benchmark this server runs (see zbench list: transport=peer)")
	}
	cpu := -1
	if spec.Pin {
		if cpus, err := sys.AllowedCPUs(); err == nil && len(cpus) > 0 {
			cpu = cpus[len(cpus)-1]
		}
	}
	args, err := spec.Remote.Args(bench.RemoteParams{CPU: cpu, Local: r.Local, Client: r.Client, ReadSize: r.ReadSize})
	if err != nil {
		return nil, err
	}
	return peer.StartHelper(ctx, spec.Remote.Relayed, func(files ...*os.File) (*exec.Cmd, error) {
		return bench.StartChild(r.Bench, args, files...)
	})
}
