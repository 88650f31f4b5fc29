/**
 * The containment resolver: turns a guest path relative to a directory descriptor into a host path that
 * is guaranteed to lie inside that descriptor's directory, or into an errno. It is the one resolver of
 * the sandbox: the WASI `path_*` calls and the upstream `samuel.fs_read`/`fs_write` host calls
 * (src/runtime/host_fs.ts) both decide through it.
 *
 * Rules (DESIGN.md section 5, project issue 3):
 * - Absolute guest paths are refused with ENOTCAPABLE: preview1 paths are always relative to a descriptor.
 * - A path is relative to the descriptor it is given: every directory descriptor is its own capability
 *   boundary (as in wasmtime's cap-std), not just the preopen. Components are walked one at a time from
 *   the descriptor's location. `.` is skipped; `..` pops the last component and is refused with
 *   ENOTCAPABLE when that would leave the descriptor's directory, so `..` never climbs above it, even to
 *   a place inside the preopen, and whether that place exists or not. Because symlinks are expanded as
 *   they are met, `..` after a symlink pops the link's target's parent, exactly as the kernel would.
 * - Every intermediate component is `lstat`ed. A symlink is read and its target spliced in front of the
 *   remaining components; a target that is absolute is refused (ENOTCAPABLE) without being looked at, and
 *   a relative target is subject to the same `..` rule (it may not climb above the descriptor either).
 *   This holds for links the guest made itself and for links planted on the host. More than 40
 *   expansions is ELOOP, as on Linux.
 * - The last component is followed only when the caller asks (lookupflags.symlink_follow) or when the path
 *   ends in a slash (POSIX: a trailing slash means "this must be a directory", which resolves a link).
 * - Nothing outside the descriptor's directory is ever passed to the host, so a refusal cannot reveal
 *   whether anything outside exists: the answer is decided before any host call on an outside path could
 *   be made.
 *
 * - A directory descriptor below the preopen root is re-validated on every call: each component of its
 *   location must still be a directory and not a symlink (else ENOTCAPABLE), so a directory the guest
 *   opened cannot be turned into a door outside by swapping it for a link on the host.
 *
 * Known limitation (documented in mod.ts): Deno has no `openat`/`O_NOFOLLOW`-per-component API, so the
 * walk is check-then-use. A process *outside* the sandbox racing to swap a checked directory for a symlink
 * between the walk and the final host call could redirect that call. The guest itself cannot race (calls
 * are synchronous and single-threaded), and Deno's permission sandbox (the outer wall) still bounds it.
 */

import { EINVAL, ELOOP, ENAMETOOLONG, ENOENT, ENOTCAPABLE, ENOTDIR, errnoFrom } from "./errno.ts";
import { type FdEntry, joinHost } from "./fd_table.ts";

const MAX_SYMLINKS = 40;
const MAX_PATH = 4096;

/** The outcome of a successful resolution. */
export class Resolved {
  /** Host path of the final component (or of the directory itself for "." / "a/.."). */
  host = "";
  /** Components from the preopen root. */
  parts: string[] = [];
  /** `lstat` of the final component; null when it does not exist. */
  info: Deno.FileInfo | null = null;
  /** The path ended in "/" (or "/."): the final component must be a directory. */
  mustBeDir = false;
  /** The path named the starting directory or one of its ancestors (".", "a/..") rather than an entry. */
  self = false;
  root = "";
}

/**
 * A directory descriptor below the root holds no host handle, only its location: re-checks that every
 * component of that location is still a real directory (not a symlink swapped in on the host since).
 * Returns 0, ENOTCAPABLE for a symlink, ENOTDIR / ENOENT when it changed otherwise.
 */
export function validateBase(dir: FdEntry): number {
  const base = dir.parts;
  for (let i = 1; i <= base.length; i++) {
    let st: Deno.FileInfo;
    try {
      st = Deno.lstatSync(joinHost(dir.root, base.slice(0, i)));
    } catch (e) {
      return errnoFrom(e);
    }
    if (st.isSymlink) return ENOTCAPABLE;
    if (!st.isDirectory) return ENOTDIR;
  }
  return 0;
}

/**
 * Resolves `path` against directory entry `dir`. Returns 0 and fills `out`, or an errno. A missing final
 * component is not an error (out.info is null) so creating calls can use the result; a missing
 * intermediate component is ENOENT, a non-directory one ENOTDIR.
 */
export function resolvePath(dir: FdEntry, path: string, follow: boolean, out: Resolved): number {
  const len = path.length;
  if (len === 0) return ENOENT;
  if (len > MAX_PATH) return ENAMETOOLONG;
  if (path.indexOf("\0") !== -1) return EINVAL;
  if (path.charCodeAt(0) === 47 /* / */) return ENOTCAPABLE;

  const root = dir.root;
  const baseErr = validateBase(dir);
  if (baseErr !== 0) return baseErr;
  const parts = dir.parts.slice();
  // The descriptor's own depth: `..` may pop what the path added, never the descriptor's location.
  const floor = parts.length;
  // Pending components as a stack (last element = next to process), so symlink targets can be spliced in.
  const pending = path.split("/").reverse();
  let links = 0;
  let info: Deno.FileInfo | null = null;
  let self = true;
  let mustBeDir = false;

  while (pending.length > 0) {
    const c = pending.pop()!;
    if (c === "" || c === ".") continue;
    if (c === "..") {
      if (parts.length <= floor) return ENOTCAPABLE;
      parts.pop();
      self = true;
      info = null;
      continue;
    }
    const last = onlyDots(pending);
    const dirSuffix = last && pending.length > 0;
    parts.push(c);
    const host = joinHost(root, parts);
    let st: Deno.FileInfo;
    try {
      st = Deno.lstatSync(host);
    } catch (e) {
      const errno = errnoFrom(e);
      if (last && errno === ENOENT) {
        info = null;
        self = false;
        mustBeDir = dirSuffix;
        break;
      }
      return errno;
    }
    if (st.isSymlink && (!last || follow || dirSuffix)) {
      if (++links > MAX_SYMLINKS) return ELOOP;
      let target: string;
      try {
        target = Deno.readLinkSync(host);
      } catch (e) {
        return errnoFrom(e);
      }
      if (target.length === 0) return ENOENT;
      if (target.charCodeAt(0) === 47) return ENOTCAPABLE;
      parts.pop();
      const t = target.split("/");
      for (let i = t.length - 1; i >= 0; i--) pending.push(t[i]);
      continue;
    }
    if (!last && !st.isDirectory) return ENOTDIR;
    info = st;
    self = false;
    mustBeDir = dirSuffix;
    if (last) break;
  }

  return record(out, root, parts, self, mustBeDir, info);
}

/** True when the pending components hold only "" and "." (trailing slashes and dots): none is real. */
function onlyDots(pending: readonly string[]): boolean {
  for (let i = pending.length - 1; i >= 0; i--) {
    const p = pending[i];
    if (p !== "" && p !== ".") return false;
  }
  return true;
}

/** Fills `out` with where the walk ended; the descriptor's own directory is stat'ed here. 0 or an errno. */
function record(
  out: Resolved,
  root: string,
  parts: string[],
  self: boolean,
  mustBeDir: boolean,
  info: Deno.FileInfo | null,
): number {
  out.root = root;
  out.parts = parts;
  out.host = joinHost(root, parts);
  out.self = self;
  out.mustBeDir = mustBeDir || self;
  if (self) {
    try {
      info = Deno.lstatSync(out.host);
    } catch (e) {
      return errnoFrom(e);
    }
  }
  out.info = info;
  return 0;
}
