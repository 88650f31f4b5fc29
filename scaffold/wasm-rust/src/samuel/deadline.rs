use super::abi;

/// Milliseconds left before the invocation's soft deadline (`[runtime] timeout` in samuel-plugin.toml);
/// negative once it has passed. Past the hard timeout the host stops the plugin, so long-running work
/// should check this and wrap up early with a partial result.
pub fn deadline_ms() -> i64 {
    abi::raw_deadline_ms()
}

/// Whether the soft deadline has passed.
pub fn past_deadline() -> bool {
    abi::raw_deadline_ms() < 0
}
