use std::cell::RefCell;
use std::io::{Read, Write};

use super::json::{parse_json, Json};

thread_local! {
    static INPUT: RefCell<Option<Result<Vec<u8>, String>>> = RefCell::new(None);
}

/// The invocation's input: everything on stdin (what `samuel run --input` fed the plugin). It is read
/// once and kept, so calling it again is cheap.
pub fn input() -> Result<Vec<u8>, String> {
    INPUT.with(|cell| {
        let mut cached = cell.borrow_mut();
        if cached.is_none() {
            let mut data = Vec::new();
            *cached = Some(match std::io::stdin().read_to_end(&mut data) {
                Ok(_) => Ok(data),
                Err(e) => Err(format!("reading input: {}", e)),
            });
        }
        cached.clone().unwrap_or_else(|| Ok(Vec::new()))
    })
}

/// The input as a JSON object. Empty input (or only whitespace) gives an empty object, so plugins can
/// treat every option as optional.
pub fn input_object() -> Result<Json, String> {
    let data = input()?;
    if data.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(Json::Object(Vec::new()));
    }
    match parse_json(&data) {
        Ok(v @ Json::Object(_)) => Ok(v),
        Ok(_) => Err("input must be a JSON object".to_string()),
        Err(e) => Err(format!("input is not valid JSON: {}", e)),
    }
}

/// Writes `bytes` to stdout: the plugin's result.
pub fn output(bytes: &[u8]) -> std::io::Result<()> {
    let mut out = std::io::stdout();
    out.write_all(bytes)?;
    out.flush()
}

/// Writes `value` as JSON to stdout, with a trailing newline.
pub fn output_json(value: &Json) -> std::io::Result<()> {
    let mut text = value.to_string();
    text.push('\n');
    output(text.as_bytes())
}

/// Writes a diagnostic line to stderr (samuel shows it next to the output and keeps it in the `--json`
/// envelope). A newline is added when missing.
pub fn diag(msg: &str) {
    let mut err = std::io::stderr();
    let _ = err.write_all(msg.as_bytes());
    if !msg.ends_with('\n') {
        let _ = err.write_all(b"\n");
    }
}

/// A string option of a decoded JSON object, or `default` when the key is absent or null. A present
/// value of another type is an error naming the key.
pub fn string_option(obj: &Json, key: &str, default: &str) -> Result<String, String> {
    match obj.get(key) {
        None | Some(Json::Null) => Ok(default.to_string()),
        Some(Json::String(s)) => Ok(s.clone()),
        Some(_) => Err(format!("option \"{}\" must be a string", key)),
    }
}

/// A numeric option of a decoded JSON object, or `default` when the key is absent or null.
pub fn number_option(obj: &Json, key: &str, default: f64) -> Result<f64, String> {
    match obj.get(key) {
        None | Some(Json::Null) => Ok(default),
        Some(Json::Number(n)) => Ok(*n),
        Some(_) => Err(format!("option \"{}\" must be a number", key)),
    }
}
