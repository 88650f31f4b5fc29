//! The plugin's logic, kept free of the sandbox so `cargo test` runs it natively on a temporary folder.

use std::fs;
use std::path::Path;

use crate::samuel::Json;

/// One line that contains the marker; `file` is relative to the scanned root, with `/` separators.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub file: String,
    pub line: usize,
    pub text: String,
}

/// The result of a scan.
#[derive(Debug, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub files: usize,
    pub truncated: bool,
}

/// Folders never scanned besides hidden ones: dependencies and build outputs.
const SKIPPED: [&str; 3] = ["vendor", "node_modules", "target"];

/// Walks `root` in name order for text files (skipping hidden folders and `SKIPPED`) and returns the
/// lines that contain `marker`, up to `limit` findings. `stop` is polled between files; when it returns
/// true (e.g. past the soft deadline) the scan ends early and the report says it was truncated.
pub fn scan(root: &Path, marker: &str, limit: usize, stop: &dyn Fn() -> bool) -> Report {
    let mut report = Report::default();
    walk(root, "", marker, limit, stop, &mut report);
    report
}

/// Returns false once the scan must end.
fn walk(dir: &Path, prefix: &str, marker: &str, limit: usize, stop: &dyn Fn() -> bool, r: &mut Report) -> bool {
    let mut entries: Vec<_> = match fs::read_dir(dir) {
        Ok(list) => list.filter_map(|e| e.ok()).collect(),
        Err(_) => return true, // unreadable folders are skipped, not fatal
    };
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = if prefix.is_empty() { name.clone() } else { format!("{}/{}", prefix, name) };
        let kind = match entry.file_type() {
            Ok(k) => k,
            Err(_) => continue,
        };
        if kind.is_dir() {
            if name.starts_with('.') || SKIPPED.contains(&name.as_str()) {
                continue;
            }
            if !walk(&entry.path(), &rel, marker, limit, stop, r) {
                return false;
            }
        } else if kind.is_file() {
            if stop() || r.findings.len() >= limit {
                r.truncated = true;
                return false;
            }
            scan_file(&entry.path(), &rel, marker, limit, r);
        }
    }
    true
}

fn scan_file(path: &Path, rel: &str, marker: &str, limit: usize, r: &mut Report) {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(_) => return,
    };
    r.files += 1;
    if bytes.contains(&0) {
        return; // a binary file
    }
    let text = String::from_utf8_lossy(&bytes);
    for (i, line) in text.lines().enumerate() {
        if line.contains(marker) && r.findings.len() < limit {
            r.findings.push(Finding { file: rel.to_string(), line: i + 1, text: line.trim().to_string() });
        }
    }
}

impl Report {
    /// The report as the plugin's output object.
    pub fn to_json(&self) -> Json {
        let findings = self
            .findings
            .iter()
            .map(|f| {
                Json::object(vec![
                    ("file", Json::from(f.file.as_str())),
                    ("line", Json::from(f.line)),
                    ("text", Json::from(f.text.as_str())),
                ])
            })
            .collect::<Vec<_>>();
        Json::object(vec![
            ("findings", Json::Array(findings)),
            ("files", Json::from(self.files)),
            ("truncated", Json::from(self.truncated)),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace(files: &[(&str, &[u8])]) -> std::path::PathBuf {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        let root = std::env::temp_dir().join(format!("todo-test-{}-{}", std::process::id(), nanos));
        for (path, data) in files {
            let file = root.join(path);
            fs::create_dir_all(file.parent().unwrap()).unwrap();
            fs::write(file, data).unwrap();
        }
        root
    }

    #[test]
    fn finds_markers_in_name_order_and_skips_hidden_vendor_and_binary_files() {
        let root = workspace(&[
            ("b.txt", b"// TODO: second\n"),
            ("a/one.rs", b"fn main() {}\n  // TODO: first  \n"),
            (".git/x", b"TODO hidden\n"),
            ("target/y", b"TODO built\n"),
            ("bin.dat", b"TODO\0binary"),
        ]);
        let r = scan(&root, "TODO", 100, &|| false);
        fs::remove_dir_all(&root).unwrap();
        assert_eq!(
            r.findings,
            vec![
                Finding { file: "a/one.rs".into(), line: 2, text: "// TODO: first".into() },
                Finding { file: "b.txt".into(), line: 1, text: "// TODO: second".into() },
            ]
        );
        assert_eq!((r.files, r.truncated), (3, false));
        assert_eq!(
            r.to_json().to_string(),
            r#"{"findings":[{"file":"a/one.rs","line":2,"text":"// TODO: first"},{"file":"b.txt","line":1,"text":"// TODO: second"}],"files":3,"truncated":false}"#
        );
    }

    #[test]
    fn stops_at_the_limit_or_when_asked() {
        let root = workspace(&[("a", b"TODO 1\nTODO 2\n"), ("b", b"TODO 3\n")]);
        let limited = scan(&root, "TODO", 2, &|| false);
        let stopped = scan(&root, "TODO", 100, &|| true);
        fs::remove_dir_all(&root).unwrap();
        assert_eq!((limited.findings.len(), limited.truncated), (2, true));
        assert_eq!((stopped.findings.len(), stopped.files, stopped.truncated), (0, 0, true));
    }
}
