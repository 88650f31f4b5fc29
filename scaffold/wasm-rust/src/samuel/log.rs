use super::abi;

/// A log level the host understands, from the most to the least verbose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

/// Sends one line to the host's log. The host rate-limits plugins to 10 lines per second per invocation
/// and reports how many lines it dropped, so log progress, not every item.
pub fn log(level: Level, msg: &str) {
    abi::raw_log(level.as_str(), msg);
}
