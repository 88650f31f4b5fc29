//go:build !wasip1

package samuel

import (
	"fmt"
	"os"
)

// Stand-ins used when the package is built for anything but wasip1, i.e. `go test` on the author's
// machine: plugin logic stays testable natively, and nothing pretends to be the sandbox.

func rawLog(level, msg string) { fmt.Fprintf(os.Stderr, "[%s] %s\n", level, msg) }

// rawDeadlineMs reports a full hour left: native tests have no soft deadline.
func rawDeadlineMs() int64 { return 3_600_000 }

func rawFetch(req []byte) ([]byte, int32) { return nil, codeNotInSamuel }
