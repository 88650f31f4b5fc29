/**
 * The last trusted root a TUF refresh verified, one record per mirror, kept under
 * `$SAMUEL_HOME/cache/sigstore/` so an offline install can use it:
 *
 * ```
 * cache/sigstore/tuf/<mirror>/                 @sigstore/tuf's TUF metadata (root, timestamp, snapshot, targets)
 * cache/sigstore/trusted_root/<mirror>.json    { mirror, fetched_at, expires, trusted_root }  (this module)
 * ```
 * `<mirror>` is the mirror's host and path, URL-encoded (the folder name `@sigstore/tuf` uses).
 *
 * `expires` is the earliest expiry of the TUF `root.json` and `targets.json` that vouched for the trusted
 * root: the roles whose keys sign its content. Past it the record is not used (the embedded root is,
 * unless a refresh succeeds). The freshness roles (`timestamp`, `snapshot`, which Sigstore re-signs every
 * few days) are not part of it: an offline machine cannot check freshness at all, only that the content
 * was signed by keys still in force. The record is written atomically, only after a refresh passed every
 * TUF check, so a failed or hostile refresh never replaces it.
 */

import { writeFileAtomic } from "../project/atomic.ts";
import { join } from "../project/paths.ts";
import { asTrustedRoot, type TrustedRootJson } from "./trust_root.ts";

export interface CachedRoot {
  mirror: string;
  /** When the refresh that verified it ran (ISO 8601, UTC). */
  fetched_at: string;
  /** When it stops being usable (ISO 8601, UTC). */
  expires: string;
  trusted_root: TrustedRootJson;
}

/** What reading the record found: the record, or why there is none to use. */
export type CachedRootLookup =
  | { status: "ok"; record: CachedRoot }
  | { status: "expired"; record: CachedRoot }
  | { status: "missing" }
  | { status: "unreadable"; problem: string };

/** The folder name of `mirror`, as `@sigstore/tuf` names its TUF cache folder. */
export function mirrorKey(mirror: string): string {
  const url = new URL(mirror);
  return encodeURIComponent(url.host + url.pathname.replace(/\/$/, ""));
}

/** `@sigstore/tuf`'s cache path (it adds the mirror's folder itself). */
export function tufCacheDir(sigstoreDir: string): string {
  return join(sigstoreDir, "tuf");
}

/** The record's file for `mirror`. */
export function cachedRootPath(sigstoreDir: string, mirror: string): string {
  return join(sigstoreDir, "trusted_root", `${mirrorKey(mirror)}.json`);
}

/** Reads the record for `mirror`; `now` decides whether it has expired. Never throws. */
export async function readCachedRoot(
  sigstoreDir: string,
  mirror: string,
  now: Date = new Date(),
): Promise<CachedRootLookup> {
  const path = cachedRootPath(sigstoreDir, mirror);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return { status: "missing" };
    return { status: "unreadable", problem: `${path} cannot be read (${message(e)})` };
  }
  try {
    const r = JSON.parse(text) as CachedRoot;
    const expires = Date.parse(r.expires);
    if (r.mirror !== mirror || Number.isNaN(Date.parse(r.fetched_at)) || Number.isNaN(expires)) {
      return { status: "unreadable", problem: `${path} is not a cached trusted root record` };
    }
    const record = { ...r, trusted_root: asTrustedRoot(r.trusted_root, path) };
    return expires <= now.getTime() ? { status: "expired", record } : { status: "ok", record };
  } catch (e) {
    return { status: "unreadable", problem: `${path} is damaged (${message(e)})` };
  }
}

/** Replaces the record for `record.mirror` (atomically: a reader sees the old one or the new one). */
export async function writeCachedRoot(sigstoreDir: string, record: CachedRoot): Promise<void> {
  const path = cachedRootPath(sigstoreDir, record.mirror);
  await Deno.mkdir(join(sigstoreDir, "trusted_root"), { recursive: true });
  await writeFileAtomic(path, JSON.stringify(record, null, 2) + "\n");
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
