// {{name}}: a samuel plugin, a WASI preview1 reactor whose exports samuel calls.
//
// Each export is a function `(): i32` exported from this file and listed in samuel-plugin.toml
// ([wasm].exports); it returns 0 for success and anything else as the plugin's own failure code. Input
// arrives on stdin (JSON), output goes to stdout, diagnostics to stderr. The SDK in ./samuel wraps the
// host's extras (log, deadline, network, files), so this file never handles pointers.

import * as samuel from "./samuel";
import { scan } from "./todo";

// Tells samuel at install time which plugin protocol this module speaks.
export { samuel_protocol_version } from "./samuel";

/** Where samuel mounts the project ([capabilities.filesystem] read = ["/workspace"]). */
const WORKSPACE = "/workspace";

/**
 * Reports the lines under /workspace that contain a marker (default "TODO").
 * Input (optional): {"marker": "FIXME", "max_findings": 50}. Output: {"findings": [...], "files": N}.
 * Returns 1 when it found something, 2 on bad input, 0 otherwise.
 */
export function lint(): i32 {
  const opts = samuel.inputObject();
  if (!opts.ok) {
    samuel.diag("{{name}}: " + opts.error);
    return 2;
  }
  const marker = samuel.stringOption(opts.value, "marker", "TODO");
  if (!marker.ok) {
    samuel.diag("{{name}}: " + marker.error);
    return 2;
  }
  const limit = samuel.numberOption(opts.value, "max_findings", 100);
  if (!limit.ok) {
    samuel.diag("{{name}}: " + limit.error);
    return 2;
  }
  const report = scan(WORKSPACE, marker.value, <i32>Math.max(0, limit.value), samuel.pastDeadline);
  samuel.log(
    samuel.Level.INFO,
    "scanned " + report.files.toString() + " files, " + report.findings.length.toString() + " findings",
  );
  if (!samuel.outputJSON(report.toJSON())) {
    samuel.diag("{{name}}: writing output failed");
    return 2;
  }
  return report.findings.length > 0 ? 1 : 0;
}

/** Called by `samuel doctor`: returns 0 when the plugin can work. */
export function health(): i32 {
  if (!samuel.exists(WORKSPACE)) {
    samuel.diag("{{name}}: " + WORKSPACE + " is not readable");
    return 1;
  }
  return 0;
}
