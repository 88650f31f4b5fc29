/**
 * The run stamp: what `samuel run` remembers about an installed module so that a run can check it
 * against samuel.lock without re-hashing megabytes every time. `.samuel/plugins/<name>/.run-stamp.json`
 * records the module's file identity (size, mtime, ctime, inode, device) at the moment it was hashed, the
 * sha256 it hashed to, and, per cache variant, the digest of the pre-processed rewrite built from it.
 *
 * The rule it serves (README, "What a run verifies"): a run executes a module only when the installed
 * module's sha256 equals samuel.lock's, and only a cache entry that is the rewrite of exactly that module.
 * - The file identity stands in for the hash: any write to the file changes its ctime (and usually its
 *   mtime and size), which no user can set back, so an unchanged identity means unchanged bytes. A
 *   mismatch (or no stamp) costs one full hash. Deno reports ctime in whole seconds, so, as git does with
 *   its "racily clean" index entries, a stamp vouches for a file only when the file's ctime second had
 *   ended before the stamp was taken (`vouches`): a write in the same second as the stamp would otherwise
 *   leave the identity unchanged (same size, mtime set back). Such a stamp is renewed by the next run.
 * - The rewrite digest ties the cache entry to this module: the pre-processor is deterministic, so the
 *   entry for (module, variant) always has the same digest, and an entry that hashes correctly to its own
 *   metadata but is another module's rewrite is refused.
 * - The stamp lives in the plugin's install folder, which install replaces as a whole, so a reinstall
 *   starts without one. Forging a stamp can at most hide a tampered installed file from `run`: what runs
 *   is still the cache entry for the lock's digest, and `samuel doctor` always hashes in full.
 * Writing a stamp is best effort (a read-only checkout still runs, it just hashes every time).
 */

import { join } from "../project/paths.ts";

export const STAMP_FILE = ".run-stamp.json";

/** What identifies one version of a file on disk. */
export interface FileIdentity {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  dev: number;
}

export interface RunStamp {
  version: 1;
  /** The module's file name in the install folder. */
  module: string;
  /** The sha256 the file hashed to when the identity was taken. */
  sha256: string;
  identity: FileIdentity;
  /** `Date.now()` just before the file was stat'ed and hashed. */
  stampedAtMs: number;
  /** Cache variant name -> sha256 of the pre-processed rewrite of this module. */
  processed: Record<string, string>;
}

/** The identity of a stat result, or undefined where the platform does not give one (no inode). */
export function identityOf(info: Deno.FileInfo): FileIdentity | undefined {
  if (info.ino === null || info.mtime === null || info.ctime === null) return undefined;
  return {
    size: info.size,
    mtimeMs: info.mtime.getTime(),
    ctimeMs: info.ctime.getTime(),
    ino: info.ino,
    dev: info.dev,
  };
}

/**
 * Whether `stamp` vouches for a file whose identity is now `now`: same identity, and the stamp was taken
 * after the file's (whole-second) ctime had passed, so any later write shows as a new ctime.
 */
export function vouches(stamp: RunStamp, now: FileIdentity): boolean {
  return sameIdentity(stamp.identity, now) && stamp.identity.ctimeMs + 1000 <= stamp.stampedAtMs;
}

export function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.ino === b.ino &&
    a.dev === b.dev;
}

/** The plugin folder's stamp, or undefined when there is none or it is not one (a damaged stamp is none). */
export function readStamp(pluginDir: string): RunStamp | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(Deno.readTextFileSync(join(pluginDir, STAMP_FILE)));
  } catch {
    return undefined;
  }
  const s = raw as Partial<RunStamp> | null;
  if (
    !s || s.version !== 1 || typeof s.module !== "string" || typeof s.sha256 !== "string" ||
    !s.identity || typeof s.identity !== "object" || typeof s.stampedAtMs !== "number" || !s.processed ||
    typeof s.processed !== "object"
  ) return undefined;
  return s as RunStamp;
}

/** Writes the stamp atomically (temp file + rename); failures are ignored: the stamp is an optimisation. */
export function writeStamp(pluginDir: string, stamp: RunStamp): void {
  const temp = join(pluginDir, `.${STAMP_FILE}.${Deno.pid}.tmp`);
  try {
    Deno.writeTextFileSync(temp, JSON.stringify(stamp));
    Deno.renameSync(temp, join(pluginDir, STAMP_FILE));
  } catch {
    try {
      Deno.removeSync(temp);
    } catch { /* never written */ }
  }
}
