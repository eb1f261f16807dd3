//go:build !linux

package zerocopy

import (
	"fmt"

	"zbench/bench"
	"zbench/internal/sys"
)

var errNotLinux = fmt.Errorf("%w: the zero-copy send methods are Linux-only", sys.ErrNotSupported)

func sendRun(string, sendMethod, int, string) func(*bench.B) error {
	return func(*bench.B) error { return errNotLinux }
}

func responseRun(string, responseMethod, int64, string) func(*bench.B) error {
	return func(*bench.B) error { return errNotLinux }
}

// responder is Linux-only.
type responder struct{}

func noSender(*sendEnv) (sender, error) { return nil, errNotLinux }
func noResponse(*responder) error       { return errNotLinux }

// The methods of the tables, none of which runs here.
var (
	newWrite, newReadWrite, newMmapWrite, newSendfile, newSplice, newVmsplice = noSender, noSender, noSender, noSender, noSender, noSender
	newMsgZerocopy, newUringSend, newUringSendZC                              = noSender, noSender, noSender

	respondWriteSendfile, respondCork, respondMsgMore, respondWritev, respondCopy = noResponse, noResponse, noResponse, noResponse, noResponse
)
