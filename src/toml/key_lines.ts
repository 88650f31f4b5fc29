/**
 * The line each key of a TOML document is written on, as a tree of key segments (a table key, or an
 * array index). The position scanner (`./scan.ts`) records into it while it walks the text.
 *
 * Why a tree and not a map of joined paths: a map keyed by `a.b.c` has to build the string of every
 * prefix of every key, which costs the square of the key's length; a header of 20,000 dotted parts made
 * that cubic in the scanner that built it (issue 17). In the tree each segment is one step from its
 * parent, so recording and looking up cost the length of the key, whatever its depth.
 */

/** One step of a key path: a table key, or an index into an array (of tables, or inline). */
export type Segment = string | number;

class Node {
  line: number | undefined;
  #keys: Map<string, Node> | undefined;
  #items: Map<number, Node> | undefined;

  get(segment: Segment): Node | undefined {
    return typeof segment === "number" ? this.#items?.get(segment) : this.#keys?.get(segment);
  }

  child(segment: Segment): Node {
    let next = this.get(segment);
    if (next !== undefined) return next;
    next = new Node();
    if (typeof segment === "number") (this.#items ??= new Map()).set(segment, next);
    else (this.#keys ??= new Map()).set(segment, next);
    return next;
  }
}

/** An opaque position in the tree, for scanners that record a key relative to its table. */
export type KeyNode = Node;

/** Lines of the keys of one document (1-based). */
export class KeyLines {
  readonly root: KeyNode = new Node();

  /** The node of `segment` under `node`, created when missing. */
  child(node: KeyNode, segment: Segment): KeyNode {
    return node.child(segment);
  }

  /** Gives `node` its line unless an earlier statement already defined it. */
  mark(node: KeyNode, line: number): void {
    node.line ??= line;
  }

  /** Walks `segments` from `node`, marking every step with `line` (a dotted key defines its parents). */
  record(node: KeyNode, segments: readonly Segment[], line: number): KeyNode {
    for (const s of segments) {
      node = node.child(s);
      node.line ??= line;
    }
    return node;
  }

  /** The line of exactly `segments`, or undefined when it is not written in the text. */
  exactLineOf(segments: readonly Segment[]): number | undefined {
    let node: Node | undefined = this.root;
    for (const s of segments) {
      node = node.get(s);
      if (node === undefined) return undefined;
    }
    return node.line;
  }

  /** The line of `segments` or, when it is not written in the text, of its nearest written ancestor. */
  lineOf(segments: readonly Segment[]): number | undefined {
    let node: Node | undefined = this.root;
    let line: number | undefined;
    for (const s of segments) {
      node = node.get(s);
      if (node === undefined) break;
      line = node.line ?? line;
    }
    return line;
  }

  /** `exactLineOf` for a display path (`plugins[1].source`). */
  get(path: string): number | undefined {
    return this.exactLineOf(parseKeyPath(path));
  }
}

/** Formats a key path the way problems show it: `capabilities.network.hosts[1]`. */
export function keyPath(segments: readonly Segment[]): string {
  let out = "";
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else out += out === "" ? s : `.${s}`;
  }
  return out;
}

/**
 * The segments of a display path (`plugins[1].source` -> `plugins`, 1, `source`). A key that itself holds
 * a dot or a bracket cannot be told apart here; its lookup falls back to an ancestor's line.
 */
export function parseKeyPath(path: string): Segment[] {
  const out: Segment[] = [];
  for (const m of path.matchAll(/\[(\d+)\]|([^.[\]]+)/g)) out.push(m[1] !== undefined ? Number(m[1]) : m[2]);
  return out;
}
