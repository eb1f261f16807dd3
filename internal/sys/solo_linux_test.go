package sys

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// children lists the PIDs of this process's children, from every thread's
// /proc children file.
func children(t *testing.T) []int {
	t.Helper()
	files, _ := filepath.Glob("/proc/self/task/*/children")
	var pids []int
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, s := range strings.Fields(string(b)) {
			if pid, err := strconv.Atoi(s); err == nil {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

// threads reads the Threads: line of a process's status.
func threads(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "Threads:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("no Threads: line for %d", pid)
	return 0
}

// soloEcho runs fn on a locked thread and returns its result on a channel.
func soloEcho(fn func() error) <-chan error {
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		done <- fn()
	}()
	return done
}

func TestEchoStreamSingleThreaded(t *testing.T) {
	before := map[int]bool{}
	for _, p := range children(t) {
		before[p] = true
	}
	sp, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	done := soloEcho(func() error { return EchoStream(sp[1], sp[1], 3) })
	for i := range 3 {
		msg := []byte{byte(i), 'a', 'b'}
		// Written in two parts: the echo gathers a whole message first.
		if err := WriteAll(sp[0], msg[:1]); err != nil {
			t.Fatal(err)
		}
		if err := WriteAll(sp[0], msg[1:]); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, 3)
		if _, err := ReadFull(sp[0], got); err != nil {
			t.Fatal(err)
		}
		if string(got) != string(msg) {
			t.Fatalf("echo %q, want %q", got, msg)
		}
	}
	var kid int
	for _, p := range children(t) {
		if !before[p] {
			kid = p
		}
	}
	if kid == 0 {
		t.Fatal("no echo child found")
	}
	if n := threads(t, kid); n != 1 {
		t.Errorf("the echo child has %d threads, want 1", n)
	}
	// This process keeps its copy of the child's end open: only the
	// client's end going away is EOF for the child.
	unix.Close(sp[1])
	unix.Close(sp[0])
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("EOF between messages: %v, want success", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the echo did not end at EOF")
	}
}

func TestEchoStreamShortMessage(t *testing.T) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	var out [2]int
	if err := unix.Pipe2(out[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(out[0])
	done := soloEcho(func() error { return EchoStream(p[0], out[1], 4) })
	WriteAll(p[1], []byte("ab")) // half a message, then EOF
	unix.Close(p[1])
	err := <-done
	unix.Close(p[0])
	unix.Close(out[1])
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("EOF inside a message: %v, want %v", err, io.ErrUnexpectedEOF)
	}
	if err := EchoStream(p[0], out[1], 0); err == nil {
		t.Error("a zero message size was accepted")
	}
}

func TestEchoDatagramsFilter(t *testing.T) {
	srv, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(srv)
	if err := unix.Bind(srv, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	sa, _ := unix.Getsockname(srv)
	cli := func(from [4]byte) int {
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: from}); err != nil {
			t.Skipf("bind %v: %v", from, err)
		}
		tv := unix.NsecToTimeval((300 * time.Millisecond).Nanoseconds())
		unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
		if err := unix.Connect(fd, sa); err != nil {
			t.Fatal(err)
		}
		return fd
	}
	before := map[int]bool{}
	for _, p := range children(t) {
		before[p] = true
	}
	done := soloEcho(func() error { return EchoDatagrams(srv, 64, [4]byte{127, 0, 0, 1}, true) })
	ok, other := cli([4]byte{127, 0, 0, 1}), cli([4]byte{127, 0, 0, 2})
	defer unix.Close(ok)
	defer unix.Close(other)
	buf := make([]byte, 64)
	if _, err := unix.Write(ok, []byte("ping")); err != nil {
		t.Fatal(err)
	}
	if n, err := unix.Read(ok, buf); err != nil || string(buf[:n]) != "ping" {
		t.Errorf("the allowed sender got %q, %v; want its datagram back", buf[:max(n, 0)], err)
	}
	unix.Write(other, []byte("pong"))
	if n, err := unix.Read(other, buf); err == nil {
		t.Errorf("another sender got %q back; the filter should drop it", buf[:n])
	}
	// The echo never ends by itself: end its child as a killed helper's
	// child would be ended.
	for _, p := range children(t) {
		if !before[p] {
			unix.Kill(p, unix.SIGKILL)
		}
	}
	select {
	case err := <-done:
		if err == nil {
			t.Error("a killed echo child reported success")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("EchoDatagrams did not return after its child was killed")
	}
}

// soloExitWith is a Solo body: exit with the number arg points to.
//
//go:nosplit
//go:norace
func soloExitWith(arg unsafe.Pointer) uintptr {
	return *(*uintptr)(arg)
}

func TestSoloExitStatus(t *testing.T) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(p[0])
	defer unix.Close(p[1])
	for _, want := range []uintptr{0, 7, 200} {
		code := HeapNew[uintptr]()
		*code = want
		ws, err := Solo(p[0], p[1], soloExitWith, unsafe.Pointer(code))
		if err != nil {
			t.Fatal(err)
		}
		if !ws.Exited() || uintptr(ws.ExitStatus()) != want {
			t.Errorf("Solo's child ended with status %#x, want exit %d", uint32(ws), want)
		}
	}
}

// SoloError reads back the exit statuses SoloCode and the echo write.
func TestSoloError(t *testing.T) {
	exit := func(code uintptr) unix.WaitStatus { return unix.WaitStatus(code << 8) }
	if err := SoloError(exit(0)); err != nil {
		t.Errorf("exit 0: %v, want success", err)
	}
	if err := SoloError(exit(SoloCode(0, syscall.EBADF))); !errors.Is(err, syscall.EBADF) || !strings.HasPrefix(err.Error(), "read") {
		t.Errorf("a failed read: %v, want read: EBADF", err)
	}
	if err := SoloError(exit(SoloCode(SoloWriteBase, syscall.EPIPE))); !errors.Is(err, syscall.EPIPE) || !strings.HasPrefix(err.Error(), "write") {
		t.Errorf("a failed write: %v, want write: EPIPE", err)
	}
	if err := SoloError(exit(SoloShort)); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("a short message: %v, want %v", err, io.ErrUnexpectedEOF)
	}
	if err := SoloError(unix.WaitStatus(unix.SIGKILL)); err == nil {
		t.Error("a killed child reported success")
	}
}
