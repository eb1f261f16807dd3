package peer

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"zbench/internal/host"
	"zbench/internal/sys"
	"zbench/name"
)

// The veth pair lives in the RFC 2544 benchmarking range, 198.18.0.0/15,
// which is never routed; the namespaces are private to the run.
var (
	vethClientAddr = netip.MustParsePrefix("198.18.0.1/24")
	vethServerAddr = netip.MustParsePrefix("198.18.0.2/24")
)

const netnsDir = "/run/netns"

// VethPair is a pair of network namespaces joined by a veth link, made for
// one run. Close removes it; the namespaces are named after the process that
// made them, its PID and its start time (sys.ProcessID), so that a later run
// can remove a pair whose maker was killed, and never one whose maker runs,
// even where a new process has reused a dead maker's PID.
type VethPair struct {
	client, server string // namespace names
	closed         bool
}

// SetupVeth makes the pair: namespaces zbench-ID-c and zbench-ID-s (ID is
// PID.STARTTIME), a veth
// link between them (198.18.0.1 and .2), loopback up in both, and
// tcp_tw_reuse=1 so that connection benchmarks do not run out of ports on
// TIME_WAIT. It needs root and iproute2's ip. On any failure it removes what
// it made.
func SetupVeth() (*VethPair, error) {
	prefix, err := namespacePrefix("veth")
	if err != nil {
		return nil, err
	}
	v := &VethPair{client: prefix + "c", server: prefix + "s"}
	steps := [][]string{
		{"netns", "add", v.client},
		{"netns", "add", v.server},
		{"-n", v.client, "link", "add", "zb0", "type", "veth", "peer", "name", "zb1", "netns", v.server},
		{"-n", v.client, "addr", "add", vethClientAddr.String(), "dev", "zb0"},
		{"-n", v.server, "addr", "add", vethServerAddr.String(), "dev", "zb1"},
		{"-n", v.client, "link", "set", "lo", "up"},
		{"-n", v.server, "link", "set", "lo", "up"},
		{"-n", v.client, "link", "set", "zb0", "up"},
		{"-n", v.server, "link", "set", "zb1", "up"},
	}
	if err := setupNamespaces(v.Names(), steps); err != nil {
		return nil, fmt.Errorf("veth set-up: %w", err)
	}
	return v, nil
}

// setupNamespaces runs the ip steps that make namespaces, then sets
// tcp_tw_reuse=1 in each, so that connection benchmarks do not run out of
// ports on TIME_WAIT. On any failure it removes the namespaces.
func setupNamespaces(names []string, steps [][]string) error {
	err := func() error {
		for _, args := range steps {
			if err := ip(args...); err != nil {
				return err
			}
		}
		for _, ns := range names {
			if err := writeSysctl(filepath.Join(netnsDir, ns), "net/ipv4/tcp_tw_reuse", "1"); err != nil {
				return err
			}
		}
		return nil
	}()
	if err != nil {
		removeNamespaces(names)
	}
	return err
}

// removeNamespaces deletes the namespaces that exist of names.
func removeNamespaces(names []string) error {
	var errs []error
	for _, ns := range names {
		if _, err := os.Stat(filepath.Join(netnsDir, ns)); err == nil {
			if err := ip("netns", "del", ns); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// namespacePrefix checks that the transport can make namespaces here,
// removes those of runs that were killed outright, and names this run's:
// "zbench-ID-" and a side, where ID is the maker's sys.ProcessID, which a
// later run's SweepStale reads back.
func namespacePrefix(what string) (string, error) {
	if err := namespacesSupported(what); err != nil {
		return "", err
	}
	SweepStale()
	id, err := sys.ProcessID(os.Getpid())
	if err != nil {
		return "", fmt.Errorf("%s set-up: naming the namespaces: %w", what, err)
	}
	return "zbench-" + id + "-", nil
}

// VethSupported says whether SetupVeth can work here, with the reason.
func VethSupported() error { return namespacesSupported("veth") }

// namespacesSupported says whether the transport, which makes network
// namespaces, can work here, with the reason.
func namespacesSupported(transport string) error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("%w: the %s transport needs root (it creates network namespaces)", sys.ErrNotSupported, transport)
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return fmt.Errorf("%w: the %s transport needs iproute2's ip command", sys.ErrNotSupported, transport)
	}
	return nil
}

// Transport is where the ends live: the client in one namespace, the
// server in the other, across the link.
func (v *VethPair) Transport() Transport {
	return Transport{Name: name.Veth, ClientNetns: filepath.Join(netnsDir, v.client),
		ServerNetns: filepath.Join(netnsDir, v.server), ServerAddr: vethServerAddr.Addr()}
}

// ClientNIC describes the client end of the link, from inside its namespace.
func (v *VethPair) ClientNIC() (host.NIC, error) {
	return LocalNIC(filepath.Join(netnsDir, v.client), vethClientAddr.Addr())
}

// Names are the namespaces' names.
func (v *VethPair) Names() []string { return []string{v.client, v.server} }

// Close deletes both namespaces; the veth link goes with them. It is safe to
// call more than once.
func (v *VethPair) Close() error {
	if v == nil || v.closed {
		return nil
	}
	v.closed = true
	return removeNamespaces(v.Names())
}

// SweepStale deletes zbench namespaces whose maker is no longer running
// (a run that was killed outright, where no cleanup could run): no process
// has its PID, or the one that has it started at another time.
func SweepStale() {
	entries, _ := os.ReadDir(netnsDir)
	for _, e := range entries {
		id, ok := staleOwner(e.Name())
		if !ok {
			continue
		}
		if gone, ok := sys.ProcessGone(id); ok && gone {
			ip("netns", "del", e.Name())
		}
	}
}

func ip(args ...string) error {
	cmd := exec.Command("ip", args...)
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	}
	return nil
}

// writeSysctl writes a per-namespace sysctl: /proc/sys/net reflects the
// network namespace of the thread that opens it, so the write happens on a
// locked thread inside the namespace.
func writeSysctl(netns, key, value string) error {
	err := InNetns(netns, func() error {
		return os.WriteFile(filepath.Join("/proc/sys", key), []byte(value), 0o644)
	})
	if err != nil {
		return fmt.Errorf("sysctl %s=%s in %s: %w", key, value, netns, err)
	}
	return nil
}
