// Package samuel is the plugin-side SDK for samuel's plugin ABI, protocol 1.
//
// A samuel plugin is a WASI preview1 reactor: the host instantiates it, calls _initialize once, then
// calls one declared export (a `func() int32` marked //go:wasmexport; 0 means success). The
// invocation's input is the plugin's stdin (JSON by convention), its output is stdout, and stderr
// carries diagnostics. This package wraps everything else the host offers so plugin code never deals
// with pointers or buffers:
//
//   - Input, InputObject: read the invocation's input (stdin), raw or as a JSON object.
//   - Output, OutputJSON, Outputf: write the result to stdout; Diagf writes a diagnostic to stderr.
//   - Log, Logf: structured log lines through the host (rate limited by the host to 10 per second).
//   - DeadlineMs, Deadline, PastDeadline: time left before the soft deadline from [runtime] timeout.
//   - Fetch, Get: HTTP(S) through the host's net_outbound, limited to [capabilities.network].hosts.
//   - ParseJSON, MarshalJSON, Fields: a tiny JSON codec that needs no reflection, so it behaves the same
//     under TinyGo and Go.
//
// The package also exports samuel_protocol_version (returning ProtocolVersion) from the module, so any
// plugin importing it declares the protocol it was written against.
//
// It builds with TinyGo (0.34 or later, -target=wasi) and with Go 1.24 or later (GOOS=wasip1
// GOARCH=wasm). On any other GOOS (e.g. `go test` on your machine), and in a wasip1 build with
// -tags samuel_standalone (a module that imports only WASI, for `samuel plugin exec` or wasmtime), the
// host calls fall back to local stand-ins: Log writes to stderr, DeadlineMs reports plenty of time, and
// Fetch returns ErrNotInSamuel, so plugin logic can be tested without samuel.
//
// The package is vendored into each scaffolded plugin (sdk/samuel) so a plugin builds offline and pins
// exactly the SDK it was tested with. It uses only the standard library.
package samuel

// ProtocolVersion is the samuel plugin ABI protocol this SDK implements.
const ProtocolVersion = 1
