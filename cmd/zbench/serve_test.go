package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"zbench/peer"
	"zbench/results"
)

// twoHosts makes two network namespaces joined by veth and returns them and
// a token file: the server side answers on 198.18.0.2.
func twoHosts(t *testing.T) (client, server, token string) {
	t.Helper()
	if err := peer.VethSupported(); err != nil {
		t.Skip(err)
	}
	pair, err := peer.SetupVeth()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pair.Close() })
	token = filepath.Join(t.TempDir(), "token")
	os.WriteFile(token, []byte("correct horse battery staple\n"), 0o600)
	names := pair.Names()
	return names[0], names[1], token
}

// inNetns starts the test binary as zbench inside a namespace.
func inNetns(ns string, args ...string) *exec.Cmd {
	cmd := exec.Command("ip", append([]string{"netns", "exec", ns, os.Args[0]}, args...)...)
	cmd.Env = append(os.Environ(), "ZBENCH_TEST_MAIN=1")
	return cmd
}

func startServer(t *testing.T, ns, listen, token string) *exec.Cmd {
	t.Helper()
	srv := inNetns(ns, "serve", "--listen", listen, "--token-file", token)
	out, _ := srv.StdoutPipe()
	srv.Stderr = os.Stderr
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Process.Kill(); srv.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.Contains(line, "listening on "+listen) {
		t.Fatalf("server did not start: %q %v", line, err)
	}
	return srv
}

func TestServeAcrossVeth(t *testing.T) {
	clientNS, serverNS, token := twoHosts(t)
	startServer(t, serverNS, "198.18.0.2:7281", token)
	out := filepath.Join(t.TempDir(), "run.json")
	run := inNetns(clientNS, "run", "lat/tcp", "lat/udp", "bw/tcp", "zerocopy", "--transport", "peer", "--peer", "198.18.0.2:7281",
		"--token-file", token, "--quick", "--verify", "--time", "5ms", "--out", out)
	var stderr bytes.Buffer
	run.Stderr = &stderr
	if err := run.Run(); err != nil {
		t.Errorf("client run: %v\n%s", err, stderr.String()) // the record says which
	}
	rec, err := results.Read(out)
	if err != nil {
		t.Fatal(err)
	}
	if rec.PeerHost == nil || rec.PeerHost.Kernel == "" || rec.Settings.Peer != "198.18.0.2:7281" {
		t.Errorf("the record lacks the remote host: peer_host %+v, settings.peer %q", rec.PeerHost, rec.Settings.Peer)
	}
	if rec.NIC == nil || rec.NIC.Kind != "veth" || rec.PeerNIC == nil || rec.PeerNIC.Kind != "veth" || rec.PeerNIC.MTU == 0 {
		t.Errorf("the record must describe both ends' interfaces: nic %+v, peer_nic %+v", rec.NIC, rec.PeerNIC)
	}
	n := 0
	for _, r := range rec.Results {
		if !strings.HasSuffix(r.Name, "/transport=peer") {
			t.Errorf("%s ran, but only transport=peer benchmarks should", r.Name)
		}
		if r.Error != "" || r.Skipped != "" || len(r.Samples) == 0 {
			t.Errorf("%s: error %q skipped %q", r.Name, r.Error, r.Skipped)
		}
		n++
	}
	// lat: 5 sizes × 3 placements of tcp and udp, and 3 connects; bw/tcp:
	// 3 chunks; zerocopy: 9 methods × 6 sizes of send, 5 × 4 of response.
	if want := 33 + 3 + 54 + 20; n != want {
		t.Errorf("%d benchmarks across the wire, want %d", n, want)
	}

	// A wrong token is refused before anything runs.
	bad := filepath.Join(t.TempDir(), "bad")
	os.WriteFile(bad, []byte("wrong"), 0o600)
	run = inNetns(clientNS, "run", "lat/tcp/connect", "--transport", "peer", "--peer", "198.18.0.2:7281", "--token-file", bad, "--quick", "--out", out+".bad")
	if msg, err := run.CombinedOutput(); err == nil || !strings.Contains(string(msg), "authentication failed") {
		t.Errorf("wrong token: %v %s", err, msg)
	}
	// Without a token from another host: refused.
	run = inNetns(clientNS, "run", "lat/tcp/connect", "--transport", "peer", "--peer", "198.18.0.2:7281", "--quick", "--out", out+".none")
	if msg, err := run.CombinedOutput(); err == nil || !strings.Contains(string(msg), "requires a token") {
		t.Errorf("no token: %v %s", err, msg)
	}
}

// The server dies mid-run: the client marks what could not run as errors,
// finishes within 30 s, and writes the record.
func TestServerDiesMidRun(t *testing.T) {
	clientNS, serverNS, token := twoHosts(t)
	srv := startServer(t, serverNS, "198.18.0.2:7282", token)
	out := filepath.Join(t.TempDir(), "run.json")
	run := inNetns(clientNS, "run", "lat/tcp/size=1B", "lat/tcp/size=64B", "--transport", "peer", "--peer", "198.18.0.2:7282",
		"--token-file", token, "--time", "100ms", "--out", out)
	// Kill the server once the first benchmark has samples: the warm-up
	// worker and calibration rounds (each a session of its own) come first.
	faultAfter(t, run, 4*time.Second, func() { srv.Process.Signal(syscall.SIGKILL) },
		60*time.Second, "client still running 60 s after the server died")
	if code := run.ProcessState.ExitCode(); code != exitFailed {
		t.Errorf("client exit %d, want %d (benchmarks errored)", code, exitFailed)
	}
	rec, err := results.Read(out)
	if err != nil {
		t.Fatalf("no record: %v", err)
	}
	// Every benchmark lost its server: each is an error, keeping whatever
	// samples it took before (how many depends on how busy the machine is).
	for _, r := range rec.Results {
		t.Logf("%s: %d samples, error %q", r.Name, len(r.Samples), r.Error)
		if r.Error == "" {
			t.Errorf("%s: no error, though the server died mid-run", r.Name)
		}
	}
}
