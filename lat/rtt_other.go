//go:build !linux

package lat

import "zbench/bench"

func rttRun(string, string, int64, string, string) func(*bench.B) error { return notLinux }
func rttChild(string, int64) func([]string) error                       { return func([]string) error { return errNotLinux } }
