/**
 * File identity: what a stat says about one version of a file (size, mtime, ctime, inode, device), and
 * when a remembered identity may stand in for re-hashing the file. samuel uses it where a hot path would
 * otherwise hash megabytes on every run: the installed module (run_stamp.ts) and the module cache's
 * entries (module_cache.ts). Whoever hashes a file records its identity and the moment it looked; later,
 * an unchanged identity vouches for the same bytes.
 *
 * The rule (`vouches`): any write to a file changes its ctime, which no user can set back (mtime and size
 * can be restored). Deno reports ctime in whole seconds, so, as git does with its "racily clean" index
 * entries, an identity vouches only when the file's ctime second had ended before it was taken: a write
 * within that same second would leave every field unchanged. Platforms without inode numbers (Windows)
 * have no identity: there, files are always hashed.
 */

export interface FileIdentity {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  dev: number;
}

/** An identity and the `Date.now()` taken just before the stat that produced it. */
export interface SeenIdentity {
  identity: FileIdentity;
  seenAtMs: number;
}

/** The identity of a stat result, or undefined where the platform does not give one. */
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

export function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.ino === b.ino &&
    a.dev === b.dev;
}

/** Whether what was seen still vouches for a file whose identity is now `now` (see the module doc). */
export function vouches(seen: SeenIdentity, now: FileIdentity | undefined): boolean {
  return now !== undefined && sameIdentity(seen.identity, now) &&
    seen.identity.ctimeMs + 1000 <= seen.seenAtMs;
}

/** Whether a parsed JSON value has the shape of a `FileIdentity`. */
export function isIdentity(v: unknown): v is FileIdentity {
  const o = v as Record<string, unknown> | null;
  return !!o && ["size", "mtimeMs", "ctimeMs", "ino", "dev"].every((k) => typeof o[k] === "number");
}

/** Writes `value` as JSON through a temp file and a rename; a failure is ignored (identities are a shortcut). */
export function writeJsonQuietly(path: string, value: unknown): void {
  const temp = `${path}.${Deno.pid}.tmp`;
  try {
    Deno.writeTextFileSync(temp, JSON.stringify(value));
    Deno.renameSync(temp, path);
  } catch {
    try {
      Deno.removeSync(temp);
    } catch { /* never written */ }
  }
}
