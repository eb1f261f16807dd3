//go:build !linux

package host

import "os"

// systemFacts elsewhere knows only the host name; the rest of the probe
// reads Linux's /proc and /sys and finds nothing.
func systemFacts(f *facts) {
	f.hostname, _ = os.Hostname()
}
