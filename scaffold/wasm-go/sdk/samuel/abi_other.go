//go:build !wasip1 || samuel_standalone

package samuel

import (
	"fmt"
	"os"
)

// Stand-ins used when the package is built for anything but wasip1 (`go test` on the author's machine),
// or with -tags samuel_standalone (a wasip1 module that imports nothing but WASI, so it runs under
// `samuel plugin exec`, wasmtime or any WASI runtime). Plugin logic stays testable, and nothing
// pretends to be the samuel host: no protocol export, no network.

// rawLog writes the line to stderr, as samuel prints kept lines.
func rawLog(level, msg string) { fmt.Fprintf(os.Stderr, "%s: %s\n", level, msg) }

// rawDeadlineMs reports a full hour left: without samuel there is no soft deadline.
func rawDeadlineMs() int64 { return 3_600_000 }

func rawFetch(req []byte) ([]byte, int32) { return nil, codeNotInSamuel }
