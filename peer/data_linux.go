package peer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"

	"golang.org/x/sys/unix"

	"zbench/internal/sys"
)

// ListenData opens a remote end's data port on addr in the calling thread's
// network namespace: a TCP listener (backlog backlog) or a UDP socket
// (udp), on an ephemeral port, which it returns. When client is valid, the
// socket takes packets from that IPv4 address only: a socket filter drops
// everything else in the kernel, before a connection is set up or a
// datagram is queued, so nobody else can connect, send, or be counted. The
// descriptor is blocking and closed on exec.
func ListenData(udp bool, addr, client netip.Addr, backlog int) (fd, port int, err error) {
	if !addr.Is4() || (client.IsValid() && !client.Is4()) {
		return -1, 0, fmt.Errorf("data port: want IPv4 addresses, got %v and %v", addr, client)
	}
	typ := unix.SOCK_STREAM
	if udp {
		typ = unix.SOCK_DGRAM
	}
	fd, err = unix.Socket(unix.AF_INET, typ|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, 0, fmt.Errorf("data port: %w", err)
	}
	defer func() {
		if err != nil {
			unix.Close(fd)
		}
	}()
	if client.IsValid() {
		if err := onlyFrom(fd, client); err != nil {
			return -1, 0, err
		}
	}
	unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: addr.As4()}); err != nil {
		return -1, 0, fmt.Errorf("data port: bind %s: %w", addr, err)
	}
	if !udp {
		if err := unix.Listen(fd, backlog); err != nil {
			return -1, 0, fmt.Errorf("data port: listen: %w", err)
		}
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return -1, 0, fmt.Errorf("data port: %w", err)
	}
	return fd, sa.(*unix.SockaddrInet4).Port, nil
}

// skfNetOff is SKF_NET_OFF (-0x100000 as a 32-bit offset): classic BPF
// loads from it read the packet from its network (IP) header.
const skfNetOff = 0xfff00000

// onlyFrom attaches a classic BPF socket filter that keeps the packets whose
// IPv4 source is client and drops the rest. A TCP listener runs it on every
// SYN and handshake ACK, and its connections inherit it.
func onlyFrom(fd int, client netip.Addr) error {
	src := client.As4()
	prog := []unix.SockFilter{
		{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: uint32(skfNetOff + 12)}, // IPv4 source address
		{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, Jt: 0, Jf: 1, K: binary.BigEndian.Uint32(src[:])},
		{Code: unix.BPF_RET | unix.BPF_K, K: 0xffffffff}, // keep the whole packet
		{Code: unix.BPF_RET | unix.BPF_K, K: 0},          // drop
	}
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	if err := unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &fprog); err != nil {
		return fmt.Errorf("data port: filter on the client's address: %w", err)
	}
	return nil
}

// AcceptFrom accepts a connection on the listener fd from client (any
// address when client is not valid), closing any other. The socket filter
// of ListenData already keeps others out; this is the second check, and
// the one that holds without a filter. The connection is blocking and
// closed on exec.
func AcceptFrom(fd int, client netip.Addr) (int, error) {
	for {
		nfd, sa, err := unix.Accept4(fd, unix.SOCK_CLOEXEC)
		if err == unix.EINTR || err == unix.ECONNABORTED {
			continue
		}
		if err != nil {
			return -1, fmt.Errorf("accept: %w", err)
		}
		if in4, ok := sa.(*unix.SockaddrInet4); !client.IsValid() || (ok && in4.Addr == client.As4()) {
			return nfd, nil
		}
		unix.Close(nfd) // not the client this port is for
	}
}

// WriteReady sends a helper's data port on the raw descriptor fd: two bytes,
// big-endian. It is the start barrier of every remote end that is not
// relayed, locally and under zbench serve alike.
func WriteReady(fd, port int) error {
	var b [2]byte
	binary.BigEndian.PutUint16(b[:], uint16(port))
	return sys.WriteAll(fd, b[:])
}

// ReadReady reads what WriteReady sent from the raw descriptor fd.
func ReadReady(fd int) (int, error) {
	var b [2]byte
	if _, err := sys.ReadFull(fd, b[:]); err != nil {
		return 0, err
	}
	return decodeReady(b)
}

func decodeReady(b [2]byte) (int, error) {
	port := int(binary.BigEndian.Uint16(b[:]))
	if port == 0 {
		return 0, errors.New("the helper sent port 0")
	}
	return port, nil
}
