package host

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"zbench/internal/sys"
)

// NICFor finds the interface that holds local, the address a benchmark's
// socket used, and reads its driver, speed, MTU and offloads. It must run
// in the network namespace of that address (a locked thread inside it, for
// veth).
func NICFor(local netip.Addr) (NIC, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return NIC{}, err
	}
	for _, ifc := range ifs {
		addrs, _ := ifc.Addrs()
		for _, a := range addrs {
			if p, err := netip.ParsePrefix(a.String()); err == nil && p.Addr().Unmap() == local.Unmap() {
				return probeNIC(ifc), nil
			}
		}
	}
	return NIC{}, fmt.Errorf("no interface has address %s", local)
}

func probeNIC(ifc net.Interface) NIC {
	n := NIC{Name: ifc.Name, MTU: ifc.MTU}
	sysDir := filepath.Join("/sys/class/net", ifc.Name)
	if b, err := os.ReadFile(filepath.Join(sysDir, "speed")); err == nil {
		n.SpeedMbps = parseSpeed(string(b))
	}
	_, devErr := os.Stat(filepath.Join(sysDir, "device"))
	if fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0); err == nil {
		defer unix.Close(fd)
		if info, err := unix.IoctlGetEthtoolDrvinfo(fd, ifc.Name); err == nil {
			n.Driver = unix.ByteSliceToString(info.Driver[:])
			n.Bus = unix.ByteSliceToString(info.Bus_info[:])
		}
		n.Offloads = map[string]bool{}
		for name, cmd := range map[string]uint32{
			"sg": unix.ETHTOOL_GSG, "tx-checksum": unix.ETHTOOL_GTXCSUM, "tso": unix.ETHTOOL_GTSO,
			"gso": unix.ETHTOOL_GGSO, "gro": unix.ETHTOOL_GGRO,
		} {
			if v, err := ethtoolValue(fd, ifc.Name, cmd); err == nil {
				n.Offloads[name] = v != 0
			}
		}
		if len(n.Offloads) == 0 {
			n.Offloads = nil
		}
	}
	n.Kind = nicKind(ifc.Flags&net.FlagLoopback != 0, n.Driver, devErr == nil)
	n.Note = nicNote(&n)
	return n
}

// ethtoolValue issues one of the legacy ETHTOOL_G* ioctls that return a
// struct ethtool_value {cmd, data}.
func ethtoolValue(fd int, ifname string, cmd uint32) (uint32, error) {
	// ifr holds val's address as an integer: val is heap memory (see
	// sys.HeapBytes).
	val := sys.HeapNew[struct{ cmd, data uint32 }]()
	val.cmd = cmd
	var ifr struct {
		name [unix.IFNAMSIZ]byte
		data uintptr
		_    [16]byte
	}
	copy(ifr.name[:], ifname)
	ifr.data = uintptr(unsafe.Pointer(val))
	_, _, e := syscall.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SIOCETHTOOL, uintptr(unsafe.Pointer(&ifr)))
	runtime.KeepAlive(val)
	if e != 0 {
		return 0, fmt.Errorf("ethtool %#x on %s: %w", cmd, ifname, e)
	}
	return val.data, nil
}
