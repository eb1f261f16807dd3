//go:build !linux

package proc

import (
	"fmt"

	"zbench/bench"
)

func runSpawn(*bench.B) error {
	return fmt.Errorf("%w: process creation is measured on Linux only", bench.ErrNotSupported)
}
