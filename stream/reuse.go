package stream

import "zbench/bench"

// Reused is the Run of a benchmark whose set-up (a receiver, a connection, a
// file) costs more than a sample: open makes it on a worker's first run and
// later runs of that worker reuse it; a run that fails drops it, so the next
// starts afresh. It dies with the worker.
func Reused[S interface {
	Measure(*bench.B) error
	Close()
}](open func(*bench.B) (S, error)) func(*bench.B) error {
	var st S
	have := false
	return func(b *bench.B) error {
		if !have {
			s, err := open(b)
			if err != nil {
				return err
			}
			st, have = s, true
		}
		if err := st.Measure(b); err != nil {
			st.Close()
			have = false
			return err
		}
		return nil
	}
}
