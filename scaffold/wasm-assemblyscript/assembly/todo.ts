// The plugin's logic: walk a folder for lines that contain a marker. `npm test` runs the built module
// on tests/workspace with Node's WASI.

import { DirEntry, JSONValue, readDir, readFile } from "./samuel";

/** One line that contains the marker; `file` is relative to the scanned root. */
export class Finding {
  constructor(public file: string, public line: i32, public text: string) {}
}

/** The result of a scan. */
export class Report {
  findings: Finding[] = [];
  files: i32 = 0;
  truncated: bool = false;

  /** The report as the plugin's output object. */
  toJSON(): JSONValue {
    const findings = JSONValue.array();
    for (let i = 0; i < this.findings.length; i++) {
      const f = this.findings[i];
      findings.push(JSONValue.object().setString("file", f.file).setNumber("line", f.line).setString("text", f.text));
    }
    return JSONValue.object()
      .set("findings", findings)
      .setNumber("files", this.files)
      .setBool("truncated", this.truncated);
  }
}

/** Folders never scanned besides hidden ones: dependencies and build outputs. */
const SKIPPED = ["vendor", "node_modules", "build", "target"];

function byName(a: DirEntry, b: DirEntry): i32 {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * Walks `root` in name order for text files (skipping hidden folders and SKIPPED) and returns the lines
 * that contain `marker`, up to `limit` findings. `stop` is polled between files; when it returns true
 * (e.g. past the soft deadline) the scan ends early and the report says it was truncated.
 */
export function scan(root: string, marker: string, limit: i32, stop: () => bool): Report {
  const r = new Report();
  walk(root, "", marker, limit, stop, r);
  return r;
}

/** Returns false once the scan must end. */
function walk(dir: string, prefix: string, marker: string, limit: i32, stop: () => bool, r: Report): bool {
  const listed = readDir(dir);
  if (!listed.ok) return true; // unreadable folders are skipped, not fatal
  const entries = listed.value.sort(byName);
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    const rel = prefix.length == 0 ? e.name : prefix + "/" + e.name;
    if (e.isDir) {
      if (e.name.startsWith(".") || SKIPPED.includes(e.name)) continue;
      if (!walk(dir + "/" + e.name, rel, marker, limit, stop, r)) return false;
    } else if (e.isFile) {
      if (stop() || r.findings.length >= limit) {
        r.truncated = true;
        return false;
      }
      scanFile(dir + "/" + e.name, rel, marker, limit, r);
    }
  }
  return true;
}

function scanFile(path: string, rel: string, marker: string, limit: i32, r: Report): void {
  const read = readFile(path);
  if (!read.ok) return;
  r.files++;
  const bytes = read.value;
  if (bytes.includes(0)) return; // a binary file
  const lines = String.UTF8.decodeUnsafe(bytes.dataStart, bytes.length).split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].includes(marker) && r.findings.length < limit) {
      r.findings.push(new Finding(rel, i + 1, lines[i].trim()));
    }
  }
}
