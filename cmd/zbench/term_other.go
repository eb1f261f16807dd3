//go:build !linux

package main

import "os"

// isTerminal is false off Linux, where zbench does not measure (run needs
// Linux) and so draws no progress.
func isTerminal(*os.File) bool { return false }
