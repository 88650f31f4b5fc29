/**
 * The Rust scaffold end to end (e2e_lang_support.ts): `samuel new plugin --lang rust`, a probe export
 * written against the Rust SDK, `make test` (cargo test, natively), `make wasm` with the machine's Rust
 * for WASI preview1 (scripts/rust-wasm.sh: Debian's rustc 1.63 with wasm32-wasi here, which
 * scripts/ensure-toolchain.sh installs; any rustup toolchain with wasm32-wasip1 elsewhere), validate,
 * install, run, bench.
 */

import { authorLoop, type Language } from "./e2e_lang_support.ts";
import { MAKE, RUST_WASM, sh, withTempDir } from "./helpers.ts";

/** The probe, as an author would write it: plain Rust over the SDK, no `unsafe`. */
const PROBE_RS =
  `//! probe: reads {"greeting", "allowed", "denied", "wait"}, logs a line, fetches the allowed URL and
//! then the denied one, optionally waits for the soft deadline, and reports all of it as JSON.

use crate::samuel::{self, Json};

samuel::export!(probe);

fn probe() -> i32 {
    let input = match samuel::input_object() {
        Ok(v) => v,
        Err(e) => {
            samuel::diag(&format!("probe: {}", e));
            return 2;
        }
    };
    let text = |key: &str| samuel::string_option(&input, key, "").unwrap_or_default();
    let greeting = text("greeting");
    let mut out = vec![
        ("greeting", Json::from(greeting.as_str())),
        ("deadline_start", Json::from(samuel::deadline_ms())),
    ];
    samuel::log(samuel::Level::Info, &format!("probe says {}", greeting));
    match samuel::get(&text("allowed")) {
        Ok(resp) => {
            out.push(("allowed_status", Json::from(resp.status as i64)));
            out.push(("allowed_body", Json::from(resp.text())));
        }
        Err(e) => {
            samuel::diag(&format!("probe: allowed fetch: {}", e));
            return 3;
        }
    }
    let denied = samuel::get(&text("denied"));
    out.push(("denied_is_denied", Json::from(denied.as_ref().map_or_else(|e| e.is_denied(), |_| false))));
    if let Err(e) = &denied {
        out.push(("denied_error", Json::from(e.to_string())));
    }
    if input.get("wait").and_then(Json::as_bool) == Some(true) {
        while !samuel::past_deadline() {}
        out.push(("deadline_after", Json::from(samuel::deadline_ms())));
    }
    if samuel::output_json(&Json::object(out)).is_err() {
        return 4;
    }
    0
}
`;

const rust: Language = {
  lang: "rust",
  async addProbe(dir) {
    await Deno.writeTextFile(`${dir}/src/probe.rs`, PROBE_RS);
    await Deno.writeTextFile(
      `${dir}/src/lib.rs`,
      (await Deno.readTextFile(`${dir}/src/lib.rs`)) + "\nmod probe;\n",
    );
  },
  testsNeedModule: false,
  test: (dir) => sh("make", ["test", `CARGO=${RUST_WASM!.CARGO}`, `RUSTC=${RUST_WASM!.RUSTC}`], { cwd: dir }),
  build: (dir) =>
    sh("make", ["wasm", `CARGO=${RUST_WASM!.CARGO}`, `RUSTC=${RUST_WASM!.RUSTC}`], { cwd: dir }),
  lifecycle: "library",
};

Deno.test({
  name: "e2e rust: scaffold, cargo test, make wasm, validate, install file://, run every export, bench" +
    (RUST_WASM ? "" : " (needs a Rust with a WASI preview1 std: run scripts/ensure-toolchain.sh)"),
  ignore: RUST_WASM === undefined || MAKE === undefined,
  fn: (t) => withTempDir((tmp) => authorLoop(t, tmp, "e2e-rust", rust)),
});
