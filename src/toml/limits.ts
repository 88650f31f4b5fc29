/**
 * Bounds on the TOML files samuel reads: `samuel.toml`, `samuel.lock` (both committed, so a hostile
 * repository controls them and every command in CI reads them) and `samuel-plugin.toml` (a plugin author
 * controls it). Past a bound the file is refused with the area's own code (`SAM-CONFIG-010`,
 * `SAM-LOCKFILE-010`, `SAM-MANIFEST-032`, exit 2) instead of being processed; within the bounds every pass
 * over a file is linear in its size, so no file can make a command hang or exhaust memory.
 *
 * | bound                                  | samuel.toml | samuel.lock | samuel-plugin.toml |
 * |----------------------------------------|-------------|-------------|--------------------|
 * | file size                              | 1 MiB       | 4 MiB       | 1 MiB              |
 * | nesting depth (tables and arrays)      | 32          | 32          | 32                 |
 * | tables (headers, inline, array items)  | 10,000      | 50,000      | 1,000              |
 * | items of one array                     | 10,000      | 10,000      | 10,000             |
 * | characters of one string or key        | 65,536      | 65,536      | 65,536             |
 *
 * Every real file is orders of magnitude below these (a lock holds 6 tables per plugin, a manifest 6 in
 * all, the deepest key is `plugin[0].capabilities.filesystem.read[0]`, 6 levels). `checkTomlDocument`
 * walks the parsed document iteratively (a 20,000-level document cannot overflow the stack) and stops at
 * the first bound passed; the caller finds its line with its own scanner and builds its error.
 */

import type { Segment } from "./key_lines.ts";

export interface TomlLimits {
  fileBytes: number;
  depth: number;
  tables: number;
  arrayItems: number;
  stringLength: number;
}

const COMMON = { depth: 32, arrayItems: 10_000, stringLength: 65_536 };
const MiB = 1024 * 1024;

export const TOML_LIMITS = {
  config: { fileBytes: 1 * MiB, tables: 10_000, ...COMMON },
  lock: { fileBytes: 4 * MiB, tables: 50_000, ...COMMON },
  manifest: { fileBytes: 1 * MiB, tables: 1_000, ...COMMON },
} as const satisfies Record<string, TomlLimits>;

/** The deepest key path any scanner needs to record to place a limit error (one past the depth bound). */
export const MAX_TOML_DEPTH = COMMON.depth;

export type LimitKind = "file size" | "nesting depth" | "table count" | "array length" | "string length";

/** Which bound a document passed, and where (the path is cut one step past the depth bound). */
export interface LimitExceeded {
  limit: LimitKind;
  max: number;
  /** The size found, or (when counting stopped at the bound) `max + 1`. */
  found: number;
  path: Segment[];
}

/** The file-size bound, checked on the byte count (or, for text, its length, which is never larger). */
export function checkTomlSize(size: number, limits: TomlLimits): LimitExceeded | undefined {
  return size > limits.fileBytes
    ? { limit: "file size", max: limits.fileBytes, found: size, path: [] }
    : undefined;
}

interface Frame {
  value: object;
  depth: number;
  parent: Frame | undefined;
  segment: Segment | undefined;
}

function pathOf(frame: Frame | undefined, last?: Segment): Segment[] {
  const out: Segment[] = last === undefined ? [] : [last];
  for (let f = frame; f !== undefined && f.segment !== undefined; f = f.parent) out.push(f.segment);
  return out.reverse();
}

const isContainer = (v: unknown): v is object => typeof v === "object" && v !== null && !(v instanceof Date);

/** The first bound `doc` (a parsed TOML document) passes, or undefined when it is within all of them. */
export function checkTomlDocument(
  doc: Record<string, unknown>,
  limits: TomlLimits,
): LimitExceeded | undefined {
  const stack: Frame[] = [{ value: doc, depth: 0, parent: undefined, segment: undefined }];
  let tables = 0;
  const over = (limit: LimitKind, max: number, found: number, path: Segment[]) => ({
    limit,
    max,
    found,
    path,
  });
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const visit = (segment: Segment, child: unknown): LimitExceeded | undefined => {
      if (typeof child === "string") {
        if (child.length > limits.stringLength) {
          return over("string length", limits.stringLength, child.length, pathOf(frame, segment));
        }
      } else if (isContainer(child)) {
        if (frame.depth + 1 > limits.depth) {
          return over("nesting depth", limits.depth, frame.depth + 1, pathOf(frame, segment));
        }
        stack.push({ value: child, depth: frame.depth + 1, parent: frame, segment });
      }
      return undefined;
    };
    if (Array.isArray(frame.value)) {
      const items = frame.value as unknown[];
      if (items.length > limits.arrayItems) {
        return over("array length", limits.arrayItems, items.length, pathOf(frame));
      }
      for (let i = 0; i < items.length; i++) {
        const found = visit(i, items[i]);
        if (found) return found;
      }
      continue;
    }
    if (++tables > limits.tables) return over("table count", limits.tables, tables, pathOf(frame));
    for (const key in frame.value) {
      if (key.length > limits.stringLength) {
        return over("string length", limits.stringLength, key.length, pathOf(frame, key.slice(0, 64) + "…"));
      }
      const found = visit(key, (frame.value as Record<string, unknown>)[key]);
      if (found) return found;
    }
  }
  return undefined;
}

/** A key path for a message: at most 8 segments, each at most 40 characters, so the message stays short. */
export function shortPath(path: readonly Segment[]): string {
  const head = path.slice(0, 8).map((s) =>
    typeof s === "number" ? `[${s}]` : s.length > 40 ? `${s.slice(0, 40)}…` : s
  );
  let out = "";
  for (const s of head) out += s.startsWith("[") ? s : out === "" ? s : `.${s}`;
  return path.length > 8 ? `${out}…` : out;
}

/**
 * The what/why/fix of a passed bound, worded the same for the three files. The message says what was
 * found and where, without the file name: callers prefix `file:line: `.
 */
export function describeLimit(
  v: LimitExceeded,
  file: string,
): { message: string; cause: string; fix: string } {
  const at = v.path.length > 0 ? ` at \`${shortPath(v.path)}\`` : "";
  const what: Record<LimitKind, string> = {
    "file size": `too large: ${v.found} bytes, over the limit of ${v.max}`,
    "nesting depth": `too deeply nested: tables and arrays more than ${v.max} levels deep${at}`,
    "table count": `too many tables: more than ${v.max}`,
    "array length": `array too long: ${v.found} items${at}, over the limit of ${v.max}`,
    "string length": `string too long: ${v.found} characters${at}, over the limit of ${v.max}`,
  };
  return {
    message: what[v.limit],
    cause: `samuel bounds the ${v.limit} of the TOML files it reads, so a damaged or hostile file cannot ` +
      "make a command hang or run out of memory",
    fix: `check ${file} for generated or damaged content (a bad merge, a tool gone wrong) and restore it ` +
      "from version control; real files stay far below these limits (README: Limits)",
  };
}

/**
 * Parses `text` with `parse` within `limits`: `{ doc }`, or `{ over }` with the bound passed (the size is
 * checked before parsing, the rest on the parsed document). `parse`'s own errors propagate.
 */
export function parseWithin<T extends Record<string, unknown>>(
  text: string,
  limits: TomlLimits,
  parse: (text: string) => T,
): { doc: T } | { over: LimitExceeded } {
  const size = checkTomlSize(text.length, limits);
  if (size) return { over: size };
  const doc = parse(text);
  const over = checkTomlDocument(doc, limits);
  return over ? { over } : { doc };
}

/**
 * Reads `path` within the file-size bound of `limits`: its bytes, or the bound passed (read no further,
 * so a huge file costs nothing). I/O errors propagate.
 */
export async function readWithin(path: string, limits: TomlLimits): Promise<Uint8Array | LimitExceeded> {
  const read = await readCapped(path, limits.fileBytes);
  return "tooLarge" in read ? checkTomlSize(read.tooLarge, limits)! : read;
}

/**
 * A non-empty regular file read in one call, up to `max` bytes: its bytes, `{ tooLarge }`, or undefined
 * for anything else (empty, or not a regular file). Every `samuel run` reads samuel.lock this way: an
 * FsFile costs ~0.4 ms to open the first time in a process. A file that grew past the bound since the
 * stat is still refused by its length. I/O errors propagate.
 */
export function readPlainCapped(path: string, max: number): Uint8Array | { tooLarge: number } | undefined {
  const info = Deno.statSync(path);
  if (info.isFile && info.size > max) return { tooLarge: info.size };
  if (!info.isFile || info.size === 0) return undefined;
  const bytes = Deno.readFileSync(path);
  return bytes.length > max ? { tooLarge: bytes.length } : bytes;
}

/**
 * Reads `path` up to `max` bytes: its bytes, or `{ tooLarge }` with the size seen once it passes `max`.
 */
async function readCapped(path: string, max: number): Promise<Uint8Array | { tooLarge: number }> {
  const plain = readPlainCapped(path, max);
  if (plain) return plain;
  using file = await Deno.open(path, { read: true });
  const size = (await file.stat()).size;
  if (size > max) return { tooLarge: size };
  // The size can change between stat and read (or be 0 for a special file): read one byte past the limit.
  const buf = new Uint8Array(Math.min(max, Math.max(size, 64 * 1024)) + 1);
  let n = 0;
  let out = buf;
  for (;;) {
    if (n === out.length) {
      if (out.length > max) return { tooLarge: n };
      const bigger = new Uint8Array(Math.min(max + 1, out.length * 2));
      bigger.set(out);
      out = bigger;
    }
    const r = await file.read(out.subarray(n));
    if (r === null) break;
    n += r;
    if (n > max) return { tooLarge: n };
  }
  return out.subarray(0, n);
}
