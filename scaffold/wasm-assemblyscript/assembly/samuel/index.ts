// The plugin-side SDK for samuel's plugin ABI, protocol 1, for AssemblyScript.
//
// A samuel plugin is a WASI preview1 reactor: the host instantiates it, calls _initialize once, then
// calls one declared export (a function `(): i32` exported from assembly/index.ts; 0 means success). The
// invocation's input is the plugin's stdin (JSON by convention), its output is stdout, and stderr
// carries diagnostics. This SDK wraps everything else the host offers, so plugin code never deals with
// pointers:
//
//   - input, inputObject, stringOption, numberOption: the invocation's input, raw or as a JSON object;
//   - output, outputBytes, outputJSON: the result on stdout; diag: a diagnostic line on stderr;
//   - log(Level.INFO, msg): a log line through the host (rate limited by the host to 10 per second);
//   - deadlineMs, pastDeadline: time left before the soft deadline from [runtime] timeout;
//   - fetch, get, Request, Response: HTTP(S) through the host's net_outbound, limited to
//     [capabilities.network].hosts;
//   - readDir, readFile, exists: files inside the granted folders (/workspace is the project);
//   - JSONValue, parseJSON: a small JSON value type and parser.
//
// Errors are values, not exceptions (AssemblyScript has no try/catch): calls that can fail return a
// Result with `ok`, `value` and `error`, and fetch returns a Response whose `ok` is false with `code` and
// `error` set.
//
// Re-export samuel_protocol_version from assembly/index.ts so the host can check at install time which
// protocol the plugin speaks. The SDK is vendored into each scaffolded plugin so a plugin builds offline
// and pins exactly the SDK it was tested with; it needs only the AssemblyScript compiler and
// @assemblyscript/wasi-shim.

export { PROTOCOL_VERSION, samuel_protocol_version } from "./abi";
export { deadlineMs, pastDeadline } from "./deadline";
export { DirEntry, exists, readDir, readFile } from "./fs";
export { diag, input, inputObject, numberOption, output, outputBytes, outputJSON, Result, stringOption } from "./io";
export { JSONValue, Kind, ParsedJSON, parseJSON, quote } from "./json";
export { Level, log } from "./log";
export { describeNetCode, fetch, get, NetCode, Request, Response } from "./net";
