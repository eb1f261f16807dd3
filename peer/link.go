package peer

import (
	"encoding/json"
	"fmt"
	"path/filepath"

	"zbench/internal/host"
	"zbench/name"
)

// Link is a transport made ready for one run: Open sets it up, Close tears
// it down. Its Transport goes to every worker (bench.Runner.Transport).
type Link struct {
	Transport Transport
	// NIC is this host's interface the network benchmarks use; PeerNIC and
	// PeerHost are the remote server's interface and environment
	// (transport peer). Each is nil where it could not be probed.
	NIC      *host.NIC
	PeerNIC  *host.NIC
	PeerHost *host.Env

	made madeNamespaces // veth and netns: what Close removes
}

// madeNamespaces are the network namespaces a transport made for the run.
type madeNamespaces interface {
	Transport() Transport
	ClientNIC() (host.NIC, error)
	Close() error
}

// namespaceLink is the link of a transport that made namespaces, or the
// error that made none.
func namespaceLink[M madeNamespaces](m M, err error) (*Link, error) {
	if err != nil {
		return nil, err
	}
	l := &Link{Transport: m.Transport(), made: m}
	if nic, err := m.ClientNIC(); err == nil {
		l.NIC = &nic
	}
	return l, nil
}

// Open sets up the transport kind for a run: nothing for loopback; a
// network namespace of the run's own for netns, and a veth pair between two
// namespaces for veth (both need root); for peer, one
// session with the zbench serve at server, authenticated with the token in
// tokenFile, so that a wrong address or token is one clear error before the
// run rather than one per benchmark. server and tokenFile are for peer only.
func Open(kind name.Transport, server, tokenFile string) (*Link, error) {
	switch kind {
	case name.Loopback, "":
		l := &Link{Transport: LoopbackTransport()}
		if nic, err := LocalNIC("", l.Transport.ServerAddr); err == nil {
			l.NIC = &nic
		}
		return l, nil
	case name.Veth:
		return namespaceLink(SetupVeth())
	case name.Netns:
		return namespaceLink(SetupLoopNamespace())
	case name.Peer:
		return openRemote(server, tokenFile)
	}
	return nil, fmt.Errorf("unknown transport %q (want loopback, netns, veth or peer)", kind)
}

func openRemote(server, tokenFile string) (*Link, error) {
	if server == "" {
		return nil, fmt.Errorf("transport peer needs the address of a zbench serve")
	}
	if tokenFile != "" {
		abs, err := filepath.Abs(tokenFile)
		if err != nil {
			return nil, fmt.Errorf("token file: %w", err)
		}
		tokenFile = abs
	}
	tok, err := ReadToken(tokenFile)
	if err != nil {
		return nil, err
	}
	s, err := Dial(server, tok)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	l := &Link{Transport: Transport{Name: name.Peer, Server: server, TokenFile: tokenFile, Token: tok}}
	var e host.Env
	if json.Unmarshal(s.Hello.Env, &e) == nil {
		l.PeerHost = &e
	}
	var n host.NIC
	if json.Unmarshal(s.Hello.NIC, &n) == nil && n.Name != "" {
		l.PeerNIC = &n
	}
	if nic, err := LocalNIC("", s.LocalAddr()); err == nil {
		l.NIC = &nic
	}
	return l, nil
}

// Close tears the link down (the veth pair's namespaces go); safe to call
// more than once, and on nil.
func (l *Link) Close() error {
	if l == nil || l.made == nil {
		return nil
	}
	return l.made.Close()
}
