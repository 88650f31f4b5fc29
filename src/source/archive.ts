/**
 * Safe unpacking of skill `.tar.gz` archives into a staging folder. The gzip layer is Deno's
 * `DecompressionStream("gzip")`; the tar layer is a small reader of ustar, GNU long names (`L`/`K`) and
 * pax headers (`path`, `linkpath`, `size`).
 *
 * Decisions, all refusing the whole archive before anything is written (the archive is read and checked
 * completely first, then written):
 * - Paths: absolute paths, drive letters, backslashes, NUL and any `..` component are refused, as is
 *   anything that would not land inside the target after normalisation. `./` prefixes are fine.
 * - Links: symlinks and hardlinks are refused outright, whatever their target. A skill is text and
 *   scripts; links buy nothing there and are the classic way to write outside the target (`a -> /etc`,
 *   then `a/passwd`), so no link is ever created.
 * - Devices, FIFOs and unknown entry types (sparse files, volume labels) are refused.
 * - Bombs: the decompressed stream, the unpacked total and the entry count are capped; the gzip stream
 *   is cut off as soon as it passes its cap, so a small archive cannot expand unboundedly in memory.
 * - The same path twice (also differing only in case, which would clash on macOS and Windows), or a file
 *   used as a folder, is refused.
 * - Files keep only the executable bit (0755 or 0644): no setuid, no world-writable files.
 */

import { SamuelError } from "../errors.ts";
import { sourceError } from "./errors.ts";

export interface UnpackLimits {
  /** Unpacked bytes over all files. Default 256 MiB. */
  maxBytes?: number;
  /** Entries (files and folders). Default 10 000. */
  maxEntries?: number;
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

/**
 * Unpacks a gzip-compressed tar into `targetDir` (created when missing; must be empty). `label` names
 * the archive in errors. Throws `SAM-ARCHIVE-*` before writing anything when the archive is unsafe.
 */
export async function unpackTarGz(
  archive: Uint8Array,
  targetDir: string,
  label: string,
  limits: UnpackLimits = {},
): Promise<UnpackResult> {
  const maxBytes = limits.maxBytes ?? 256 * 1024 * 1024;
  const maxEntries = limits.maxEntries ?? 10_000;
  // Headers, pax records and padding can add a few blocks per entry on top of the file bytes.
  const tar = await gunzip(archive, maxBytes + (maxEntries + 4) * 4 * BLOCK, label);
  const entries = readTar(tar, label, maxBytes, maxEntries);
  return await writeEntries(entries, targetDir, label);
}

/** Decompresses, stopping as soon as the output passes `maxBytes`. */
export async function gunzip(data: Uint8Array, maxBytes: number, label: string): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new DecompressionStream("gzip"),
  );
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > maxBytes) {
        await reader.cancel().catch(() => {});
        throw bomb(label, `it expands to more than ${maxBytes} bytes`);
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof SamuelError) throw e;
    throw sourceError(
      "SAM-ARCHIVE-001",
      `${label} is not a valid .tar.gz archive`,
      "publish the skill as `tar czf <name>.tar.gz -C <folder> .`",
      e instanceof Error ? e.message : String(e),
    );
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
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

/** Reads and checks every entry; throws on the first unsafe one. */
export function readTar(tar: Uint8Array, label: string, maxBytes: number, maxEntries: number): Entry[] {
  const entries: Entry[] = [];
  let total = 0;
  let at = 0;
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax = new Map<string, string>();
  let headers = 0;
  while (at + BLOCK <= tar.length) {
    const h = tar.subarray(at, at + BLOCK);
    if (h.every((b) => b === 0)) break;
    if (++headers > maxEntries * 4) throw bomb(label, `it has more than ${maxEntries} entries`);
    if (!checksumOk(h, label)) throw corrupt(label, `header checksum mismatch at offset ${at}`);
    const magic = cstring(h, 257, 6);
    const typeflag = String.fromCharCode(h[156] || 0x30);
    let size = number(h, 124, 12, label);
    if (pax.has("size") && /^\d+$/.test(pax.get("size")!)) size = Number(pax.get("size"));
    const dataStart = at + BLOCK;
    const dataEnd = dataStart + size;
    if (dataEnd > tar.length) throw corrupt(label, "an entry is truncated");
    const data = tar.subarray(dataStart, dataEnd);
    at = dataStart + Math.ceil(size / BLOCK) * BLOCK;

    if (typeflag === "x") {
      pax = paxRecords(data, label);
      continue;
    }
    if (typeflag === "g") continue; // global pax defaults: nothing we honour
    if (typeflag === "L") {
      longName = cstring(data, 0, data.length);
      continue;
    }
    if (typeflag === "K") {
      longLink = cstring(data, 0, data.length);
      continue;
    }
    const prefix = magic === "ustar" ? cstring(h, 345, 155) : "";
    const base = cstring(h, 0, 100);
    const rawPath = pax.get("path") ?? longName ?? (prefix ? `${prefix}/${base}` : base);
    const linkTarget = pax.get("linkpath") ?? longLink ?? cstring(h, 157, 100);
    pax = new Map();
    longName = undefined;
    longLink = undefined;

    if (entries.length >= maxEntries) throw bomb(label, `it has more than ${maxEntries} entries`);
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
    if (path === "") continue; // `./` itself
    if (isFile) {
      total += size;
      if (total > maxBytes) throw bomb(label, `it unpacks to more than ${maxBytes} bytes`);
    }
    const mode = number(h, 100, 8, label);
    entries.push({ path, type: isFile ? "file" : "dir", mode, data: isFile ? data : new Uint8Array() });
  }
  checkCollisions(entries, label);
  return entries;
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
