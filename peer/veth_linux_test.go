package peer

import (
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"zbench/internal/sys"
)

func needVeth(t *testing.T) {
	t.Helper()
	if err := VethSupported(); err != nil {
		if errors.Is(err, sys.ErrNotSupported) {
			t.Skip(err)
		}
		t.Fatal(err)
	}
}

// inNetns runs f on a locked thread inside the namespace at path.
func inNetns(t *testing.T, path string, f func()) {
	t.Helper()
	if err := InNetns(path, func() error { f(); return nil }); err != nil {
		t.Error(err)
	}
}

func TestVeth(t *testing.T) {
	needVeth(t)
	v, err := SetupVeth()
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	tr := v.Transport()
	// A listener in the server namespace, a connection from the client's.
	var ln net.Listener
	inNetns(t, tr.ServerNetns, func() {
		ln, err = net.Listen("tcp", tr.ServerAddr.String()+":0")
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			io.Copy(c, c)
			c.Close()
		}
	}()
	var conn net.Conn
	inNetns(t, tr.ClientNetns, func() {
		conn, err = net.Dial("tcp", ln.Addr().String())
	})
	if err != nil {
		t.Fatalf("connect across the veth link: %v", err)
	}
	msg := []byte("across the veth link")
	conn.Write(msg)
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(conn, got); err != nil || string(got) != string(msg) {
		t.Errorf("echo: %q, %v", got, err)
	}
	conn.Close()
	// The client namespace cannot reach the host's loopback: it is isolated.
	inNetns(t, tr.ClientNetns, func() {
		if out, err := os.ReadFile("/proc/sys/net/ipv4/tcp_tw_reuse"); err != nil || strings.TrimSpace(string(out)) != "1" {
			t.Errorf("tcp_tw_reuse in the client namespace = %q, %v; want 1", out, err)
		}
	})

	ln.Close()
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	for _, n := range v.Names() {
		if _, err := os.Stat(filepath.Join(netnsDir, n)); !os.IsNotExist(err) {
			t.Errorf("namespace %s left behind", n)
		}
	}
	if err := v.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestSweepStale(t *testing.T) {
	needVeth(t)
	// A namespace named after a process that no longer exists, as a killed
	// run would leave it.
	cmd := exec.Command("true")
	cmd.Run()
	dead := cmd.Process.Pid
	name := "zbench-" + strconv.Itoa(dead) + "-c"
	if err := ip("netns", "add", name); err != nil {
		t.Fatal(err)
	}
	defer ip("netns", "del", name)
	mine := "zbench-" + strconv.Itoa(os.Getpid()) + "-s"
	if err := ip("netns", "add", mine); err != nil {
		t.Fatal(err)
	}
	defer ip("netns", "del", mine)
	SweepStale()
	if _, err := os.Stat(filepath.Join(netnsDir, name)); !os.IsNotExist(err) {
		t.Errorf("stale namespace %s survived the sweep", name)
	}
	if _, err := os.Stat(filepath.Join(netnsDir, mine)); err != nil {
		t.Errorf("the sweep removed a live run's namespace %s", mine)
	}
}

// SweepStale removes the namespaces of a run that is gone, even where a new
// process has its PID (another start time), and keeps those of a run that
// still runs.
func TestSweepStaleReusedPID(t *testing.T) {
	needVeth(t)
	self, err := sys.ProcessID(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	stale := "zbench-" + strconv.Itoa(os.Getpid()) + ".1-c" // this PID, another start time
	live := "zbench-" + self + "-s"
	for _, ns := range []string{stale, live} {
		if err := ip("netns", "add", ns); err != nil {
			t.Fatal(err)
		}
		defer ip("netns", "del", ns)
	}
	SweepStale()
	if _, err := os.Stat(filepath.Join(netnsDir, stale)); !os.IsNotExist(err) {
		t.Errorf("%s: the namespace of a run that is gone is still there (%v)", stale, err)
	}
	if _, err := os.Stat(filepath.Join(netnsDir, live)); err != nil {
		t.Errorf("%s: the namespace of a run that still runs was removed: %v", live, err)
	}
}
