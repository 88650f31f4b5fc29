//! The raw imports of the `samuel` host module (protocol 1), and their stand-ins off wasm. Everything
//! here passes plain integers and pointers into linear memory; the rest of the SDK wraps them in Rust
//! types. This is the only file of the plugin that needs `unsafe`.

#![allow(unsafe_code)]

/// The negative return codes of `net_outbound` and `net_response` (the host's table; see the author
/// guide, "The ABI"). `NOT_IN_SAMUEL` is the SDK's own, for builds without the host.
pub const DENIED: i32 = -1;
pub const BAD_REQUEST: i32 = -2;
pub const SCHEME: i32 = -3;
pub const CONNECTION: i32 = -4;
pub const TIMEOUT: i32 = -5;
pub const TOO_LARGE: i32 = -6;
pub const OUT_OF_BOUNDS: i32 = -7;
pub const TOO_MANY_REDIRECTS: i32 = -8;
pub const BAD_URL: i32 = -9;
pub const NO_PENDING_RESPONSE: i32 = -10;
pub const NOT_IN_SAMUEL: i32 = -1000;

/// The buffer offered for a response on the first try; bigger responses cost one more host call
/// (`net_response`), never a truncated body.
const INITIAL_RESPONSE_CAP: usize = 64 << 10;

#[cfg(target_arch = "wasm32")]
mod host {
    #[link(wasm_import_module = "samuel")]
    extern "C" {
        #[link_name = "log"]
        pub fn log(level_ptr: *const u8, level_len: usize, msg_ptr: *const u8, msg_len: usize);
        #[link_name = "deadline_ms"]
        pub fn deadline_ms() -> i64;
        #[link_name = "net_outbound"]
        pub fn net_outbound(req_ptr: *const u8, req_len: usize, resp_ptr: *mut u8, resp_cap: usize) -> i32;
        #[link_name = "net_response"]
        pub fn net_response(resp_ptr: *mut u8, resp_cap: usize) -> i32;
    }

    /// Tells the host, at install time, which ABI protocol this module speaks.
    #[export_name = "samuel_protocol_version"]
    extern "C" fn samuel_protocol_version() -> i32 {
        super::super::PROTOCOL_VERSION
    }
}

#[cfg(target_arch = "wasm32")]
pub fn raw_log(level: &str, msg: &str) {
    // SAFETY: both slices are valid for their lengths for the duration of the call; the host only reads.
    unsafe { host::log(level.as_ptr(), level.len(), msg.as_ptr(), msg.len()) }
}

#[cfg(target_arch = "wasm32")]
pub fn raw_deadline_ms() -> i64 {
    // SAFETY: no arguments.
    unsafe { host::deadline_ms() }
}

/// Sends one encoded request and returns the encoded response, or the host's negative code.
#[cfg(target_arch = "wasm32")]
pub fn raw_fetch(req: &[u8]) -> Result<Vec<u8>, i32> {
    let mut buf = vec![0u8; INITIAL_RESPONSE_CAP];
    // SAFETY: `req` is readable and `buf` writable for their lengths; the host writes at most `buf.len()`.
    let n = unsafe { host::net_outbound(req.as_ptr(), req.len(), buf.as_mut_ptr(), buf.len()) };
    if n < 0 {
        return Err(n);
    }
    let n = n as usize;
    if n <= buf.len() {
        buf.truncate(n);
        return Ok(buf);
    }
    // Too big for the first buffer: the host kept the response; read it whole into one of its size.
    let mut big = vec![0u8; n];
    // SAFETY: as above.
    let m = unsafe { host::net_response(big.as_mut_ptr(), big.len()) };
    if m < 0 {
        return Err(m);
    }
    if m as usize > big.len() {
        // The host retained another response than it announced: report it as a buffer error.
        return Err(OUT_OF_BOUNDS);
    }
    big.truncate(m as usize);
    Ok(big)
}

// Stand-ins off wasm (`cargo test`): plugin logic stays testable, and nothing pretends to be the host.

#[cfg(not(target_arch = "wasm32"))]
pub fn raw_log(level: &str, msg: &str) {
    eprintln!("{}: {}", level, msg);
}

/// A full hour left: without samuel there is no soft deadline.
#[cfg(not(target_arch = "wasm32"))]
pub fn raw_deadline_ms() -> i64 {
    3_600_000
}

#[cfg(not(target_arch = "wasm32"))]
pub fn raw_fetch(_req: &[u8]) -> Result<Vec<u8>, i32> {
    let _ = INITIAL_RESPONSE_CAP;
    Err(NOT_IN_SAMUEL)
}
