//go:build !linux

package host

import (
	"errors"
	"net/netip"
)

// NICFor is Linux-only.
func NICFor(netip.Addr) (NIC, error) { return NIC{}, errors.New("NIC probing is Linux-only") }
