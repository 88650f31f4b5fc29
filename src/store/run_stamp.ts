/**
 * The run stamp: what `samuel run` remembers about an installed module so that a run can check it
 * against samuel.lock without re-hashing megabytes every time. `.samuel/plugins/<name>/.run-stamp.json`
 * records the module's file identity (size, mtime, ctime, inode, device) at the moment it was hashed, the
 * sha256 it hashed to, and, per cache variant, the digest of the pre-processed rewrite built from it.
 *
 * The rule it serves (README, "What a run verifies"): a run executes a module only when the installed
 * module's sha256 equals samuel.lock's, and only a cache entry that is the rewrite of exactly that module.
 * - The file identity stands in for the hash (file_identity.ts: any write changes the ctime; a stamp taken
 *   within the same ctime second does not count). A mismatch (or no stamp) costs one full hash.
 * - The rewrite digest ties the cache entry to this module: the pre-processor is deterministic, so the
 *   entry for (module, variant) always has the same digest, and an entry that hashes correctly to its own
 *   metadata but is another module's rewrite is refused.
 * - The stamp lives in the plugin's install folder, which install replaces as a whole, so a reinstall
 *   starts without one. Forging a stamp can at most hide a tampered installed file from `run`: what runs
 *   is still the cache entry for the lock's digest, and `samuel doctor` always hashes in full.
 * Writing a stamp is best effort (a read-only checkout still runs, it just hashes every time).
 */

import { join } from "../project/paths.ts";
import { type FileIdentity, isIdentity, vouches as seenVouches, writeJsonQuietly } from "./file_identity.ts";

export const STAMP_FILE = ".run-stamp.json";

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

/** Whether `stamp` vouches for the installed module whose identity is now `now` (file_identity.ts). */
export function vouches(stamp: RunStamp, now: FileIdentity | undefined): boolean {
  return seenVouches({ identity: stamp.identity, seenAtMs: stamp.stampedAtMs }, now);
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
    !isIdentity(s.identity) || typeof s.stampedAtMs !== "number" || !s.processed ||
    typeof s.processed !== "object"
  ) return undefined;
  return s as RunStamp;
}

/** Writes the stamp atomically (temp file + rename); failures are ignored: the stamp is an optimisation. */
export function writeStamp(pluginDir: string, stamp: RunStamp): void {
  writeJsonQuietly(join(pluginDir, STAMP_FILE), stamp);
}
