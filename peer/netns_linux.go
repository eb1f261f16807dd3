package peer

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// Enter moves the calling OS thread into the network namespace at path and
// returns the function that moves it back. The caller must hold
// runtime.LockOSThread for the whole time: setns changes one thread, and a
// goroutine that migrated would create its sockets in the wrong namespace.
// An empty path is the current namespace: nothing moves.
func Enter(path string) (restore func() error, err error) {
	if path == "" {
		return func() error { return nil }, nil
	}
	orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("enter %s: %w", path, err)
	}
	target, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		unix.Close(orig)
		return nil, fmt.Errorf("enter %s: %w", path, err)
	}
	defer unix.Close(target)
	if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
		unix.Close(orig)
		return nil, fmt.Errorf("enter %s: setns: %w", path, err)
	}
	return func() error {
		defer unix.Close(orig)
		if err := unix.Setns(orig, unix.CLONE_NEWNET); err != nil {
			return fmt.Errorf("leave %s: setns: %w", path, err)
		}
		return nil
	}, nil
}

// Socket makes a socket inside the network namespace at netns ("" for this
// one) and returns the calling thread to its own. A socket belongs to the
// namespace it was made in wherever its thread goes next, so what the
// caller does with it (options, connect) can follow outside. The caller
// must hold runtime.LockOSThread, as for Enter.
func Socket(netns string, domain, typ, proto int) (int, error) {
	restore, err := Enter(netns)
	if err != nil {
		return -1, err
	}
	fd, err := unix.Socket(domain, typ, proto)
	if rerr := restore(); rerr != nil {
		if err == nil {
			unix.Close(fd)
		}
		return -1, errors.Join(err, rerr)
	}
	if err != nil {
		return -1, err
	}
	return fd, nil
}
