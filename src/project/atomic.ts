/**
 * Crash-safe file and folder replacement. A file is written to a temp file in the same folder, flushed
 * to disk, then renamed over the target: a reader sees the old bytes or the new bytes, never a mix, and
 * a failure at any point (an exception, a full disk, a killed process) leaves the old file in place. The
 * temp file is removed on every failure this process survives; one left by a killed process is named
 * `.<name>.tmp-<pid>-<random>` and swept by the next write to the same target.
 *
 * Folders cannot be swapped atomically with portable syscalls (Linux's `renameat2(RENAME_EXCHANGE)` is not
 * exposed), so `swapDir` moves the old folder aside, renames the staged one into place, and keeps the old
 * one until the caller commits: readers may briefly see no folder, but never a half-written one, and a
 * failure restores the original. Leftovers of a process killed mid-swap (`.staging-*`, `.old-*`, named
 * with its pid) are repaired by `sweepStaleDirs`, which `makeStagingDir` runs on the parent folder.
 *
 * A full disk fails a write with `SAM-DISK-001` naming the file (the OS error on a file handle names
 * none), after the same clean-up. Test-only hook (not a user setting): `SAMUEL_TEST_DISK_FULL=<file name>`
 * makes a write to a file of that name fail the way a full disk does, after half its bytes, so tests can
 * fill "the disk" at an exact point on any machine.
 */

import { basename, dirname, join } from "./paths.ts";
import { exists } from "./fs.ts";
import { diskFullError, isDiskFull } from "../errors.ts";
import { envGet } from "../env.ts";

/** Writes the content through an open file; lets callers stream large data (and tests inject failures). */
export type FileWriter = (file: Deno.FsFile) => Promise<void>;

export interface AtomicWriteOptions {
  /**
   * Permission bits for the new file. Default: the mode of the file being replaced, else 0o644 (before
   * umask). Ignored on Windows.
   */
  mode?: number;
  /** Flush data and the rename to disk (default true). Tests of many small files may turn it off. */
  fsync?: boolean;
}

const encoder = new TextEncoder();
const TEMP_MARK = ".tmp-";

function randomSuffix(): string {
  return crypto.getRandomValues(new Uint32Array(2)).reduce((s, n) => s + n.toString(36), "");
}

function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}${TEMP_MARK}${Deno.pid}-${randomSuffix()}`);
}

/** A symlinked target (e.g. a dotfiles-managed samuel.toml) is replaced at its real location, keeping the link. */
function resolveTarget(path: string): string {
  try {
    if (Deno.lstatSync(path).isSymlink) return Deno.realPathSync(path);
  } catch {
    // Missing target or dangling link: write at `path` itself.
  }
  return path;
}

function existingMode(path: string): number | undefined {
  try {
    const mode = Deno.statSync(path).mode;
    return mode === null ? undefined : mode & 0o7777;
  } catch {
    return undefined;
  }
}

async function writeAllBytes(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let rest = bytes;
  while (rest.length > 0) rest = rest.subarray(await file.write(rest));
}

function writeAllBytesSync(file: Deno.FsFile, bytes: Uint8Array): void {
  let rest = bytes;
  while (rest.length > 0) rest = rest.subarray(file.writeSync(rest));
}

/** fsync on the folder makes a rename durable on POSIX; Windows cannot open folders this way (skipped). */
function syncDir(dir: string): void {
  if (Deno.build.os === "windows") return;
  try {
    const d = Deno.openSync(dir, { read: true });
    try {
      d.syncSync();
    } finally {
      d.close();
    }
  } catch {
    // Best effort: some filesystems refuse fsync on folders; the rename itself already happened.
  }
}

function isProcessAlive(pid: number): boolean {
  if (pid === Deno.pid) return true;
  // Without --allow-run we cannot tell; asking would prompt on a TTY, so assume alive and keep the file.
  if (Deno.permissions.querySync({ name: "run" }).state !== "granted") return true;
  try {
    Deno.kill(pid, 0);
    return true;
  } catch (e) {
    return !(e instanceof Deno.errors.NotFound);
  }
}

/**
 * Removes temp files of earlier writes to `path` whose writer process is gone (a crash between create and
 * rename). Best effort; never throws.
 */
export function sweepStaleTemps(path: string): void {
  const prefix = `.${basename(path)}${TEMP_MARK}`;
  try {
    for (const entry of Deno.readDirSync(dirname(path))) {
      if (!entry.isFile || !entry.name.startsWith(prefix)) continue;
      const pid = Number(entry.name.slice(prefix.length).split("-")[0]);
      if (Number.isInteger(pid) && pid > 0 && !isProcessAlive(pid)) {
        try {
          Deno.removeSync(join(dirname(path), entry.name));
        } catch { /* raced with another sweeper */ }
      }
    }
  } catch { /* folder unreadable: nothing to sweep */ }
}

function removeQuietly(path: string): void {
  try {
    Deno.removeSync(path);
  } catch { /* already gone */ }
}

/**
 * Atomically replaces (or creates) `path` with `data`: temp file in the same folder, write, fsync, rename.
 * On any failure the old file is untouched, the temp file is removed, and the error is rethrown.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array | FileWriter,
  options: AtomicWriteOptions = {},
): Promise<void> {
  path = resolveTarget(path);
  const mode = options.mode ?? existingMode(path) ?? 0o644;
  const fsync = options.fsync ?? true;
  sweepStaleTemps(path);
  const temp = tempPathFor(path);
  let file: Deno.FsFile | undefined;
  try {
    file = await Deno.open(temp, { write: true, createNew: true, mode });
    if (typeof data === "function") await data(file);
    else await writeAllOrFillUp(file, path, typeof data === "string" ? encoder.encode(data) : data);
    if (fsync) await file.sync();
    file.close();
    file = undefined;
    // open()'s mode is filtered by umask; an explicit or inherited mode must be exact.
    if (Deno.build.os !== "windows" && (options.mode !== undefined || existingMode(path) !== undefined)) {
      await Deno.chmod(temp, mode);
    }
    await Deno.rename(temp, path);
  } catch (e) {
    try {
      file?.close();
    } catch { /* already closed */ }
    removeQuietly(temp);
    throw isDiskFull(e) ? diskFullError(path, e) : e;
  }
  if (fsync) syncDir(dirname(path));
}

/** The `SAMUEL_TEST_DISK_FULL` hook (module doc): after half the bytes, fail as a full disk does. */
async function writeAllOrFillUp(file: Deno.FsFile, path: string, bytes: Uint8Array): Promise<void> {
  if (envGet("SAMUEL_TEST_DISK_FULL") !== basename(path)) return await writeAllBytes(file, bytes);
  await writeAllBytes(file, bytes.subarray(0, bytes.length >> 1));
  throw Object.assign(new Error("No space left on device (os error 28)"), { code: "ENOSPC" });
}

/** Synchronous `writeFileAtomic` for exit paths that cannot await (no streaming writer). */
export function writeFileAtomicSync(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): void {
  path = resolveTarget(path);
  const mode = options.mode ?? existingMode(path) ?? 0o644;
  const fsync = options.fsync ?? true;
  sweepStaleTemps(path);
  const temp = tempPathFor(path);
  let file: Deno.FsFile | undefined;
  try {
    file = Deno.openSync(temp, { write: true, createNew: true, mode });
    writeAllBytesSync(file, typeof data === "string" ? encoder.encode(data) : data);
    if (fsync) file.syncSync();
    file.close();
    file = undefined;
    if (Deno.build.os !== "windows" && (options.mode !== undefined || existingMode(path) !== undefined)) {
      Deno.chmodSync(temp, mode);
    }
    Deno.renameSync(temp, path);
  } catch (e) {
    try {
      file?.close();
    } catch { /* already closed */ }
    removeQuietly(temp);
    throw isDiskFull(e) ? diskFullError(path, e) : e;
  }
  if (fsync) syncDir(dirname(path));
}

/**
 * A fresh, empty staging folder next to `finalDir` (same filesystem, so the final rename cannot turn into
 * a copy). Creates the parent folders. The name starts with `.staging-` so a crash leaves it recognisable.
 */
export async function makeStagingDir(finalDir: string): Promise<string> {
  const parent = dirname(finalDir);
  await Deno.mkdir(parent, { recursive: true });
  await sweepStaleDirs(parent);
  return await Deno.makeTempDir({ dir: parent, prefix: `.staging-${basename(finalDir)}-${Deno.pid}-` });
}

const LEFTOVER = /^\.(staging|old)-(.+)-(\d+)-[A-Za-z0-9_]+$/;

/**
 * Cleans what a process killed in the middle of `swapDir` left in `parent`: its staging folders are
 * deleted, and a backup whose folder is missing (killed between the two renames) is put back; a backup
 * whose folder exists is deleted. Entries of live processes are left alone. Best effort; never throws.
 */
export async function sweepStaleDirs(parent: string): Promise<void> {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(parent)];
  } catch {
    return;
  }
  for (const entry of entries) {
    const m = LEFTOVER.exec(entry.name);
    if (!m || !entry.isDirectory || isProcessAlive(Number(m[3]))) continue;
    const path = join(parent, entry.name);
    const final = join(parent, m[2]);
    try {
      if (m[1] === "old" && !(await exists(final))) await Deno.rename(path, final);
      else await Deno.remove(path, { recursive: true });
    } catch { /* raced with another sweeper */ }
  }
}

/** A folder replacement that has happened but can still be undone. */
export interface DirSwap {
  /** Where the previous folder was moved, if there was one. */
  readonly backup: string | undefined;
  /** Deletes the previous folder: the replacement becomes permanent. */
  commit(): Promise<void>;
  /** Puts the previous folder back (removing the new one). Safe to call once; no-op after commit. */
  rollback(): Promise<void>;
}

/**
 * Moves `stagingDir` to `finalDir` (or, with `stagingDir` null, removes `finalDir`), keeping the previous
 * `finalDir` as a backup until `commit()` or `rollback()`. Both folders must be on the same filesystem
 * (use `makeStagingDir`). If the rename fails, the previous folder is restored before the error is thrown.
 */
export async function swapDir(stagingDir: string | null, finalDir: string): Promise<DirSwap> {
  let backup: string | undefined;
  if (await exists(finalDir)) {
    backup = join(dirname(finalDir), `.old-${basename(finalDir)}-${Deno.pid}-${randomSuffix()}`);
    await Deno.rename(finalDir, backup);
  }
  if (stagingDir !== null) {
    try {
      await Deno.rename(stagingDir, finalDir);
    } catch (e) {
      if (backup) await Deno.rename(backup, finalDir);
      throw e;
    }
  }
  syncDir(dirname(finalDir));
  let settled = false;
  return {
    backup,
    async commit() {
      if (settled) return;
      settled = true;
      if (backup) await Deno.remove(backup, { recursive: true });
    },
    async rollback() {
      if (settled) return;
      settled = true;
      if (stagingDir !== null && await exists(finalDir)) await Deno.remove(finalDir, { recursive: true });
      if (backup) await Deno.rename(backup, finalDir);
    },
  };
}

/** `swapDir` + `commit`: replaces `finalDir` with `stagingDir` for good. */
export async function replaceDirAtomic(stagingDir: string, finalDir: string): Promise<void> {
  await (await swapDir(stagingDir, finalDir)).commit();
}
