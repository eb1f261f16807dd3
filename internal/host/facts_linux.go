package host

import (
	"os"

	"golang.org/x/sys/unix"
)

// systemFacts fills what the kernel tells through system calls: uname and
// the affinity mask.
func systemFacts(f *facts) {
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		f.hostname = unix.ByteSliceToString(u.Nodename[:])
		f.release = unix.ByteSliceToString(u.Release[:])
		f.version = unix.ByteSliceToString(u.Version[:])
	}
	// Ask for the thread group's (main thread's) mask rather than pid 0, the
	// calling thread, which a caller may already have pinned. CPUSet is a
	// fixed 1024-CPU set; on larger machines the call fails with EINVAL and
	// probe falls back to Cpus_allowed_list in /proc/self/status.
	var set unix.CPUSet
	if unix.SchedGetaffinity(os.Getpid(), &set) == nil {
		f.cpusAllowed = set.Count()
	}
}
