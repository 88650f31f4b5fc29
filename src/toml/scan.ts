/**
 * A structural scanner for TOML text that smol-toml has already accepted: it splits the document into
 * statements (table headers, key/value pairs, comments, blank lines) with their line spans, so callers
 * can point errors at lines and edit one block of the file without re-serialising the rest. It tracks
 * strings, multi-line strings, arrays and inline tables only far enough to know where a statement ends;
 * it does not build values (smol-toml does that).
 *
 * Every pass is linear in the text, so a hostile file (a header of 20,000 dotted parts) costs what its
 * length costs; the limits on depth, size and counts are applied to the parsed document by the callers
 * (`src/toml/limits.ts`).
 */

import { KeyLines, parseKeyPath, type Segment } from "./key_lines.ts";
import type { LimitExceeded } from "./limits.ts";

export type { KeyLines };

/** One statement of a TOML document, spanning lines `start..end` (inclusive, 0-based). */
export interface TomlStatement {
  kind: "header" | "keyval" | "comment" | "blank";
  start: number;
  end: number;
  /** header: the table path; keyval: the key path relative to its table. */
  key?: string[];
  /** header: true for `[[array.of.tables]]`. */
  arrayTable?: boolean;
  /** keyval: the table path it belongs to (empty for the root table). */
  table?: string[];
  /** keyval: the comment (with the whitespace before it) ending its last line, if any. */
  trailingComment?: string;
}

export interface TomlScan {
  /** The document's lines, each with its own line terminator (the last may have none). */
  lines: string[];
  /** The document's dominant line ending, for inserted lines. */
  eol: "\n" | "\r\n";
  statements: TomlStatement[];
}

/** Splits text into lines that keep their terminators, so `lines.join("")` is the original text. */
export function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

const BARE_KEY = /[A-Za-z0-9_-]/;

/** Parses a (dotted) key starting at `pos`; returns its parts and the position after it. */
function parseKey(s: string, pos: number): { parts: string[]; pos: number } {
  const parts: string[] = [];
  for (;;) {
    while (s[pos] === " " || s[pos] === "\t") pos++;
    if (s[pos] === '"') {
      let out = "";
      pos++;
      while (pos < s.length && s[pos] !== '"') {
        if (s[pos] === "\\") {
          const esc = s[pos + 1];
          const simple: Record<string, string> = {
            b: "\b",
            t: "\t",
            n: "\n",
            f: "\f",
            r: "\r",
            '"': '"',
            "\\": "\\",
          };
          if (esc in simple) {
            out += simple[esc];
            pos += 2;
          } else if (esc === "u" || esc === "U") {
            const len = esc === "u" ? 4 : 8;
            out += String.fromCodePoint(parseInt(s.slice(pos + 2, pos + 2 + len), 16));
            pos += 2 + len;
          } else {
            out += esc ?? "";
            pos += 2;
          }
        } else {
          out += s[pos++];
        }
      }
      pos++;
      parts.push(out);
    } else if (s[pos] === "'") {
      const close = s.indexOf("'", pos + 1);
      parts.push(s.slice(pos + 1, close));
      pos = close + 1;
    } else {
      const begin = pos;
      while (pos < s.length && BARE_KEY.test(s[pos])) pos++;
      parts.push(s.slice(begin, pos));
    }
    while (s[pos] === " " || s[pos] === "\t") pos++;
    if (s[pos] !== ".") return { parts, pos };
    pos++;
  }
}

/** Value-lexing state carried across lines of one key/value statement. */
interface ValueState {
  depth: number;
  multiline: '"""' | "'''" | null;
}

/**
 * Advances through one line of a value starting at `pos`. Returns the index where a trailing comment
 * starts on this line (or -1).
 */
function lexValueLine(line: string, pos: number, st: ValueState): number {
  let i = pos;
  while (i < line.length) {
    if (st.multiline) {
      const close = st.multiline;
      if (close === '"""' && line[i] === "\\") {
        i += 2;
        continue;
      }
      if (line.startsWith(close, i)) {
        i += 3;
        // Up to two quotes right before the closing delimiter belong to the string: `""""` ends one later.
        let extra = 0;
        while (extra < 2 && line[i] === close[0]) {
          i++;
          extra++;
        }
        st.multiline = null;
        continue;
      }
      i++;
      continue;
    }
    const c = line[i];
    if (c === "#") return i;
    if (line.startsWith('"""', i) || line.startsWith("'''", i)) {
      st.multiline = line.startsWith('"""', i) ? '"""' : "'''";
      i += 3;
      continue;
    }
    if (c === '"') {
      i++;
      while (i < line.length && line[i] !== '"') i += line[i] === "\\" ? 2 : 1;
      i++;
      continue;
    }
    if (c === "'") {
      const close = line.indexOf("'", i + 1);
      i = close < 0 ? line.length : close + 1;
      continue;
    }
    if (c === "[" || c === "{") st.depth++;
    else if (c === "]" || c === "}") st.depth--;
    i++;
  }
  return -1;
}

function stripEol(line: string): string {
  return line.replace(/\r?\n$/, "");
}

/** Scans a syntactically valid TOML document into statements. */
export function scanToml(text: string): TomlScan {
  const lines = splitLines(text);
  const crlf = lines.filter((l) => l.endsWith("\r\n")).length;
  const eol = crlf > lines.length / 2 ? "\r\n" : "\n";
  const statements: TomlStatement[] = [];
  let table: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = stripEol(lines[i]);
    const trimmed = line.trimStart();
    if (trimmed === "") {
      statements.push({ kind: "blank", start: i, end: i });
      i++;
      continue;
    }
    if (trimmed.startsWith("#")) {
      statements.push({ kind: "comment", start: i, end: i });
      i++;
      continue;
    }
    if (trimmed.startsWith("[")) {
      const arrayTable = trimmed.startsWith("[[");
      const { parts } = parseKey(trimmed, arrayTable ? 2 : 1);
      table = parts;
      statements.push({ kind: "header", start: i, end: i, key: parts, arrayTable });
      i++;
      continue;
    }
    const offset = line.length - trimmed.length;
    const { parts, pos } = parseKey(line, offset);
    const st: ValueState = { depth: 0, multiline: null };
    let start = pos + 1; // past "="
    let end = i;
    let commentAt = -1;
    for (;;) {
      commentAt = lexValueLine(stripEol(lines[end]), start, st);
      if ((st.depth <= 0 && !st.multiline) || end + 1 >= lines.length) break;
      end++;
      start = 0;
    }
    const last = stripEol(lines[end]);
    let trailingComment: string | undefined;
    if (commentAt >= 0) {
      let from = commentAt;
      while (from > 0 && (last[from - 1] === " " || last[from - 1] === "\t")) from--;
      trailingComment = last.slice(from);
    }
    statements.push({ kind: "keyval", start: i, end, key: parts, table, trailingComment });
    i = end + 1;
  }
  return { lines, eol, statements };
}

/** The line of `path`, else of its nearest enclosing key or table (a missing key points at its table). */
export function lineOfKey(lines: KeyLines, path: string | readonly Segment[]): number | undefined {
  return lines.lineOf(typeof path === "string" ? parseKeyPath(path) : path);
}

/** The line where a document passes a bound of src/toml/limits.ts (the line of the deepest key written). */
export function lineOfLimit(text: string, v: LimitExceeded): number | undefined {
  return v.path.length === 0 ? undefined : keyLines(scanToml(text)).lineOf(v.path);
}

/** Per array-of-tables name (`[[plugins]]`): which element a header is in, for display paths. */
interface ArrayState {
  /** The current element's index. */
  index: number;
  /** The element of the enclosing array table this index was counted in (see `keyLines`). */
  owner: object;
  /** A token for the current element: nested array tables counted under another element are stale. */
  element: object;
}

/**
 * Maps display paths (`wasm.cache_budget`, `plugins[1].source`, `security`) to 1-based line numbers, for
 * error messages. Array-of-tables elements are indexed in document order.
 *
 * Linear in the text: headers are walked part by part through two trees, the raw names (for the
 * array-of-tables counters) and the display paths with their indices (`KeyLines`). A nested array table
 * restarts at 0 under each new element of its parent; instead of deleting every counter below a parent
 * (which costs the number of counters per header), each counter remembers the parent element it was
 * counted in and is stale once that element has been superseded.
 */
export function keyLines(scan: TomlScan): KeyLines {
  const lines = new KeyLines();
  const rawRoot: RawNode = { kids: new Map() };
  const rootElement = {};
  let prefix = lines.root;
  for (const s of scan.statements) {
    if (s.kind === "header" && s.key) {
      let raw = rawRoot;
      let display = lines.root;
      let element = rootElement;
      for (let n = 0; n < s.key.length; n++) {
        const part = s.key[n];
        let next = raw.kids.get(part);
        if (next === undefined) raw.kids.set(part, next = { kids: new Map() });
        raw = next;
        const last = n === s.key.length - 1;
        const live = raw.array !== undefined && raw.array.owner === element ? raw.array : undefined;
        if (last && s.arrayTable) {
          raw.array = { index: live ? live.index + 1 : 0, owner: element, element: {} };
        } else if (!live) raw.array = undefined;
        display = lines.child(display, part);
        if (raw.array) {
          display = lines.child(display, raw.array.index);
          element = raw.array.element;
        }
        // `[tool.other]` also defines `tool`, implicitly, at this line.
        lines.mark(display, s.start + 1);
      }
      prefix = display;
    } else if (s.kind === "keyval" && s.key) {
      // A dotted key (`a.b.c = 1`) also defines its parents there, unless something defined them earlier.
      lines.record(prefix, s.key, s.start + 1);
    }
  }
  return lines;
}

interface RawNode {
  kids: Map<string, RawNode>;
  array?: ArrayState;
}
