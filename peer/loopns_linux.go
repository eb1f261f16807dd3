package peer

import (
	"fmt"
	"net/netip"
	"path/filepath"

	"zbench/internal/host"
	"zbench/name"
)

// LoopNamespace is a network namespace of the run's own, holding nothing but
// its loopback interface: both ends of a benchmark run in it. It measures
// the kernel's loopback path without what the host's own network namespace
// adds to it (firewall rules, connection tracking, other sockets), which the
// loopback transport includes.
type LoopNamespace struct {
	ns     string
	closed bool
}

// SetupLoopNamespace makes the namespace zbench-ID-l (ID is PID.STARTTIME,
// as for veth), with loopback up and tcp_tw_reuse=1. It needs root and
// iproute2's ip. On any failure it removes what it made.
func SetupLoopNamespace() (*LoopNamespace, error) {
	prefix, err := namespacePrefix("netns")
	if err != nil {
		return nil, err
	}
	l := &LoopNamespace{ns: prefix + "l"}
	steps := [][]string{{"netns", "add", l.ns}, {"-n", l.ns, "link", "set", "lo", "up"}}
	if err := setupNamespaces(l.Names(), steps); err != nil {
		return nil, fmt.Errorf("netns set-up: %w", err)
	}
	return l, nil
}

// LoopNamespaceSupported says whether SetupLoopNamespace can work here.
func LoopNamespaceSupported() error { return namespacesSupported("netns") }

// Transport puts both ends in the namespace, on its 127.0.0.1.
func (l *LoopNamespace) Transport() Transport {
	path := filepath.Join(netnsDir, l.ns)
	return Transport{Name: name.Netns, ClientNetns: path, ServerNetns: path, ServerAddr: netip.MustParseAddr("127.0.0.1")}
}

// ClientNIC describes the namespace's loopback interface.
func (l *LoopNamespace) ClientNIC() (host.NIC, error) {
	return LocalNIC(filepath.Join(netnsDir, l.ns), netip.MustParseAddr("127.0.0.1"))
}

// Names are the namespace's name.
func (l *LoopNamespace) Names() []string { return []string{l.ns} }

// Close deletes the namespace; safe to call more than once.
func (l *LoopNamespace) Close() error {
	if l == nil || l.closed {
		return nil
	}
	l.closed = true
	return removeNamespaces(l.Names())
}
