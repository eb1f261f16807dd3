package sys

import (
	"sync/atomic"
	"unsafe"
)

// Memory handed to the kernel by address.
//
// The rule: every buffer whose address is kept as an integer (a uintptr in
// a variable, a struct field, an iovec, an SQE) lives on the Go heap, and is
// allocated with HeapBytes or HeapNew.
//
// Why: a goroutine's stack moves when it grows (the runtime copies it to a
// larger block and frees the old one), and it adjusts pointers into the
// stack, but never integers. A variable whose address is taken may live on
// the stack if the compiler proves it does not escape, and converting its
// address to a uintptr does not make it escape. So in
//
//	var buf [1]byte
//	p := uintptr(unsafe.Pointer(&buf[0]))
//	b.StartTimer()             // any call may grow the stack
//	syscall.RawSyscall(SYS_READ, fd, p, 1)
//
// the kernel may write into the old, freed stack. The heap does not move,
// so an address of heap memory stays valid as long as the memory is alive;
// keep it alive past the last system call that uses it (runtime.KeepAlive),
// since the collector does not see an integer as a reference.
//
// A conversion written directly in the argument list of the system call,
// syscall.Syscall(..., uintptr(unsafe.Pointer(&x)), ...), needs none of
// this (rule 4 of package unsafe: the compiler keeps x in place and alive
// for the call). TestHeapRule, in this package, checks the whole tree: a
// uintptr(unsafe.Pointer(x)) outside a call's argument list must trace x to
// HeapBytes or HeapNew in the same function. See docs/design.md.

// escape is written with the address of every allocation the helpers
// make, so that escape analysis cannot place one on a stack however the
// caller uses it; it is cleared straight after, so it holds nothing alive.
var escape unsafe.Pointer

// HeapBytes returns n zeroed bytes on the Go heap, never on a stack: their
// address may be kept as an integer.
func HeapBytes(n int) []byte {
	b := make([]byte, n)
	if n > 0 {
		atomic.StorePointer(&escape, unsafe.Pointer(&b[0]))
		atomic.StorePointer(&escape, nil)
	}
	return b
}

// HeapNew returns a new zero T on the Go heap, never on a stack: its
// address may be kept as an integer.
func HeapNew[T any]() *T {
	p := new(T)
	atomic.StorePointer(&escape, unsafe.Pointer(p))
	atomic.StorePointer(&escape, nil)
	return p
}
