package sys

import (
	"encoding/binary"
	"errors"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// cmsg builds one control message as the kernel lays it out: header, data,
// padding to the next header.
func cmsg(level, typ int32, data []byte) []byte {
	b := make([]byte, unix.CmsgSpace(len(data)))
	h := (*unix.Cmsghdr)(unsafe.Pointer(&b[0]))
	h.Level, h.Type = level, typ
	h.SetLen(unix.CmsgLen(len(data)))
	copy(b[unix.CmsgLen(0):], data)
	return b
}

// extErr builds a struct sock_extended_err.
func extErr(errno uint32, origin, code uint8, info, data uint32) []byte {
	b := make([]byte, sizeofSockExtendedErr)
	ne := binary.NativeEndian
	ne.PutUint32(b[0:], errno)
	b[4], b[6] = origin, code
	ne.PutUint32(b[8:], info)
	ne.PutUint32(b[12:], data)
	return b
}

func zc(info, data uint32, code uint8) []byte {
	return cmsg(unix.SOL_IP, unix.IP_RECVERR, extErr(0, unix.SO_EE_ORIGIN_ZEROCOPY, code, info, data))
}

func TestParseZerocopy(t *testing.T) {
	const copied = unix.SO_EE_CODE_ZEROCOPY_COPIED
	timestamping := cmsg(unix.SOL_SOCKET, unix.SO_TIMESTAMPING, make([]byte, 3*16))
	tests := []struct {
		name    string
		oob     []byte
		want    ZerocopyRange
		wantLen uint64
		err     string
	}{
		{"one call", zc(0, 0, 0), ZerocopyRange{0, 0, false}, 1, ""},
		{"range", zc(5, 41, 0), ZerocopyRange{5, 41, false}, 37, ""},
		{"copied", zc(7, 9, copied), ZerocopyRange{7, 9, true}, 3, ""},
		{"wrap-around", zc(0xfffffffe, 1, copied), ZerocopyRange{0xfffffffe, 1, true}, 4, ""},
		{"last value", zc(0xffffffff, 0xffffffff, 0), ZerocopyRange{0xffffffff, 0xffffffff, false}, 1, ""},
		{"IPv6", cmsg(unix.SOL_IPV6, unix.IPV6_RECVERR, extErr(0, unix.SO_EE_ORIGIN_ZEROCOPY, 0, 3, 4)), ZerocopyRange{3, 4, false}, 2, ""},
		{"after another cmsg", append(timestamping, zc(10, 12, copied)...), ZerocopyRange{10, 12, true}, 3, ""},
		{"other code bits", zc(1, 1, 0x80), ZerocopyRange{1, 1, false}, 1, ""},
		{"empty", nil, ZerocopyRange{}, 0, "no IP_RECVERR"},
		{"only another cmsg", timestamping, ZerocopyRange{}, 0, "no IP_RECVERR"},
		{"ICMP error", cmsg(unix.SOL_IP, unix.IP_RECVERR, extErr(uint32(unix.EHOSTUNREACH), unix.SO_EE_ORIGIN_ICMP, 1, 0, 0)), ZerocopyRange{}, 0, "origin 2"},
		{"errno set", cmsg(unix.SOL_IP, unix.IP_RECVERR, extErr(uint32(unix.ENOMEM), unix.SO_EE_ORIGIN_ZEROCOPY, 0, 0, 0)), ZerocopyRange{}, 0, "with an error"},
		{"truncated data", cmsg(unix.SOL_IP, unix.IP_RECVERR, make([]byte, 8)), ZerocopyRange{}, 0, "truncated"},
		{"length past the buffer", zc(1, 2, 0)[:unix.CmsgLen(0)+4], ZerocopyRange{}, 0, "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseZerocopy(tt.oob)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			if got.Len() != tt.wantLen {
				t.Errorf("Len() = %d, want %d", got.Len(), tt.wantLen)
			}
		})
	}
}

func TestZerocopyRangeContains(t *testing.T) {
	r := ZerocopyRange{Lo: 0xfffffffe, Hi: 1}
	for _, id := range []uint32{0xfffffffe, 0xffffffff, 0, 1} {
		if !r.Contains(id) {
			t.Errorf("%+v does not contain %#x", r, id)
		}
	}
	for _, id := range []uint32{2, 0xfffffffd, 0x80000000} {
		if r.Contains(id) {
			t.Errorf("%+v contains %#x", r, id)
		}
	}
	if one := (ZerocopyRange{Lo: 5, Hi: 5}); !one.Contains(5) || one.Contains(4) || one.Contains(6) {
		t.Errorf("single-call range wrong")
	}
}

func TestParseZerocopyAllocs(t *testing.T) {
	oob := zc(1, 9, unix.SO_EE_CODE_ZEROCOPY_COPIED)
	if n := testing.AllocsPerRun(100, func() { ParseZerocopy(oob) }); n != 0 {
		t.Errorf("ParseZerocopy allocates %v times per call", n)
	}
}

// A real MSG_ZEROCOPY send over loopback completes, and the kernel says it
// copied (loopback always does: msg_zerocopy.rst, "Loopback").
func TestRecvZerocopyLoopback(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			buf := make([]byte, 1<<16)
			for {
				if _, err := c.Read(buf); err != nil {
					break
				}
			}
			c.Close()
		}
	}()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ZEROCOPY, 1); err != nil {
		t.Skipf("SO_ZEROCOPY: %v", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if err := unix.Connect(fd, &unix.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	buf, err := unix.Mmap(-1, 0, 64<<10, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_POPULATE)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(buf)
	const calls = 3
	for range calls {
		if n, err := unix.SendmsgN(fd, buf, nil, nil, unix.MSG_ZEROCOPY); err != nil || n != len(buf) {
			t.Fatalf("send: %d, %v", n, err)
		}
	}
	oob := make([]byte, ZerocopyOOBSize)
	var done uint64
	deadline := time.Now().Add(5 * time.Second)
	for done < calls {
		if err := WaitErrqueue(fd, time.Until(deadline)); err != nil {
			t.Fatal(err)
		}
		r, ok, err := RecvZerocopy(fd, oob)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			continue
		}
		if uint64(r.Lo) != done {
			t.Errorf("completion %+v, want it to start at %d", r, done)
		}
		if !r.Copied {
			t.Errorf("loopback completion %+v not flagged copied", r)
		}
		done += r.Len()
	}
	if _, ok, err := RecvZerocopy(fd, oob); ok || err != nil {
		t.Errorf("queue not empty after %d completions (ok %v, err %v)", calls, ok, err)
	}
	if err := WaitErrqueue(fd, time.Millisecond); err == nil {
		t.Error("WaitErrqueue returned with nothing queued")
	} else if errors.Is(err, unix.EBADF) {
		t.Fatal(err)
	}
}
