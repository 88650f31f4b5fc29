/**
 * A process-wide cache of directory listings for fd_readdir. Listing a directory and looking up every
 * entry's inode costs one host call per entry, and plugins list the same unchanged folders again and
 * again (every invocation of a `samuel run` loop). A cached listing is reused only while nothing could
 * have changed it:
 * - no call of any WASI host in this process added, removed or renamed an entry anywhere
 *   (`generation`, bumped by path.ts), and
 * - the directory's identity (dev, ino) and its mtime and ctime, which the OS updates on every entry
 *   change, are the same, and the directory had not changed in the second before it was listed, so a
 *   coarse filesystem timestamp cannot hide a change made right after the listing.
 * Access checks are not cached: every fd_readdir call re-validates the descriptor's location first.
 */

import type { DirListing } from "./fd_table.ts";

export interface CachedListing {
  listing: DirListing;
  generation: number;
  dev: number;
  ino: number;
  mtimeMs: number;
  ctimeMs: number;
}

const MAX_ENTRIES = 64;

export const dirCache = {
  generation: 0,
  listings: new Map<string, CachedListing>(),
};

/** Records that some directory's entries changed through a WASI host. */
export function entriesChanged(): void {
  dirCache.generation++;
}

export function lookupListing(key: string, st: Deno.FileInfo): DirListing | undefined {
  const c = dirCache.listings.get(key);
  if (
    c !== undefined && c.generation === dirCache.generation && c.dev === st.dev && c.ino === (st.ino ?? 0) &&
    c.mtimeMs === (st.mtime?.getTime() ?? -1) && c.ctimeMs === (st.ctime?.getTime() ?? -1)
  ) {
    return c.listing;
  }
  return undefined;
}

export function storeListing(
  key: string,
  st: Deno.FileInfo,
  listing: DirListing,
  generation: number,
): void {
  const mtimeMs = st.mtime?.getTime() ?? -1;
  const ctimeMs = st.ctime?.getTime() ?? -1;
  if (Date.now() - Math.max(mtimeMs, ctimeMs) <= 1000 || generation !== dirCache.generation) {
    dirCache.listings.delete(key);
    return;
  }
  if (dirCache.listings.size >= MAX_ENTRIES) dirCache.listings.clear();
  dirCache.listings.set(key, { listing, generation, dev: st.dev, ino: st.ino ?? 0, mtimeMs, ctimeMs });
}
