//go:build !linux

package peer

import (
	"fmt"

	"zbench/internal/host"

	"zbench/internal/sys"
)

var errNotLinux = fmt.Errorf("%w: network namespaces are Linux-only", sys.ErrNotSupported)

// Enter is Linux-only; elsewhere only the current namespace exists.
func Enter(path string) (func() error, error) {
	if path == "" {
		return func() error { return nil }, nil
	}
	return nil, errNotLinux
}

type VethPair struct{}

type LoopNamespace struct{}

func SetupLoopNamespace() (*LoopNamespace, error)     { return nil, errNotLinux }
func LoopNamespaceSupported() error                   { return errNotLinux }
func (l *LoopNamespace) Transport() Transport         { return Transport{} }
func (l *LoopNamespace) ClientNIC() (host.NIC, error) { return host.NIC{}, errNotLinux }
func (l *LoopNamespace) Names() []string              { return nil }
func (l *LoopNamespace) Close() error                 { return nil }

func SetupVeth() (*VethPair, error)              { return nil, errNotLinux }
func VethSupported() error                       { return errNotLinux }
func SweepStale()                                {}
func (v *VethPair) Transport() Transport         { return Transport{} }
func (v *VethPair) Names() []string              { return nil }
func (v *VethPair) Close() error                 { return nil }
func (v *VethPair) ClientNIC() (host.NIC, error) { return host.NIC{}, errNotLinux }
