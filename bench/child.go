package bench

import (
	"fmt"
	"os"
	"os/exec"
)

// ChildCommand is the hidden sub-command that runs a benchmark's helper
// process: a ring member, an echo peer, a receiver in another network
// namespace.
const ChildCommand = "__child"

// StartChild starts a helper process for the benchmark spec: zbench
// re-executed as `__child SPEC ARGS...`, running spec.Child(args). files
// become descriptors 3, 4, ... in the child. The child stays in the worker's
// process group, so the runner's group kill reaps it with the worker, and it
// is killed outright if the thread that started it dies (Pdeathsig): no
// helper outlives its benchmark. The caller waits for it (cmd.Wait).
func StartChild(spec string, args []string, files ...*os.File) (*exec.Cmd, error) {
	cmd := exec.Command(selfExe(), append([]string{ChildCommand, spec}, args...)...)
	cmd.ExtraFiles = files
	cmd.Stderr = os.Stderr
	cmd.Env = os.Environ()
	cmd.SysProcAttr = procAttr(false)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s helper: %w", spec, err)
	}
	return cmd, nil
}

// ServeChild is the body of `zbench __child SPEC ARGS...`. It returns the
// process exit status: 0, or 1 with the error on stderr.
func ServeChild(specs []Spec, args []string) int {
	if len(args) < 1 {
		fmt.Fprintln(os.Stderr, "zbench: the child sub-command is internal to `zbench run`")
		return 2
	}
	for i := range specs {
		if specs[i].Name == args[0] && specs[i].Child != nil {
			if err := specs[i].Child(args[1:]); err != nil {
				fmt.Fprintf(os.Stderr, "zbench %s helper: %v\n", args[0], err)
				return 1
			}
			return 0
		}
	}
	fmt.Fprintf(os.Stderr, "zbench: no helper process for %q\n", args[0])
	return 2
}

// selfExe is the running binary: a worker's helpers are the same build.
func selfExe() string {
	if exe, err := os.Executable(); err == nil {
		return exe
	}
	return "/proc/self/exe"
}

// Serve runs args (a process's arguments after its name) as a worker or a
// helper of specs when they ask for one, and returns the exit status and
// true; otherwise 0 and false. It lets any binary that holds specs, zbench
// or a family's test binary, be re-executed as its own worker.
func Serve(specs []Spec, args []string) (int, bool) {
	if len(args) == 0 {
		return 0, false
	}
	switch args[0] {
	case WorkerCommand:
		return ServeWorker(specs, args[1:]), true
	case ChildCommand:
		return ServeChild(specs, args[1:]), true
	}
	return 0, false
}
