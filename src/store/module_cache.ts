/**
 * The module cache (DESIGN.md section 7): pre-processed wasm bytes plus their metadata, under
 * `$SAMUEL_HOME/cache/wasm/modules/<sha256 of the original>/<variant>/`, where the variant names the
 * pre-processor version and the options that change its output (memory cap, metering). V8 cannot persist
 * compiled machine code across processes (PLATFORM-NOTES), so what is cached is the rewrite, which is the
 * part that costs milliseconds per megabyte.
 *
 * Guarantees:
 * - Integrity: every load re-hashes the bytes against the metadata; a mismatch, a truncated file or a
 *   missing/garbled `meta.json` discards the entry (it is rebuilt, never executed). An entry must also
 *   belong where it is stored: its metadata's source digest must equal the key it is stored under and its
 *   variant the variant folder it sits in, so a complete entry copied under another plugin's digest is
 *   discarded, not run. Anything that is not an entry folder where one belongs (a plain file, say) is a
 *   corrupt entry too, never an error.
 * - Callers that split the checks use `read` (structural checks only, sync) and `verify` (the bytes) instead
 *   of `load`. `verify` re-hashes unless the entry's `verified.json` vouches for the module file: it records
 *   the file's identity when its bytes last hashed right (file_identity.ts: any write changes the ctime),
 *   so a hot entry is hashed once, not on every run (~4 ms for a 4 MB module). `verifyAll` (doctor) always
 *   hashes.
 * - Concurrency: an entry is built in a private temp folder and renamed into place; two processes filling
 *   the same entry race harmlessly (the loser's rename fails on the non-empty target and is discarded).
 * - Budget: after each insert, least recently used entries (by `meta.json` mtime, touched on every hit)
 *   are evicted until the total fits the budget; the entry just inserted or used is never evicted.
 * - An entry folder may also hold the compile profiles of its exports (`hints-<export>.bin`,
 *   compile_profile.ts): advisory, checked when read, and removed with the entry.
 * - Stats: hits, misses and rebuilds are appended as single bytes to `stats.log` with O_APPEND, which is
 *   atomic across processes; the log is compacted into `stats.json` when it grows, and an increment that
 *   races with a compaction may be lost (stats are advisory, never used for decisions).
 */

import { sha256Hex } from "./digest.ts";
import { readWholeInBackground, readWholeSync } from "./read_whole.ts";
import {
  identityOf,
  isIdentity,
  sameIdentity,
  type SeenIdentity,
  vouches,
  writeJsonQuietly,
} from "./file_identity.ts";

export interface CacheVariant {
  /** Pre-processor version: a new rewriter never reuses an old rewrite. */
  preprocessor: string;
  /** Memory cap in bytes applied by the rewrite. */
  maxMemoryBytes: number;
  /** Whether time/fuel probes were inserted. */
  metered: boolean;
}

export interface CacheMeta {
  sourceSha256: string;
  processedSha256: string;
  size: number;
  variant: CacheVariant;
  createdAt: string;
  /** Whatever the builder wants to keep with the bytes (module info: imports, exports, memory). */
  info: unknown;
}

export interface CacheStats {
  hits: number;
  misses: number;
  /** Entries found corrupt (bad hash, truncated, missing metadata) and rebuilt. */
  rebuilds: number;
  hit_rate: number;
  modules: number;
  budget_bytes: number;
  used_bytes: number;
}

export interface CacheLookup {
  bytes: Uint8Array;
  meta: CacheMeta;
  hit: boolean;
  /** Set when a corrupt entry was found and discarded before rebuilding. */
  rebuilt?: string;
}

export type Builder = (source: Uint8Array) => { bytes: Uint8Array; info: unknown };

/** An entry as `read` returns it: its bytes, metadata, and the module file's identity when read. */
export interface CacheEntry {
  bytes: Uint8Array;
  meta: CacheMeta;
  seen?: SeenIdentity;
}

const MODULE_FILE = "module.wasm";
const META_FILE = "meta.json";
const VERIFIED_FILE = "verified.json";
const STATS_LOG = "stats.log";
const STATS_JSON = "stats.json";
const COMPACT_AT = 4096;

/**
 * A module file stat'ed, and when large, being read in the background (`ModuleCache.prefetch`); `bytes`
 * resolves to undefined when that read failed.
 */
export interface Prefetch {
  size: number;
  seen?: SeenIdentity;
  bytes?: Promise<Uint8Array | undefined>;
}

/** Below this a module is read synchronously when asked for (an async read's own cost is not worth it). */
const BACKGROUND_READ_BYTES = 1024 * 1024;

/** Room left after a prefetched module's bytes for a compile-hint section (a Go plugin's: ~3 KB). */
const PREFETCH_ROOM = 64 * 1024;

/** The folder name of a variant (also the key run stamps record rewrites under). */
export function variantName(v: CacheVariant): string {
  return `p${v.preprocessor}-m${v.maxMemoryBytes}-${v.metered ? "metered" : "plain"}`;
}

function tryRemove(path: string): void {
  try {
    Deno.removeSync(path, { recursive: true });
  } catch { /* already gone */ }
}

export class ModuleCache {
  readonly #root: string;
  readonly #modules: string;
  readonly #budget: number;

  /** `root` is `$SAMUEL_HOME/cache/wasm`; `budgetBytes` comes from `[wasm].cache_budget`. */
  constructor(root: string, budgetBytes: number) {
    this.#root = root;
    this.#modules = `${root}/modules`;
    this.#budget = budgetBytes;
  }

  /** The entry folder for a source digest and variant. */
  entryDir(sourceSha256: string, variant: CacheVariant): string {
    return `${this.#modules}/${sourceSha256}/${variantName(variant)}`;
  }

  /**
   * Returns the verified cached rewrite, or builds, stores and returns it. `source` is only hashed when
   * `sourceSha256` is not given (the lock already knows it).
   */
  async getOrBuild(
    source: Uint8Array,
    variant: CacheVariant,
    build: Builder,
    sourceSha256?: string,
  ): Promise<CacheLookup> {
    const sha = sourceSha256 ?? await sha256Hex(source);
    const found = await this.load(sha, variant);
    if (found.entry) {
      this.record("h");
      return { ...found.entry, hit: true };
    }
    this.record(found.corrupt ? "c" : "m");
    const built = build(source);
    const meta = await this.store(sha, variant, built.bytes, built.info);
    return { bytes: built.bytes, meta, hit: false, rebuilt: found.corrupt };
  }

  /**
   * Loads and verifies an entry; a corrupt one is deleted and reported. A use marks the entry recently
   * used; `touch: false` reads without doing so (checks such as `verifyAll` must not reorder the LRU).
   */
  async load(
    sourceSha256: string,
    variant: CacheVariant,
    opts: { touch?: boolean; full?: boolean } = {},
  ): Promise<{ entry?: CacheEntry; corrupt?: string }> {
    const found = this.read(sourceSha256, variant, { touch: false });
    if (!found.entry) return found;
    if (!await this.verify(found.entry, { full: opts.full })) {
      return this.discard(sourceSha256, variant, "digest mismatch");
    }
    if (opts.touch !== false) this.#touch(this.entryDir(sourceSha256, variant));
    return found;
  }

  /**
   * Stats an entry's module file and, for a large one, starts reading it in the background, before the
   * entry and the plugin are checked: `read` given the settled prefetch then takes its bytes and the
   * identity of its stat instead of reading (the same stat-then-read order as its own). The run path
   * overlaps the read with checking the lock, the manifest and the installed module. Undefined when there
   * is no module file (a miss, or a damaged entry `read` will find).
   */
  prefetch(sourceSha256: string, variant: CacheVariant): Prefetch | undefined {
    const path = `${this.entryDir(sourceSha256, variant)}/${MODULE_FILE}`;
    const seenAtMs = Date.now();
    let info: Deno.FileInfo;
    try {
      info = Deno.statSync(path);
    } catch {
      return undefined;
    }
    if (!info.isFile) return undefined;
    const identity = identityOf(info);
    const out: Prefetch = { size: info.size, seen: identity ? { identity, seenAtMs } : undefined };
    if (info.size >= BACKGROUND_READ_BYTES) out.bytes = readWholeInBackground(path, info.size, PREFETCH_ROOM);
    return out;
  }

  /**
   * Reads an entry and checks everything but its bytes' hash: the metadata parses, the size matches, the
   * entry belongs under this key and variant. Follow with `verify` before running the bytes (or use
   * `load`). A corrupt entry is deleted and reported; a use marks it recently used unless `touch: false`.
   * `room`, asked once the metadata is read, is how many bytes to leave free after the module's bytes in
   * their buffer (read_whole.ts), for a caller that appends to them. `prefetched`: this entry's settled
   * `prefetch` (its `bytes` awaited), whose stat and bytes stand in for reading the module here.
   */
  read(
    sourceSha256: string,
    variant: CacheVariant,
    opts: {
      touch?: boolean;
      room?: (meta: CacheMeta) => number;
      prefetched?: { size: number; seen?: SeenIdentity; bytes?: Uint8Array };
    } = {},
  ): { entry?: CacheEntry; corrupt?: string } {
    const dir = this.entryDir(sourceSha256, variant);
    let metaText: string;
    try {
      metaText = Deno.readTextFileSync(`${dir}/${META_FILE}`);
    } catch (e) {
      // A plain file standing where the entry's source folder belongs is a damaged entry, not an error.
      const parent = `${this.#modules}/${sourceSha256}`;
      if (existsNotDir(parent)) return this.#discard(parent, "not an entry folder");
      if (!(e instanceof Deno.errors.NotFound)) {
        return this.#discard(dir, `unreadable entry (${errorName(e)})`);
      }
      // A folder without metadata is an interrupted or damaged entry, not a miss.
      if (exists(dir)) return this.#discard(dir, "metadata missing");
      return {};
    }
    let meta: CacheMeta;
    let bytes: Uint8Array;
    let seen: SeenIdentity | undefined;
    try {
      meta = JSON.parse(metaText);
      const room = opts.room?.(meta) ?? 0;
      const pre = opts.prefetched;
      if (pre) {
        seen = pre.seen;
        bytes = pre.bytes ?? readWholeSync(`${dir}/${MODULE_FILE}`, pre.size, room);
      } else {
        const seenAtMs = Date.now();
        const info = Deno.statSync(`${dir}/${MODULE_FILE}`);
        const identity = identityOf(info);
        bytes = readWholeSync(`${dir}/${MODULE_FILE}`, info.size, room);
        if (identity) seen = { identity, seenAtMs };
      }
    } catch {
      return this.#discard(dir, "metadata unreadable or module missing");
    }
    if (typeof meta !== "object" || meta === null) return this.#discard(dir, "metadata is not an object");
    if (meta.sourceSha256 !== sourceSha256) {
      return this.#discard(
        dir,
        `entry of another module (${String(meta.sourceSha256)}) stored under this key`,
      );
    }
    if (!meta.variant || variantName(meta.variant) !== variantName(variant)) {
      return this.#discard(dir, "entry of another variant stored under this variant");
    }
    if (bytes.length !== meta.size) return this.#discard(dir, `size ${bytes.length} != ${meta.size}`);
    if (opts.touch !== false) this.#touch(dir);
    return { entry: { bytes, meta, seen } };
  }

  /**
   * Whether an entry's bytes are the ones its metadata records: vouched for by `verified.json` when the
   * module file is unchanged since it last hashed right, else hashed (`full`: always hashed).
   */
  async verify(entry: CacheEntry, opts: { full?: boolean } = {}): Promise<boolean> {
    const dir = this.entryDir(entry.meta.sourceSha256, entry.meta.variant);
    if (!opts.full && entry.seen) {
      const record = readVerified(`${dir}/${VERIFIED_FILE}`);
      if (
        record?.processedSha256 === entry.meta.processedSha256 && vouches(record.seen, entry.seen.identity)
      ) return true;
    }
    if (await sha256Hex(entry.bytes) !== entry.meta.processedSha256) return false;
    // Record only an identity that still stands after the read: a write racing it is not vouched for.
    if (entry.seen) {
      const after = identityOf(Deno.statSync(`${dir}/${MODULE_FILE}`));
      if (after && sameIdentity(entry.seen.identity, after)) {
        writeJsonQuietly(`${dir}/${VERIFIED_FILE}`, {
          processedSha256: entry.meta.processedSha256,
          seen: entry.seen,
        });
      }
    }
    return true;
  }

  /** Deletes an entry found wanting (e.g. `verify` failed, or it is not the rewrite the caller expected). */
  discard(sourceSha256: string, variant: CacheVariant, reason: string): { corrupt: string } {
    return this.#discard(this.entryDir(sourceSha256, variant), reason);
  }

  /** Stores a rewrite atomically, then evicts down to the budget (never this entry). */
  async store(
    sourceSha256: string,
    variant: CacheVariant,
    bytes: Uint8Array,
    info: unknown,
  ): Promise<CacheMeta> {
    const dir = this.entryDir(sourceSha256, variant);
    const parent = `${this.#modules}/${sourceSha256}`;
    if (existsNotDir(parent)) tryRemove(parent); // a plain file where the entry's folder belongs
    Deno.mkdirSync(parent, { recursive: true });
    const meta: CacheMeta = {
      sourceSha256,
      processedSha256: await sha256Hex(bytes),
      size: bytes.length,
      variant,
      createdAt: new Date().toISOString(),
      info,
    };
    const temp = Deno.makeTempDirSync({ dir: parent, prefix: ".tmp-" });
    try {
      Deno.writeFileSync(`${temp}/${MODULE_FILE}`, bytes);
      // Metadata last: its presence is what marks the entry complete.
      Deno.writeTextFileSync(`${temp}/${META_FILE}`, JSON.stringify(meta));
      tryRemove(dir); // a corrupt leftover
      try {
        Deno.renameSync(temp, dir);
      } catch {
        // Another process renamed its copy into place first: theirs is as good as ours.
        tryRemove(temp);
      }
    } catch (e) {
      tryRemove(temp);
      throw e;
    }
    this.evict(dir);
    return meta;
  }

  /** Evicts least recently used entries until the total fits the budget, sparing `keep`. */
  evict(keep?: string): string[] {
    const entries = this.#entries();
    let used = entries.reduce((sum, e) => sum + e.bytes, 0);
    const evicted: string[] = [];
    entries.sort((a, b) => a.lastUsed - b.lastUsed);
    for (const e of entries) {
      if (used <= this.#budget) break;
      if (e.dir === keep) continue;
      tryRemove(e.dir);
      used -= e.bytes;
      evicted.push(e.dir);
    }
    return evicted;
  }

  /** Verifies every entry (doctor): returns the ones found corrupt, which are removed. */
  async verifyAll(): Promise<string[]> {
    const corrupt: string[] = [];
    for (const e of this.#entries()) {
      const [sha, variantDir] = e.dir.slice(this.#modules.length + 1).split("/");
      let variant: CacheVariant | undefined;
      try {
        variant = (JSON.parse(Deno.readTextFileSync(`${e.dir}/${META_FILE}`)) as CacheMeta).variant;
      } catch {
        variant = undefined;
      }
      if (!variant || variantName(variant) !== variantDir) {
        tryRemove(e.dir);
        corrupt.push(e.dir);
        continue;
      }
      const r = await this.load(sha, variant, { touch: false, full: true });
      if (r.corrupt) corrupt.push(e.dir);
    }
    // Plain files where entry folders belong are damage too (`#entries` lists folders only).
    for (const source of readDirQuiet(this.#modules)) {
      if (source.isDirectory || source.name.startsWith(".")) continue;
      const path = `${this.#modules}/${source.name}`;
      tryRemove(path);
      corrupt.push(path);
    }
    return corrupt;
  }

  /** Persistent counters plus the current size of the cache. */
  stats(): CacheStats {
    const counts = this.#readCounts();
    const entries = this.#entries();
    const lookups = counts.h + counts.m + counts.c;
    return {
      hits: counts.h,
      misses: counts.m + counts.c,
      rebuilds: counts.c,
      hit_rate: lookups === 0 ? 0 : Math.round((counts.h / lookups) * 10000) / 10000,
      modules: entries.length,
      budget_bytes: this.#budget,
      used_bytes: entries.reduce((sum, e) => sum + e.bytes, 0),
    };
  }

  #discard(dir: string, reason: string): { corrupt: string } {
    tryRemove(dir);
    return { corrupt: reason };
  }

  #touch(dir: string): void {
    const now = new Date();
    try {
      Deno.utimeSync(`${dir}/${META_FILE}`, now, now);
    } catch { /* evicted meanwhile by another process: the bytes we read are still verified */ }
  }

  #entries(): { dir: string; bytes: number; lastUsed: number }[] {
    const out: { dir: string; bytes: number; lastUsed: number }[] = [];
    for (const source of readDirQuiet(this.#modules)) {
      if (!source.isDirectory) continue;
      const sourceDir = `${this.#modules}/${source.name}`;
      for (const variant of readDirQuiet(sourceDir)) {
        if (!variant.isDirectory || variant.name.startsWith(".tmp-")) continue;
        const dir = `${sourceDir}/${variant.name}`;
        let bytes = 0;
        let lastUsed = 0;
        for (const file of readDirQuiet(dir)) {
          try {
            const st = Deno.statSync(`${dir}/${file.name}`);
            bytes += st.size;
            if (file.name === META_FILE) lastUsed = st.mtime?.getTime() ?? 0;
          } catch { /* removed concurrently */ }
        }
        out.push({ dir, bytes, lastUsed });
      }
    }
    return out;
  }

  /** Counts a lookup: hit, miss, or corrupt entry rebuilt (for callers that use `load` directly). */
  record(kind: "h" | "m" | "c"): void {
    // Plain append and stat calls, not an FsFile: opening one costs ~0.4 ms the first time in a process,
    // and this runs on every `samuel run`.
    const log = `${this.#root}/${STATS_LOG}`;
    const byte = new Uint8Array([kind.charCodeAt(0)]);
    try {
      try {
        Deno.writeFileSync(log, byte, { append: true });
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
        Deno.mkdirSync(this.#root, { recursive: true });
        Deno.writeFileSync(log, byte, { append: true });
      }
      if (Deno.statSync(log).size >= COMPACT_AT) this.#compact();
    } catch { /* stats are advisory: a read-only home must not break a run */ }
  }

  #readCounts(): { h: number; m: number; c: number } {
    const counts = { h: 0, m: 0, c: 0 };
    try {
      Object.assign(counts, JSON.parse(Deno.readTextFileSync(`${this.#root}/${STATS_JSON}`)));
    } catch { /* none yet */ }
    try {
      for (const b of Deno.readFileSync(`${this.#root}/${STATS_LOG}`)) {
        if (b === 0x68) counts.h++;
        else if (b === 0x6d) counts.m++;
        else if (b === 0x63) counts.c++;
      }
    } catch { /* none yet */ }
    return counts;
  }

  #compact(): void {
    const counts = this.#readCounts();
    const temp = `${this.#root}/.${STATS_JSON}.tmp-${Deno.pid}`;
    Deno.writeTextFileSync(temp, JSON.stringify(counts));
    // Order matters: the summary replaces the old one before the log is cleared, so a crash in between
    // double counts the log (advisory) rather than losing history.
    Deno.renameSync(temp, `${this.#root}/${STATS_JSON}`);
    Deno.truncateSync(`${this.#root}/${STATS_LOG}`, 0);
  }
}

/** `verified.json`: the processed digest and the module file's identity when it last hashed to it. */
function readVerified(path: string): { processedSha256: string; seen: SeenIdentity } | undefined {
  try {
    const v = JSON.parse(Deno.readTextFileSync(path));
    if (
      typeof v?.processedSha256 === "string" && isIdentity(v.seen?.identity) &&
      typeof v.seen.seenAtMs === "number"
    ) {
      return v;
    }
  } catch { /* none, or damaged: hash */ }
  return undefined;
}

/** True when something other than a folder stands at `path`. */
function existsNotDir(path: string): boolean {
  try {
    return !Deno.lstatSync(path).isDirectory;
  } catch {
    return false;
  }
}

function errorName(e: unknown): string {
  return e instanceof Error ? e.name : String(e);
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

function readDirQuiet(dir: string): Deno.DirEntry[] {
  try {
    return [...Deno.readDirSync(dir)];
  } catch {
    return [];
  }
}
