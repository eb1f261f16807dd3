//go:build !linux

package peer

import (
	"context"
	"net/netip"
	"os"
	"os/exec"
)

// The data ports and helpers of remote ends are Linux-only, as the
// benchmarks that use them.

func ListenData(udp bool, addr, client netip.Addr, backlog int) (fd, port int, err error) {
	return -1, 0, errNotLinux
}
func AcceptFrom(fd int, client netip.Addr) (int, error) { return -1, errNotLinux }
func WriteReady(fd, port int) error                     { return errNotLinux }
func ReadReady(fd int) (int, error)                     { return 0, errNotLinux }

type HelperStart func(files ...*os.File) (*exec.Cmd, error)

func StartHelper(ctx context.Context, relayed bool, start HelperStart) (RemoteEnd, error) {
	return nil, errNotLinux
}
