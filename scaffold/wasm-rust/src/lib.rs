//! {{name}}: a samuel plugin, a WASI preview1 module whose exports samuel calls.
//!
//! Each export is a `fn() -> i32` named in `samuel::export!` and listed in samuel-plugin.toml
//! (`[wasm].exports`); it returns 0 for success and anything else as the plugin's own failure code.
//! Input arrives on stdin (JSON), output goes to stdout, diagnostics to stderr. The `samuel` module
//! (src/samuel/) wraps the host's extras (log, deadline, network), so this file needs no `unsafe`.

#![deny(unsafe_code)]

mod samuel;
mod todo;

use std::path::Path;

/// Where samuel mounts the project (`[capabilities.filesystem] read = ["/workspace"]`).
const WORKSPACE: &str = "/workspace";

samuel::export!(lint, health);

/// Reports the lines under /workspace that contain a marker (default "TODO").
/// Input (optional): `{"marker": "FIXME", "max_findings": 50}`. Output: `{"findings": [...], "files": N}`.
/// Returns 1 when it found something, 2 on bad input, 0 otherwise.
fn lint() -> i32 {
    let options = samuel::input_object().and_then(|opts| {
        let marker = samuel::string_option(&opts, "marker", "TODO")?;
        let limit = samuel::number_option(&opts, "max_findings", 100.0)?;
        Ok((marker, limit))
    });
    let (marker, limit) = match options {
        Ok(o) => o,
        Err(e) => {
            samuel::diag(&format!("{{name}}: {}", e));
            return 2;
        }
    };
    let report = todo::scan(Path::new(WORKSPACE), &marker, limit.max(0.0) as usize, &samuel::past_deadline);
    samuel::log(
        samuel::Level::Info,
        &format!("scanned {} files, {} findings", report.files, report.findings.len()),
    );
    if let Err(e) = samuel::output_json(&report.to_json()) {
        samuel::diag(&format!("{{name}}: writing output: {}", e));
        return 2;
    }
    if report.findings.is_empty() {
        0
    } else {
        1
    }
}

/// Called by `samuel doctor`: returns 0 when the plugin can work.
fn health() -> i32 {
    match std::fs::metadata(WORKSPACE) {
        Ok(_) => 0,
        Err(e) => {
            samuel::diag(&format!("{{name}}: {} is not readable: {}", WORKSPACE, e));
            1
        }
    }
}
