/**
 * The one position scanner for the TOML files samuel reads and edits (`samuel.toml`, `samuel.lock`,
 * `samuel-plugin.toml`). One pass over the text gives:
 * - the statements (table headers, key/value pairs, comments, blank lines) with their line spans, so
 *   `samuel.toml`'s `[[plugins]]` entries can be edited line by line without re-serialising the rest
 *   (src/project/config.ts);
 * - the line of every key, array element and inline-table key (`KeyLines`), so a problem found after a
 *   successful parse can point at `file:12` (`KeyLocator`, the lazy form every schema check uses).
 *
 * Why hand-written next to smol-toml: smol-toml builds values and reports positions only for its own
 * syntax errors; the parsed document has no positions, and no maintained TOML package for Deno/npm gives
 * both key -> line and statement spans with the original bytes (the round-tripping editors re-serialise).
 * The scanner is small because it is not a parser: it runs on text smol-toml has already accepted, skips
 * validation, and tracks strings (all four kinds, so a `[`, `=` or `#` inside one is never structure),
 * arrays and inline tables only far enough to know where each value ends and which key it belongs to.
 * Text it cannot follow (only text smol-toml rejected gets here) ends the scan, keeping what was found: a
 * missing line degrades a message, it never breaks a command.
 *
 * Every pass is linear in the text: each key is recorded step by step into the `KeyLines` tree relative
 * to its table's node, never by rebuilding its path from the top (a header of 20,000 dotted parts once
 * made this cubic, issue 17), and arrays of tables are counted without sweeping earlier counters. The
 * bounds on depth, size and counts are applied to the parsed document by the callers (`./limits.ts`);
 * the scanner's own recursion stops at `MAX_VALUE_DEPTH`, smol-toml's nesting limit.
 */

import { KeyLines, type KeyNode, parseKeyPath, type Segment } from "./key_lines.ts";
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
  /** The 1-based line of every key, array element and inline-table key. */
  keys: KeyLines;
}

/** Splits text into lines that keep their terminators, so `lines.join("")` is the original text. */
export function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** Scans a TOML document (one smol-toml accepted) into lines, statements and key lines. */
export function scanToml(text: string): TomlScan {
  const lines = splitLines(text);
  const crlf = lines.filter((l) => l.endsWith("\r\n")).length;
  const { statements, keys } = new Walker(text).run();
  return { lines, eol: crlf > lines.length / 2 ? "\r\n" : "\n", statements, keys };
}

/** The key lines of a scan (`scanToml(text).keys`). */
export function keyLines(scan: TomlScan): KeyLines {
  return scan.keys;
}

/** The line of `path`, else of its nearest enclosing key or table (a missing key points at its table). */
export function lineOfKey(lines: KeyLines, path: string | readonly Segment[]): number | undefined {
  return lines.lineOf(typeof path === "string" ? parseKeyPath(path) : path);
}

/** The line where a document passes a bound of `./limits.ts` (the line of the deepest key written). */
export function lineOfLimit(text: string, v: LimitExceeded): number | undefined {
  return new KeyLocator(text).lineOf(v.path);
}

/**
 * The lines of the keys of one text, scanned on the first question: a file without problems never pays
 * for the scan (every `samuel run` reads samuel.lock and an installed manifest).
 */
export class KeyLocator {
  readonly #text: string;
  #lines: KeyLines | undefined;

  constructor(text: string) {
    this.#text = text;
  }

  #keys(): KeyLines {
    return this.#lines ??= new Walker(this.#text).run().keys;
  }

  /** Whether the text has been scanned (a question has been asked). */
  get scanned(): boolean {
    return this.#lines !== undefined;
  }

  /** The 1-based line of `segments` or, when it is not written in the text, of its nearest ancestor. */
  lineOf(segments: readonly Segment[]): number | undefined {
    return segments.length === 0 ? undefined : this.#keys().lineOf(segments);
  }

  /** The 1-based line of exactly `segments`, or undefined when it is not written in the text. */
  exactLineOf(segments: readonly Segment[]): number | undefined {
    return this.#keys().exactLineOf(segments);
  }
}

// ---------------------------------------------------------------------------------------------------------
// The walk

/** smol-toml's default nesting limit: deeper text was refused before it gets here. */
const MAX_VALUE_DEPTH = 1000;

const TAB = 0x09, LF = 0x0a, CR = 0x0d, SPACE = 0x20, QUOTE = 0x22, HASH = 0x23, APOSTROPHE = 0x27;
const COMMA = 0x2c, DOT = 0x2e, EQUALS = 0x3d, LBRACKET = 0x5b, BACKSLASH = 0x5c, RBRACKET = 0x5d;
const LBRACE = 0x7b, RBRACE = 0x7d, BOM = 0xfeff;

const isBare = (c: number) =>
  (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2d ||
  c === 0x5f;

/** The escapes of a basic string that stand for one character (TOML 1.0, and `\e` of 1.1). */
const SIMPLE_ESCAPES: Record<string, string> = {
  b: "\b",
  t: "\t",
  n: "\n",
  f: "\f",
  r: "\r",
  e: "\x1b",
  '"': '"',
  "\\": "\\",
};
const HEX_ESCAPES: Record<string, number> = { x: 2, u: 4, U: 8 };

/** The text could not be followed: the walk ends and keeps what it found. */
class Stop extends Error {}

/** Per array-of-tables name (`[[plugins]]`): which element a header is in, for key paths. */
interface ArrayState {
  /** The current element's index. */
  index: number;
  /** The element of the enclosing array table this index was counted in (see `Walker.#header`). */
  owner: object;
  /** A token for the current element: nested array tables counted under another element are stale. */
  element: object;
}

/** A table name as written in headers, without indices: where array-of-tables elements are counted. */
interface RawNode {
  kids: Map<string, RawNode>;
  array?: ArrayState;
}

/**
 * One pass over the text. `pos` only moves forward (a scalar steps back over its trailing blanks, which
 * the next step skips again), so the walk is linear; `line` counts the line feeds passed.
 */
class Walker {
  readonly statements: TomlStatement[] = [];
  readonly keys = new KeyLines();
  #pos = 0;
  /** The 0-based line of `#pos`. */
  #line = 0;
  #depth = 0;
  readonly #raw: RawNode = { kids: new Map() };
  readonly #rootElement = {};
  /** The table key/value pairs belong to: its header's parts and its node in `keys`. */
  #table: string[] = [];
  #tableNode: KeyNode;

  constructor(readonly text: string) {
    this.#tableNode = this.keys.root;
    // smol-toml skips a byte order mark.
    if (text.charCodeAt(0) === BOM) this.#pos = 1;
  }

  run(): this {
    try {
      while (this.#pos < this.text.length) this.#statement();
    } catch (e) {
      if (!(e instanceof Stop)) throw e;
    }
    return this;
  }

  #at(): number {
    return this.text.charCodeAt(this.#pos);
  }

  #expect(c: number): void {
    if (this.#at() !== c) throw new Stop();
    this.#pos++;
  }

  /** One statement, from the start of its first line through the end of its last. */
  #statement(): void {
    const start = this.#line;
    this.#skipSpaces();
    const c = this.#at();
    if (this.#atLineEnd()) this.statements.push({ kind: "blank", start, end: start });
    else if (c === HASH) {
      this.#skipComment();
      this.statements.push({ kind: "comment", start, end: start });
    } else if (c === LBRACKET) this.#header(start);
    else this.#keyval(start);
    this.#endLine();
  }

  /** `[table]` or `[[array.of.tables]]`: the table later key/value pairs belong to. */
  #header(start: number): void {
    this.#pos++;
    const arrayTable = this.#at() === LBRACKET;
    if (arrayTable) this.#pos++;
    const key = this.#key();
    this.#expect(RBRACKET);
    if (arrayTable) this.#expect(RBRACKET);
    this.#table = key;
    this.#tableNode = this.#recordHeader(key, arrayTable, start + 1);
    this.statements.push({ kind: "header", start, end: start, key, arrayTable });
  }

  /**
   * Marks every part of a header at `line` (`[tool.other]` also defines `tool`, unless something defined
   * it earlier) and returns the table's node. An array table's elements are indexed in document order; a
   * nested array table restarts at 0 under each new element of its parent. Instead of deleting every
   * counter below a parent (which costs the number of counters per header), each counter remembers the
   * parent element it was counted in and is stale once that element has been superseded.
   */
  #recordHeader(parts: readonly string[], arrayTable: boolean, line: number): KeyNode {
    let raw = this.#raw;
    let node = this.keys.root;
    let element = this.#rootElement;
    for (let n = 0; n < parts.length; n++) {
      const part = parts[n];
      let next = raw.kids.get(part);
      if (next === undefined) raw.kids.set(part, next = { kids: new Map() });
      raw = next;
      const live = raw.array !== undefined && raw.array.owner === element ? raw.array : undefined;
      if (n === parts.length - 1 && arrayTable) {
        raw.array = { index: live ? live.index + 1 : 0, owner: element, element: {} };
      } else if (!live) raw.array = undefined;
      node = this.keys.child(node, part);
      this.keys.mark(node, line);
      if (raw.array) {
        node = this.keys.child(node, raw.array.index);
        element = raw.array.element;
        this.keys.mark(node, line);
      }
    }
    return node;
  }

  /** `key = value`, the value possibly spanning lines, with the comment ending its last line. */
  #keyval(start: number): void {
    const key = this.#key();
    this.#expect(EQUALS);
    // A dotted key (`a.b.c = 1`) also defines its parents there, unless something defined them earlier.
    this.#value(this.keys.record(this.#tableNode, key, start + 1));
    const valueEnd = this.#pos;
    this.#skipSpaces();
    let trailingComment: string | undefined;
    if (this.#at() === HASH) {
      this.#skipComment();
      trailingComment = this.text.slice(valueEnd, this.#pos);
    }
    this.statements.push({
      kind: "keyval",
      start,
      end: this.#line,
      key,
      table: this.#table,
      trailingComment,
    });
  }

  /** Past the blanks and comment ending a statement, and its line feed. */
  #endLine(): void {
    this.#skipSpaces();
    if (this.#at() === HASH) this.#skipComment();
    if (this.#pos >= this.text.length) return;
    if (this.#at() === CR) this.#pos++;
    this.#expect(LF);
    this.#line++;
  }

  #atLineEnd(): boolean {
    const c = this.#at();
    return this.#pos >= this.text.length || c === LF ||
      (c === CR && this.text.charCodeAt(this.#pos + 1) === LF);
  }

  /** Spaces and tabs (and a stray carriage return), not a line end. */
  #skipSpaces(): void {
    for (;;) {
      const c = this.#at();
      if (c === SPACE || c === TAB || (c === CR && this.text.charCodeAt(this.#pos + 1) !== LF)) this.#pos++;
      else return;
    }
  }

  /** Blanks, line ends and comments, as between the items of an array or inline table. */
  #skipVoid(): void {
    for (;;) {
      const c = this.#at();
      if (c === SPACE || c === TAB || c === CR) this.#pos++;
      else if (c === LF) {
        this.#pos++;
        this.#line++;
      } else if (c === HASH) this.#skipComment();
      else return;
    }
  }

  /** To the end of the line, before its `\r\n` or `\n`. */
  #skipComment(): void {
    const lf = this.text.indexOf("\n", this.#pos);
    const end = lf < 0 ? this.text.length : lf;
    this.#pos = end > this.#pos && this.text.charCodeAt(end - 1) === CR ? end - 1 : end;
  }

  /** A (dotted) key: its parts, decoded. */
  #key(): string[] {
    const parts: string[] = [];
    for (;;) {
      this.#skipSpaces();
      const c = this.#at();
      if (c === QUOTE) parts.push(this.#basicKey());
      else if (c === APOSTROPHE) parts.push(this.#literal());
      else {
        const begin = this.#pos;
        while (isBare(this.#at())) this.#pos++;
        if (this.#pos === begin) throw new Stop();
        parts.push(this.text.slice(begin, this.#pos));
      }
      this.#skipSpaces();
      if (this.#at() !== DOT) return parts;
      this.#pos++;
    }
  }

  /** A one-line basic string, decoded (keys); values are only skipped. */
  #basicKey(): string {
    this.#pos++;
    let out = "";
    let from = this.#pos;
    for (;;) {
      const c = this.#at();
      if (this.#pos >= this.text.length || c === LF) throw new Stop();
      if (c === QUOTE) {
        out += this.text.slice(from, this.#pos++);
        return out;
      }
      if (c === BACKSLASH) {
        out += this.text.slice(from, this.#pos) + this.#escape();
        from = this.#pos;
      } else this.#pos++;
    }
  }

  /** The character an escape at `#pos` stands for; moves past it. */
  #escape(): string {
    const esc = this.text[this.#pos + 1];
    const simple = SIMPLE_ESCAPES[esc];
    if (simple !== undefined) {
      this.#pos += 2;
      return simple;
    }
    const len = HEX_ESCAPES[esc];
    const hex = len === undefined ? "" : this.text.slice(this.#pos + 2, this.#pos + 2 + len);
    const code = /^[0-9A-Fa-f]+$/.test(hex) && hex.length === len ? parseInt(hex, 16) : -1;
    if (code < 0 || code > 0x10ffff) throw new Stop();
    this.#pos += 2 + len;
    return String.fromCodePoint(code);
  }

  /** A one-line literal string `'…'`: its content. */
  #literal(): string {
    const close = this.text.indexOf("'", this.#pos + 1);
    const lf = this.text.indexOf("\n", this.#pos + 1);
    if (close < 0 || (lf >= 0 && lf < close)) throw new Stop();
    const content = this.text.slice(this.#pos + 1, close);
    this.#pos = close + 1;
    return content;
  }

  /** Any value, recording the lines of the array elements and inline-table keys inside it under `node`. */
  #value(node: KeyNode): void {
    this.#skipSpaces();
    if (++this.#depth > MAX_VALUE_DEPTH) throw new Stop();
    const c = this.#at();
    const next = this.text.charCodeAt(this.#pos + 1);
    if ((c === QUOTE || c === APOSTROPHE) && next === c && this.text.charCodeAt(this.#pos + 2) === c) {
      this.#multiline(c);
    } else if (c === QUOTE) this.#skipBasic();
    else if (c === APOSTROPHE) this.#literal();
    else if (c === LBRACKET) this.#array(node);
    else if (c === LBRACE) this.#inlineTable(node);
    else this.#scalar();
    this.#depth--;
  }

  #skipBasic(): void {
    this.#pos++;
    for (;;) {
      const c = this.#at();
      if (this.#pos >= this.text.length || c === LF) throw new Stop();
      this.#pos += c === BACKSLASH ? 2 : 1;
      if (c === QUOTE) return;
    }
  }

  /** `"""…"""` (with escapes) or `'''…'''`, counting the lines it spans. */
  #multiline(quote: number): void {
    this.#pos += 3;
    for (;;) {
      if (this.#pos >= this.text.length) throw new Stop();
      const c = this.#at();
      if (c === LF) this.#line++;
      else if (c === BACKSLASH && quote === QUOTE) {
        // The escaped character cannot close the string; a line-ending backslash still ends a line.
        if (this.text.charCodeAt(++this.#pos) === LF) this.#line++;
      } else if (
        c === quote && this.text.charCodeAt(this.#pos + 1) === quote &&
        this.text.charCodeAt(this.#pos + 2) === quote
      ) {
        this.#pos += 3;
        // Up to two quotes right before the closing delimiter belong to the string: `""""` ends one later.
        for (let extra = 0; extra < 2 && this.#at() === quote; extra++) this.#pos++;
        return;
      }
      this.#pos++;
    }
  }

  #array(node: KeyNode): void {
    this.#pos++;
    for (let index = 0;; index++) {
      this.#skipVoid();
      if (this.#at() === RBRACKET) {
        this.#pos++;
        return;
      }
      if (this.#pos >= this.text.length) throw new Stop();
      const item = this.keys.child(node, index);
      this.keys.mark(item, this.#line + 1);
      this.#value(item);
      this.#skipVoid();
      if (this.#at() === COMMA) this.#pos++;
      else if (this.#at() !== RBRACKET) throw new Stop();
    }
  }

  #inlineTable(node: KeyNode): void {
    this.#pos++;
    for (;;) {
      this.#skipVoid();
      if (this.#at() === RBRACE) {
        this.#pos++;
        return;
      }
      if (this.#pos >= this.text.length) throw new Stop();
      const line = this.#line + 1;
      const key = this.#key();
      this.#expect(EQUALS);
      this.#value(this.keys.record(node, key, line));
      this.#skipVoid();
      if (this.#at() === COMMA) this.#pos++;
      else if (this.#at() !== RBRACE) throw new Stop();
    }
  }

  /** A number, boolean or date-time: to a delimiter (inner spaces belong to date-times), blanks trimmed. */
  #scalar(): void {
    const begin = this.#pos;
    for (;;) {
      const c = this.#at();
      if (
        this.#pos >= this.text.length || c === COMMA || c === RBRACKET || c === RBRACE || c === LF ||
        c === HASH
      ) {
        break;
      }
      this.#pos++;
    }
    for (;;) {
      const c = this.text.charCodeAt(this.#pos - 1);
      if (this.#pos > begin && (c === SPACE || c === TAB || c === CR)) this.#pos--;
      else break;
    }
    if (this.#pos === begin) throw new Stop();
  }
}
