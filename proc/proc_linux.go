package proc

import (
	"fmt"
	"syscall"

	"zbench/bench"
)

// runSpawn times b.N spawns of trueProgram. The argument vector is built
// before the timer starts; ForkExec converts it to C strings on each call
// (a few hundred bytes, nanoseconds against the op's hundreds of
// microseconds). A program that does not exit with status 0 is an error,
// never a fast number.
func runSpawn(b *bench.B) error {
	argv := []string{trueProgram}
	attr := &syscall.ProcAttr{Env: []string{}}
	b.StartTimer()
	for range b.N {
		pid, err := syscall.ForkExec(trueProgram, argv, attr)
		if err != nil {
			return fmt.Errorf("spawning %s: %w", trueProgram, err)
		}
		var ws syscall.WaitStatus
		for {
			_, err = syscall.Wait4(pid, &ws, 0, nil)
			if err != syscall.EINTR {
				break
			}
		}
		if err != nil {
			return fmt.Errorf("waiting for %s: %w", trueProgram, err)
		}
		if !ws.Exited() || ws.ExitStatus() != 0 {
			return fmt.Errorf("%s ended with %v", trueProgram, ws)
		}
	}
	b.StopTimer()
	return nil
}
