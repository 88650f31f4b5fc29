//! The plugin-side SDK for samuel's plugin ABI, protocol 1, for Rust.
//!
//! A samuel plugin is a WASI preview1 module: the host instantiates it, then calls one declared export
//! (a `fn() -> i32`; 0 means success). The invocation's input is the plugin's stdin (JSON by convention),
//! its output is stdout, and stderr carries diagnostics. This module wraps everything else the host
//! offers, so plugin code never deals with pointers, buffers or `unsafe`:
//!
//! - [`export!`]: makes plain `fn() -> i32` functions the module's exports.
//! - [`input`], [`input_object`]: the invocation's input (stdin), raw or as a JSON object;
//!   [`string_option`], [`number_option`] read options from it with defaults.
//! - [`output`], [`output_json`]: write the result to stdout; [`diag`] writes a diagnostic to stderr.
//! - [`log`]: a log line through the host (rate limited by the host to 10 lines per second).
//! - [`deadline_ms`], [`past_deadline`]: time left before the soft deadline from `[runtime] timeout`.
//! - [`fetch`], [`get`]: HTTP(S) through the host's `net_outbound`, limited to
//!   `[capabilities.network].hosts`.
//! - [`Json`], [`parse_json`]: a small JSON value type and parser (no dependencies).
//!
//! The module also exports `samuel_protocol_version` (returning [`PROTOCOL_VERSION`]), so the host can
//! check at install time which protocol the plugin speaks.
//!
//! Built for any other target than `wasm32` (`cargo test` on your machine), the host calls fall back to
//! stand-ins: `log` writes to stderr, `deadline_ms` reports an hour, `fetch` returns
//! [`NetErrorKind::NotInSamuel`], so plugin logic can be tested without samuel.
//!
//! It is vendored into each scaffolded plugin so a plugin builds offline and pins exactly the SDK it was
//! tested with. It uses only the standard library and builds with Rust 1.63 or later.

// Not every plugin uses every part of the SDK.
#![allow(dead_code, unused_imports)]

mod abi;
mod deadline;
mod io;
mod json;
mod log;
mod net;

pub use deadline::{deadline_ms, past_deadline};
pub use io::{diag, input, input_object, number_option, output, output_json, string_option};
pub use json::{parse_json, Json};
pub use log::{log, Level};
pub use net::{fetch, get, NetError, NetErrorKind, Request, Response};

/// The samuel plugin ABI protocol this SDK implements.
pub const PROTOCOL_VERSION: i32 = 1;

/// Exports plain functions of type `fn() -> i32` from the module under their own names, e.g.
/// `samuel::export!(lint, health);`. List each name in both `exports` lists of `samuel-plugin.toml`.
/// The attribute that names a symbol is the one thing Rust counts as `unsafe_code` here, so it lives in
/// this macro and the plugin's own code stays free of it.
macro_rules! export {
    ($($name:ident),+ $(,)?) => {
        $(
            const _: () = {
                #[allow(unsafe_code)]
                #[export_name = stringify!($name)]
                extern "C" fn samuel_export() -> i32 {
                    $name()
                }
            };
        )+
    };
}
pub(crate) use export;
