// Package peer provides the other end of zbench's network benchmarks, a part
// of the measure stage: where the client and the server of a round trip or a
// stream live. Transports are "loopback" (both ends in this network
// namespace, 127.0.0.1), "veth" (two network namespaces joined by a veth
// link, made for the run by the command and removed on every exit path), and
// later "peer" (a remote `zbench serve` over a real NIC).
//
// The command sets a transport up in the parent and hands it to workers
// through the environment (Env); a worker's measuring thread and its helper
// processes enter the namespaces they need with Enter, one OS thread at a
// time, so nothing else in the process moves.
package peer

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"strings"

	"zbench/internal/host"
	"zbench/internal/sys"
)

// Transport names.
const (
	Loopback = "loopback"
	Veth     = "veth"
	// Remote is a `zbench serve` on another host, over a real NIC.
	Remote = "peer"
)

// Transports are the local transports a benchmark can be declared for.
var Transports = []string{Loopback, Veth}

// AllTransports adds the remote one, for benchmarks that can run against
// `zbench serve`.
var AllTransports = []string{Loopback, Veth, Remote}

// Transport says where the two ends of a network benchmark live.
type Transport struct {
	Name string
	// ServerAddr is the address the server end listens on and the client
	// connects to.
	ServerAddr netip.Addr
	// ClientNetns and ServerNetns are the network namespaces (paths of
	// nsfs files) of the two ends; "" means the current one.
	ClientNetns, ServerNetns string
	// Server is the control address of the remote `zbench serve`, and
	// Token the shared secret it may require (Remote only).
	Server string
	Token  []byte
}

// envVeth carries a veth set-up from the command to its workers:
// "CLIENT_NETNS,SERVER_NETNS,SERVER_ADDR". envPeer and envPeerToken carry
// the remote server's HOST:PORT and the path of the token file.
const (
	envVeth      = "ZBENCH_VETH"
	envPeer      = "ZBENCH_PEER"
	envPeerToken = "ZBENCH_PEER_TOKEN_FILE"
)

// RemoteEnv is what workers need to reach the remote server.
func RemoteEnv(server, tokenFile string) []string {
	return []string{envPeer + "=" + server, envPeerToken + "=" + tokenFile}
}

// ReadToken reads a token file: its content less surrounding white space,
// which must not be empty. "" reads no token.
func ReadToken(path string) ([]byte, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("token file: %w", err)
	}
	tok := []byte(strings.TrimSpace(string(b)))
	if len(tok) == 0 {
		return nil, fmt.Errorf("token file %s is empty", path)
	}
	return tok, nil
}

// ErrNotSetUp is returned when a worker asks for a transport the command did
// not set up.
var ErrNotSetUp = errors.New("transport not set up")

// Lookup returns the transport name as set up for this process.
func Lookup(name string) (Transport, error) {
	switch name {
	case Loopback:
		return Transport{Name: Loopback, ServerAddr: netip.AddrFrom4([4]byte{127, 0, 0, 1})}, nil
	case Veth:
		v := os.Getenv(envVeth)
		if v == "" {
			return Transport{}, fmt.Errorf("veth: %w (run it with zbench run --transport veth)", ErrNotSetUp)
		}
		return parseVethEnv(v)
	case Remote:
		server := os.Getenv(envPeer)
		if server == "" {
			return Transport{}, fmt.Errorf("peer: %w (run it with zbench run --transport peer --peer HOST:PORT)", ErrNotSetUp)
		}
		tok, err := ReadToken(os.Getenv(envPeerToken))
		if err != nil {
			return Transport{}, err
		}
		return Transport{Name: Remote, Server: server, Token: tok}, nil
	}
	return Transport{}, fmt.Errorf("unknown transport %q (want %s)", name, strings.Join(AllTransports, ", "))
}

func parseVethEnv(v string) (Transport, error) {
	parts := strings.Split(v, ",")
	if len(parts) != 3 {
		return Transport{}, fmt.Errorf("%s=%q: want CLIENT_NETNS,SERVER_NETNS,SERVER_ADDR", envVeth, v)
	}
	addr, err := netip.ParseAddr(parts[2])
	if err != nil {
		return Transport{}, fmt.Errorf("%s: %w", envVeth, err)
	}
	return Transport{Name: Veth, ClientNetns: parts[0], ServerNetns: parts[1], ServerAddr: addr}, nil
}

// stalePID parses "zbench-PID-c" or "zbench-PID-s".
func stalePID(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, "zbench-")
	if !ok {
		return 0, false
	}
	num, side, ok := strings.Cut(rest, "-")
	if !ok || (side != "c" && side != "s") {
		return 0, false
	}
	pid, err := strconv.Atoi(num)
	return pid, err == nil && pid > 0
}

// LocalNIC describes the interface holding local in the network namespace
// netns ("" for this one), probed from a locked thread inside it.
func LocalNIC(netns string, local netip.Addr) (host.NIC, error) {
	type result struct {
		nic host.NIC
		err error
	}
	c := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		restore, err := Enter(netns)
		if err != nil {
			c <- result{err: err}
			return // the thread stays locked and dies with the goroutine
		}
		nic, err := host.NICFor(local)
		if rerr := restore(); rerr != nil {
			c <- result{err: rerr}
			return
		}
		runtime.UnlockOSThread()
		c <- result{nic, err}
	}()
	r := <-c
	return r.nic, r.err
}

// Requires are the prerequisites of a benchmark declared for transport:
// root and iproute2 for veth, a server set up by the command for peer.
func Requires(transport string) []func() error {
	switch transport {
	case Veth:
		return []func() error{VethSupported}
	case Remote:
		return []func() error{remoteSetUp}
	}
	return nil
}

func remoteSetUp() error {
	if _, err := Lookup(Remote); err != nil {
		return fmt.Errorf("%w: %v", sys.ErrNotSupported, err)
	}
	return nil
}
