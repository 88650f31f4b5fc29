// Command {{name}} is a samuel plugin: a WASI preview1 reactor whose exports samuel calls.
//
// Each export is a func() int32 marked //go:wasmexport and listed in samuel-plugin.toml
// ([wasm].exports); it returns 0 for success and anything else as the plugin's own failure code.
// Input arrives on stdin (JSON), output goes to stdout, diagnostics to stderr. The sdk/samuel package
// wraps the host's extras (log, deadline, network) so this file never handles pointers.
package main

import (
	"os"

	"{{module}}/internal/todo"
	"{{module}}/sdk/samuel"
)

// workspace is where samuel mounts the project ([capabilities.filesystem] read = ["/workspace"]).
const workspace = "/workspace"

// main runs only in a command build (go build / tinygo build without -buildmode=c-shared), which is
// handy with `samuel plugin exec` or wasmtime. The reactor that `make wasm` builds never calls it.
func main() { os.Exit(int(lint())) }

// lint reports the lines under /workspace that contain a marker (default "TODO").
// Input (optional): {"marker": "FIXME", "max_findings": 50}. Output: {"findings": [...], "files": N}.
// It returns 1 when it found something, 2 on bad input, 0 otherwise.
//
//go:wasmexport lint
func lint() int32 {
	opts, err := samuel.InputObject()
	if err != nil {
		samuel.Diagf("{{name}}: %v", err)
		return 2
	}
	marker, err := samuel.String(opts, "marker", "TODO")
	if err != nil {
		samuel.Diagf("{{name}}: %v", err)
		return 2
	}
	limit, err := samuel.Number(opts, "max_findings", 100)
	if err != nil {
		samuel.Diagf("{{name}}: %v", err)
		return 2
	}
	report := todo.Scan(os.DirFS(workspace), marker, int(limit), samuel.PastDeadline)
	samuel.Logf(samuel.LevelInfo, "scanned %d files, %d findings", report.Files, len(report.Findings))
	if err := samuel.OutputJSON(report.JSON()); err != nil {
		samuel.Diagf("{{name}}: writing output: %v", err)
		return 2
	}
	if len(report.Findings) > 0 {
		return 1
	}
	return 0
}

// health is called by `samuel doctor`: return 0 when the plugin can work.
//
//go:wasmexport health
func health() int32 {
	if _, err := os.Stat(workspace); err != nil {
		samuel.Diagf("{{name}}: %s is not readable: %v", workspace, err)
		return 1
	}
	return 0
}
