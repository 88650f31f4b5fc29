/**
 * Finds the line on which each key (and each array element) of a TOML document is written, so a manifest
 * problem can point at `samuel-plugin.toml:12` even though the parsed value has no positions. smol-toml's
 * own errors carry line and column; this covers the problems found after a successful parse.
 *
 * It is a structural scanner, not a parser: it runs only on text smol-toml has already accepted, so it
 * skips validation and simply walks table headers, dotted keys, strings (all four kinds, so a `[` or `=`
 * inside a string or a multi-line string is never mistaken for structure), arrays and inline tables. When
 * something unexpected still turns up it stops and keeps what it found: a missing line degrades a
 * message, it never breaks validation.
 *
 * It is linear in the text: keys are recorded step by step into a `KeyLines` tree, relative to the node
 * of their table or enclosing value, never by rebuilding the path from the top (a header of 20,000 dotted
 * parts used to make validation quadratic).
 */

import { KeyLines, type KeyNode, keyPath, type Segment } from "./key_lines.ts";

export { keyPath, type Segment };

/** Lines of the keys of one document. */
export class KeyLocator {
  readonly #lines: KeyLines;

  constructor(text: string) {
    this.#lines = scan(text);
  }

  /** The 1-based line of `segments` or, when it is not written in the text, of its nearest ancestor. */
  lineOf(segments: readonly Segment[]): number | undefined {
    return this.#lines.lineOf(segments);
  }

  /** The 1-based line of exactly `segments`, or undefined when it is not written in the text. */
  exactLineOf(segments: readonly Segment[]): number | undefined {
    return this.#lines.exactLineOf(segments);
  }
}

class Stop extends Error {}

function scan(text: string): KeyLines {
  const lines = new KeyLines();
  let i = 0;
  let line = 1;
  const arrayTables = new Map<string, number>();
  const peek = (k = 0) => text[i + k];
  const at = (s: string) => text.startsWith(s, i);
  const step = () => {
    if (text[i] === "\n") line++;
    i++;
  };
  const expect = (c: string) => {
    if (text[i] !== c) throw new Stop();
    step();
  };
  const skipBlank = (newlines: boolean) => {
    while (i < text.length) {
      const c = peek();
      if (c === " " || c === "\t" || c === "\r" || (newlines && c === "\n")) step();
      else if (c === "#") { while (i < text.length && peek() !== "\n") step(); }
      else break;
    }
  };

  const quoted = (): string => {
    const q = peek();
    const start = i;
    step();
    while (i < text.length && peek() !== q) {
      if (q === '"' && peek() === "\\") step();
      step();
    }
    expect(q);
    const raw = text.slice(start, i);
    if (q === "'") return raw.slice(1, -1);
    try {
      return JSON.parse(raw);
    } catch {
      return raw.slice(1, -1);
    }
  };

  const parseKey = (): string[] => {
    const segments: string[] = [];
    for (;;) {
      skipBlank(false);
      const c = peek();
      if (c === '"' || c === "'") segments.push(quoted());
      else {
        const start = i;
        while (i < text.length && /[A-Za-z0-9_-]/.test(peek())) step();
        if (i === start) throw new Stop();
        segments.push(text.slice(start, i));
      }
      skipBlank(false);
      if (peek() !== ".") return segments;
      step();
    }
  };

  const multiline = (delim: string) => {
    i += 3;
    while (i < text.length && !at(delim)) {
      if (delim === '"""' && peek() === "\\") step();
      step();
    }
    i += 3;
    // Up to two quotes may sit right before the closing delimiter (`""""` ends with a quote in the value).
    for (let k = 0; k < 2 && peek() === delim[0]; k++) i++;
  };

  // A dotted key (`a.b.c = 1`) also defines its parents there, unless a header defined them earlier.
  const parseValue = (node: KeyNode): void => {
    skipBlank(false);
    const c = peek();
    if (at('"""') || at("'''")) return multiline(text.slice(i, i + 3));
    if (c === '"' || c === "'") return void quoted();
    if (c === "[") {
      step();
      for (let idx = 0;; idx++) {
        skipBlank(true);
        if (peek() === "]") return step();
        if (i >= text.length) throw new Stop();
        parseValue(lines.record(node, [idx], line));
        skipBlank(true);
        if (peek() === ",") step();
        else if (peek() !== "]") throw new Stop();
      }
    }
    if (c === "{") {
      step();
      for (;;) {
        skipBlank(true);
        if (peek() === "}") return step();
        if (i >= text.length) throw new Stop();
        const keyLine = line;
        const key = parseKey();
        expect("=");
        parseValue(lines.record(node, key, keyLine));
        skipBlank(true);
        if (peek() === ",") step();
        else if (peek() !== "}") throw new Stop();
      }
    }
    // A scalar (number, boolean, date-time): runs until a delimiter; inner spaces belong to date-times.
    const start = i;
    while (i < text.length && !",]}\n#".includes(peek())) step();
    if (i === start) throw new Stop();
  };

  try {
    let prefix: KeyNode = lines.root;
    for (;;) {
      skipBlank(true);
      if (i >= text.length) break;
      const startLine = line;
      if (at("[[")) {
        i += 2;
        const segments = parseKey();
        expect("]");
        expect("]");
        const name = keyPath(segments);
        const n = arrayTables.get(name) ?? 0;
        arrayTables.set(name, n + 1);
        prefix = lines.record(lines.root, [...segments, n], startLine);
      } else if (peek() === "[") {
        step();
        const segments = parseKey();
        expect("]");
        prefix = lines.record(lines.root, segments, startLine);
      } else {
        const key = parseKey();
        expect("=");
        parseValue(lines.record(prefix, key, startLine));
      }
      skipBlank(false);
    }
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
  }
  return lines;
}
