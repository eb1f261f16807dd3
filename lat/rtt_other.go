//go:build !linux

package lat

import (
	"zbench/bench"
	"zbench/name"
)

func rttRun(string, string, int64, name.Placement, string) func(*bench.B) error { return notLinux }
func rttChild(string, int64) func([]string) error                               { return func([]string) error { return errNotLinux } }
