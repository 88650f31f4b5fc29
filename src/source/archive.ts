/**
 * Safe unpacking of skill `.tar.gz` archives into a staging folder. The gzip layer is Deno's
 * `DecompressionStream("gzip")`; the tar layer is a small reader of ustar, GNU long names (`L`/`K`) and
 * pax headers (`path`, `linkpath`, `size`).
 *
 * Decisions, all refusing the whole archive before anything is written (the archive is read and checked
 * completely first, then written; only the files' bytes are held in memory meanwhile):
 * - Paths: absolute paths, drive letters, backslashes, NUL and any `..` component are refused, as is
 *   anything that would not land inside the target after normalisation. `./` prefixes are fine.
 * - Links: symlinks and hardlinks are refused outright, whatever their target. A skill is text and
 *   scripts; links buy nothing there and are the classic way to write outside the target (`a -> /etc`,
 *   then `a/passwd`), so no link is ever created.
 * - Devices, FIFOs and unknown entry types (sparse files, volume labels) are refused.
 * - Bombs: the decompressed stream (in total and as a ratio to the compressed bytes read), the unpacked
 *   total and the entry count are capped, all checked as bytes arrive: the gzip stream is inflated a small
 *   step at a time with back-pressure and parsed as it goes (a streaming tar reader), so a small archive
 *   cannot expand in memory beyond the files it is allowed to hold (issue 17: one huge member and many
 *   members used to peak at 3.1 GB and 2.3 GB before the cap applied).
 * - The same path twice (also differing only in case, which would clash on macOS and Windows), or a file
 *   used as a folder, is refused.
 * - Files keep only the executable bit (0755 or 0644): no setuid, no world-writable files.
 */

import { isSamuelError } from "../errors.ts";
import { sourceError } from "./errors.ts";

export interface UnpackLimits {
  /** Unpacked bytes over all files. Default 256 MiB. */
  maxBytes?: number;
  /** Entries (files and folders). Default 10 000. */
  maxEntries?: number;
  /**
   * Decompressed bytes per compressed byte, checked once the output passes `RATIO_FLOOR`. Default 200:
   * text and tar padding compress 3-20x, while a bomb of zeros reaches deflate's ~1000x.
   */
  maxRatio?: number;
}

export interface UnpackResult {
  files: string[];
  dirs: string[];
  bytes: number;
}

interface Entry {
  path: string;
  type: "file" | "dir";
  mode: number;
  data: Uint8Array;
}

const BLOCK = 512;
const decoder = new TextDecoder();

/** The ratio bound applies past this much output: small archives of padding or zeros are harmless. */
export const RATIO_FLOOR = 16 * 1024 * 1024;
/**
 * Compressed bytes handed to the decompressor at a time. Deno's `DecompressionStream` inflates each
 * input chunk in one piece, so this bounds one output chunk to ~8 MiB (deflate expands at most ~1032x).
 */
const INPUT_STEP = 8 * 1024;
/** The largest pax or GNU long-name record: it only carries a path (at most 4096 bytes) and a few keys. */
const MAX_META = 1024 * 1024;

/**
 * Unpacks a gzip-compressed tar into `targetDir` (created when missing; must be empty). `label` names
 * the archive in errors. Throws `SAM-ARCHIVE-*` before writing anything when the archive is unsafe.
 *
 * Memory: the archive is inflated a step at a time and each step is parsed at once, so nothing but the
 * files' own bytes is kept (at most `maxBytes`); a member whose header announces more than the budget left
 * is refused before a byte of it is inflated, and a stream expanding faster than `maxRatio` is cut off.
 */
export async function unpackTarGz(
  archive: Uint8Array,
  targetDir: string,
  label: string,
  limits: UnpackLimits = {},
): Promise<UnpackResult> {
  const maxBytes = limits.maxBytes ?? 256 * 1024 * 1024;
  const maxEntries = limits.maxEntries ?? 10_000;
  const tar = new TarReader(label, maxBytes, maxEntries);
  // Headers, pax records and padding can add a few blocks per entry on top of the file bytes.
  await gunzip(archive, label, {
    maxBytes: maxBytes + (maxEntries + 4) * 4 * BLOCK,
    maxRatio: limits.maxRatio ?? 200,
  }, (chunk) => tar.push(chunk));
  const entries = tar.finish();
  return await writeEntries(entries, targetDir, label);
}

/**
 * Inflates `data` with back-pressure, handing each output chunk to `sink` before the next input step is
 * read, and stops as soon as the output passes `maxBytes` or `maxRatio` times the input consumed.
 */
export async function gunzip(
  data: Uint8Array,
  label: string,
  caps: { maxBytes: number; maxRatio: number },
  sink: (chunk: Uint8Array) => void,
): Promise<void> {
  let fed = 0;
  const source = new ReadableStream<Uint8Array<ArrayBuffer>>({
    pull(controller) {
      if (fed >= data.length) return controller.close();
      const end = Math.min(fed + INPUT_STEP, data.length);
      controller.enqueue(data.slice(fed, end) as Uint8Array<ArrayBuffer>);
      fed = end;
    },
  }, { highWaterMark: 0 });
  const reader = source.pipeThrough(new DecompressionStream("gzip")).getReader();
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > caps.maxBytes) throw bomb(label, `it expands to more than ${caps.maxBytes} bytes`);
      if (size > RATIO_FLOOR && size > caps.maxRatio * fed) {
        throw bomb(
          label,
          `it expands more than ${caps.maxRatio} times (${size} bytes from the first ${fed} compressed bytes)`,
        );
      }
      sink(value);
    }
  } catch (e) {
    await reader.cancel().catch(() => {});
    if (isSamuelError(e)) throw e;
    throw sourceError(
      "SAM-ARCHIVE-001",
      `${label} is not a valid .tar.gz archive`,
      "publish the skill as `tar czf <name>.tar.gz -C <folder> .`",
      e instanceof Error ? e.message : String(e),
    );
  }
}

function bomb(label: string, why: string) {
  return sourceError(
    "SAM-ARCHIVE-005",
    `${label} is refused: ${why}`,
    "a skill archive holds text and scripts; keep it small, or raise the limit if this is really intended",
  );
}

function corrupt(label: string, why: string) {
  return sourceError(
    "SAM-ARCHIVE-001",
    `${label} is not a valid tar archive: ${why}`,
    "publish the skill as `tar czf <name>.tar.gz -C <folder> .`",
  );
}

function cstring(b: Uint8Array, start: number, len: number): string {
  const slice = b.subarray(start, start + len);
  const nul = slice.indexOf(0);
  return decoder.decode(nul < 0 ? slice : slice.subarray(0, nul));
}

/** A numeric field: octal text, or GNU base-256 when the high bit of the first byte is set. */
function number(b: Uint8Array, start: number, len: number, label: string): number {
  if (b[start] & 0x80) {
    let n = b[start] & 0x7f;
    for (let i = 1; i < len; i++) n = n * 256 + b[start + i];
    if (!Number.isSafeInteger(n)) throw corrupt(label, "a size field is out of range");
    return n;
  }
  const text = cstring(b, start, len).trim();
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) throw corrupt(label, `bad numeric field ${JSON.stringify(text)}`);
  return parseInt(text, 8);
}

function checksumOk(h: Uint8Array, label: string): boolean {
  const stored = number(h, 148, 8, label);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i];
  return sum === stored;
}

/** pax extended header records: `<len> <key>=<value>\n`. */
function paxRecords(data: Uint8Array, label: string): Map<string, string> {
  const out = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    if (data[at] === 0) break;
    let sp = at;
    while (sp < data.length && data[sp] !== 0x20) sp++;
    const len = parseInt(decoder.decode(data.subarray(at, sp)), 10);
    if (!Number.isFinite(len) || len <= 0 || at + len > data.length) throw corrupt(label, "bad pax header");
    const record = decoder.decode(data.subarray(sp + 1, at + len - 1));
    const eq = record.indexOf("=");
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    at += len;
  }
  return out;
}

/** Where the bytes of the entry being read go. */
interface Body {
  /** The buffer being filled (exactly the entry's size), or undefined when the bytes are skipped. */
  data?: Uint8Array;
  /** Bytes of the entry still to come. */
  left: number;
  /** Padding to the next block after it. */
  pad: number;
  done: (data: Uint8Array) => void;
}

/**
 * A streaming tar reader: `push` the tar bytes in any chunking, then `finish` for the checked entries.
 * Each header is checked when it is complete, before its data arrives (so a link, a device or a file
 * larger than the budget left is refused without reading on); a file's bytes are copied into a buffer of
 * exactly its size, so what stays in memory is the files themselves.
 */
export class TarReader {
  readonly #entries: Entry[] = [];
  readonly #header = new Uint8Array(BLOCK);
  #headerFill = 0;
  #body: Body | undefined;
  #ended = false;
  #offset = 0;
  #total = 0;
  #headers = 0;
  #longName: string | undefined;
  #longLink: string | undefined;
  #pax = new Map<string, string>();

  constructor(readonly label: string, readonly maxBytes: number, readonly maxEntries: number) {}

  push(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length && !this.#ended) {
      const body = this.#body;
      if (body === undefined) {
        const n = Math.min(BLOCK - this.#headerFill, chunk.length - i);
        this.#header.set(chunk.subarray(i, i + n), this.#headerFill);
        this.#headerFill += n;
        i += n;
        if (this.#headerFill === BLOCK) {
          this.#headerFill = 0;
          this.#onHeader(this.#header);
          this.#offset += BLOCK;
        }
        continue;
      }
      if (body.left > 0) {
        const n = Math.min(body.left, chunk.length - i);
        body.data?.set(chunk.subarray(i, i + n), body.data.length - body.left);
        body.left -= n;
        i += n;
        if (body.left === 0) body.done(body.data ?? new Uint8Array());
        continue;
      }
      const n = Math.min(body.pad, chunk.length - i);
      body.pad -= n;
      i += n;
      if (body.pad === 0) this.#body = undefined;
    }
  }

  /** The entries read; throws when the archive ended inside an entry. */
  finish(): Entry[] {
    if (this.#body !== undefined && this.#body.left > 0) throw corrupt(this.label, "an entry is truncated");
    checkCollisions(this.#entries, this.label);
    return this.#entries;
  }

  #expect(size: number, pad: boolean, done: (data: Uint8Array) => void, keep: boolean): void {
    const padding = pad ? (BLOCK - (size % BLOCK)) % BLOCK : 0;
    const body: Body = { data: keep ? new Uint8Array(size) : undefined, left: size, pad: padding, done };
    this.#offset += size + padding;
    if (size === 0) {
      done(new Uint8Array());
      if (padding === 0) return;
    }
    this.#body = body;
  }

  #onHeader(h: Uint8Array): void {
    const label = this.label;
    if (h.every((b) => b === 0)) {
      this.#ended = true;
      return;
    }
    if (++this.#headers > this.maxEntries * 4) {
      throw bomb(label, `it has more than ${this.maxEntries} entries`);
    }
    if (!checksumOk(h, label)) throw corrupt(label, `header checksum mismatch at offset ${this.#offset}`);
    const magic = cstring(h, 257, 6);
    const typeflag = String.fromCharCode(h[156] || 0x30);
    let size = number(h, 124, 12, label);
    const paxSize = this.#pax.get("size");
    if (paxSize !== undefined && /^\d+$/.test(paxSize)) size = Number(paxSize);

    if (typeflag === "x" || typeflag === "L" || typeflag === "K") {
      if (size > MAX_META) throw bomb(label, `a ${typeflag} header record of ${size} bytes is too large`);
      this.#expect(size, true, (data) => {
        if (typeflag === "x") this.#pax = paxRecords(data, label);
        else if (typeflag === "L") this.#longName = cstring(data, 0, data.length);
        else this.#longLink = cstring(data, 0, data.length);
      }, true);
      return;
    }
    if (typeflag === "g") return this.#expect(size, true, () => {}, false); // global pax defaults: ignored

    const prefix = magic === "ustar" ? cstring(h, 345, 155) : "";
    const base = cstring(h, 0, 100);
    const rawPath = this.#pax.get("path") ?? this.#longName ?? (prefix ? `${prefix}/${base}` : base);
    const linkTarget = this.#pax.get("linkpath") ?? this.#longLink ?? cstring(h, 157, 100);
    this.#pax = new Map();
    this.#longName = undefined;
    this.#longLink = undefined;

    if (this.#entries.length >= this.maxEntries) {
      throw bomb(label, `it has more than ${this.maxEntries} entries`);
    }
    if (typeflag === "1" || typeflag === "2") {
      throw sourceError(
        "SAM-ARCHIVE-003",
        `${label} is refused: entry ${JSON.stringify(rawPath)} is a ${
          typeflag === "2" ? "symlink" : "hardlink"
        } ` +
          `(to ${JSON.stringify(linkTarget)})`,
        "replace links in the skill with copies of the files; samuel never unpacks links",
        "links can make later entries write outside the install folder",
      );
    }
    const isFile = typeflag === "0" || typeflag === "7";
    const isDir = typeflag === "5";
    if (!isFile && !isDir) {
      const what = { "3": "character device", "4": "block device", "6": "FIFO" }[typeflag] ??
        `entry of unsupported type ${JSON.stringify(typeflag)}`;
      throw sourceError(
        "SAM-ARCHIVE-004",
        `${label} is refused: ${JSON.stringify(rawPath)} is a ${what}`,
        "a skill archive may hold only regular files and folders",
      );
    }
    const path = safeEntryPath(rawPath, label);
    const mode = number(h, 100, 8, label);
    if (path === "") return this.#expect(size, true, () => {}, false); // `./` itself
    if (isDir) {
      this.#entries.push({ path, type: "dir", mode, data: new Uint8Array() });
      return this.#expect(size, true, () => {}, false);
    }
    // Refused from the header: the bytes of a member larger than the budget left are never inflated.
    this.#total += size;
    if (this.#total > this.maxBytes) throw bomb(label, `it unpacks to more than ${this.maxBytes} bytes`);
    this.#expect(size, true, (data) => this.#entries.push({ path, type: "file", mode, data }), true);
  }
}

/** The normalised relative path of an entry, or a thrown SAM-ARCHIVE-002. `""` for the root itself. */
export function safeEntryPath(raw: string, label: string): string {
  const refuse = (why: string) =>
    sourceError(
      "SAM-ARCHIVE-002",
      `${label} is refused: entry ${JSON.stringify(raw)} ${why}`,
      "create the archive from inside the skill folder: `tar czf <name>.tar.gz -C <folder> .`",
      "an archive entry must stay inside the folder it is unpacked into",
    );
  if (raw.startsWith("/")) throw refuse("is an absolute path");
  if (/^[A-Za-z]:/.test(raw)) throw refuse("has a drive letter");
  if (raw.includes("\\")) throw refuse("contains a backslash");
  if (raw.includes("\0")) throw refuse("contains a NUL byte");
  const parts = raw.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) throw refuse("has a '..' component");
  if (raw.length > 4096 || parts.some((p) => new TextEncoder().encode(p).length > 255)) {
    throw refuse("is too long");
  }
  return parts.join("/");
}

function checkCollisions(entries: Entry[], label: string): void {
  const seen = new Map<string, "file" | "dir">();
  const clash = (path: string, why: string) =>
    sourceError(
      "SAM-ARCHIVE-006",
      `${label} is refused: ${JSON.stringify(path)} ${why}`,
      "rebuild the archive with tar",
    );
  for (const e of entries) {
    const key = e.path.toLowerCase();
    const prior = seen.get(key);
    if (prior === "file" || (prior === "dir" && e.type === "file")) {
      throw clash(e.path, "appears twice (paths differing only in case count as the same)");
    }
    seen.set(key, e.type);
  }
  for (const e of entries) {
    const parts = e.path.toLowerCase().split("/");
    for (let i = 1; i < parts.length; i++) {
      if (seen.get(parts.slice(0, i).join("/")) === "file") {
        throw clash(e.path, "is inside a path that is a file");
      }
    }
  }
}

async function writeEntries(entries: Entry[], targetDir: string, label: string): Promise<UnpackResult> {
  await Deno.mkdir(targetDir, { recursive: true });
  for await (const _ of Deno.readDir(targetDir)) {
    throw sourceError(
      "SAM-ARCHIVE-006",
      `cannot unpack ${label}: ${targetDir} is not empty`,
      "use an empty staging folder",
    );
  }
  const result: UnpackResult = { files: [], dirs: [], bytes: 0 };
  const made = new Set<string>();
  const mkdirs = async (rel: string) => {
    if (rel === "" || made.has(rel)) return;
    await Deno.mkdir(`${targetDir}/${rel}`, { recursive: true, mode: 0o755 });
    made.add(rel);
  };
  for (const e of entries) {
    if (e.type === "dir") {
      await mkdirs(e.path);
      result.dirs.push(e.path);
      continue;
    }
    await mkdirs(e.path.includes("/") ? e.path.slice(0, e.path.lastIndexOf("/")) : "");
    // createNew: never follow or replace anything already there.
    await Deno.writeFile(`${targetDir}/${e.path}`, e.data, {
      createNew: true,
      mode: e.mode & 0o111 ? 0o755 : 0o644,
    });
    result.files.push(e.path);
    result.bytes += e.data.length;
  }
  return result;
}
