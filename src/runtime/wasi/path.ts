/**
 * The `path_*` functions. Every path goes through the containment resolver (`paths.ts`) first, so the
 * host only ever sees paths inside the descriptor's preopen. Order of checks in each function: the base
 * descriptor exists (EBADF) and is a directory (ENOTDIR), the path resolves (ENOTCAPABLE for escapes,
 * ENOENT / ENOTDIR / ELOOP), the POSIX preconditions of the call (EEXIST, EISDIR, ENOTDIR ...), then the
 * read-only preopen rule (EPERM) just before anything would change, then the host call. The directory's
 * rights bits are never checked: rights are advisory, the grant is the rule (mod.ts).
 */

import {
  EBADF,
  EBUSY,
  EEXIST,
  EINVAL,
  EISDIR,
  ELOOP,
  ENOENT,
  ENOTCAPABLE,
  ENOTDIR,
  EPERM,
  ESUCCESS,
} from "./errno.ts";
import { fail, type WasiContext } from "./context.ts";
import { FdEntry, KIND_DIR, KIND_FILE } from "./fd_table.ts";
import {
  FDFLAGS_ALL,
  FILETYPE_REGULAR_FILE,
  LOOKUP_SYMLINK_FOLLOW,
  OFLAG_CREAT,
  OFLAG_DIRECTORY,
  OFLAG_EXCL,
  OFLAG_TRUNC,
  RIGHT_FD_READ,
  RIGHT_FD_READDIR,
  RIGHT_FD_WRITE,
  RIGHTS_DIR_BASE,
  RIGHTS_FILE_BASE,
} from "./layout.ts";
import { Resolved, resolvePath } from "./paths.ts";
import { badFstflags, filetypeOf, setTimes, writeFilestat } from "./stat.ts";
import { encodeUtf8 } from "./memory.ts";
import { entriesChanged } from "./dir_cache.ts";

const RIGHTS_MASK = (1n << 30n) - 1n;
/** The two rights a file descriptor reports from its open mode rather than from the request. */
const RW_RIGHTS = RIGHT_FD_READ | RIGHT_FD_WRITE;

/** Sets times on a symlink itself; Deno has no lutimes, node:fs does (loaded only when needed). */
function lutimes(path: string, atime: number, mtime: number): void {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const fs = proc?.getBuiltinModule?.("node:fs") as
    | { lutimesSync?: (p: string, a: number, m: number) => void }
    | undefined;
  if (fs?.lutimesSync === undefined) {
    throw Object.assign(new Error("lutimes unavailable"), { code: "ENOTSUP" });
  }
  fs.lutimesSync(path, atime, mtime);
}

// Scratch results of the resolver, reused by every call (calls are synchronous and never nest).
const r1 = new Resolved();
const r2 = new Resolved();

/** The directory descriptor `fd`, or an errno. */
function dirFd(ctx: WasiContext, fd: number): FdEntry | number {
  const e = ctx.fds.get(fd);
  if (e === undefined) return EBADF;
  if (e.kind !== KIND_DIR) return e.kind === KIND_FILE ? ENOTDIR : EBADF;
  return e;
}

/** Decodes the guest path and resolves it into `out`; returns 0 or an errno. */
function resolve(
  ctx: WasiContext,
  dir: FdEntry,
  ptr: number,
  len: number,
  follow: boolean,
  out: Resolved,
): number {
  ctx.mem.refresh();
  return resolvePath(dir, ctx.mem.string(ptr, len), follow, out);
}

/**
 * path_create_directory(fd, path): EEXIST when anything (even a dangling symlink) is there;
 * ENOENT / ENOTDIR for a bad parent; EPERM on a read-only preopen.
 */
export function path_create_directory(ctx: WasiContext, fd: number, path: number, pathLen: number): number {
  try {
    const d = dirFd(ctx, fd);
    if (typeof d === "number") return d;
    const err = resolve(ctx, d, path, pathLen, false, r1);
    if (err !== 0) return err;
    if (r1.info !== null || r1.self) return EEXIST;
    if (d.readOnly) return EPERM;
    entriesChanged();
    Deno.mkdirSync(r1.host);
    return ESUCCESS;
  } catch (x) {
    return fail(x);
  }
}

/**
 * path_filestat_get(fd, flags, path, out): stat (following the last symlink with symlink_follow).
 * ENOENT when missing; ENOTDIR for "file/".
 */
export function path_filestat_get(
  ctx: WasiContext,
  fd: number,
  flags: number,
  path: number,
  pathLen: number,
  out: number,
): number {
  const mem = ctx.mem;
  try {
    const d = dirFd(ctx, fd);
    if (typeof d === "number") return d;
    const err = resolve(ctx, d, path, pathLen, (flags & LOOKUP_SYMLINK_FOLLOW) !== 0, r1);
    if (err !== 0) return err;
    const info = r1.info;
    if (info === null) return ENOENT;
    if (r1.mustBeDir && !info.isDirectory) return ENOTDIR;
    writeFilestat(ctx, mem, out, info);
    return ESUCCESS;
  } catch (x) {
    return fail(x);
  }
}

/**
 * path_filestat_set_times(fd, flags, path, atim, mtim, fstflags): without symlink_follow a symlink's
 * own times are set. EINVAL for contradictory fstflags; ENOENT; EPERM on a read-only preopen.
 */
export function path_filestat_set_times(
  ctx: WasiContext,
  fd: number,
  flags: number,
  path: number,
  pathLen: number,
  atim: bigint,
  mtim: bigint,
  fstflags: number,
): number {
  try {
    const d = dirFd(ctx, fd);
    if (typeof d === "number") return d;
    if (badFstflags(fstflags)) return EINVAL;
    const err = resolve(ctx, d, path, pathLen, (flags & LOOKUP_SYMLINK_FOLLOW) !== 0, r1);
    if (err !== 0) return err;
    const info = r1.info;
    if (info === null) return ENOENT;
    if (r1.mustBeDir && !info.isDirectory) return ENOTDIR;
    if (d.readOnly) return EPERM;
    const host = r1.host;
    setTimes(ctx, info, BigInt.asUintN(64, atim), BigInt.asUintN(64, mtim), fstflags, (a, m) => {
      if (info.isSymlink) lutimes(host, a, m);
      else Deno.utimeSync(host, a, m);
    });
    return ESUCCESS;
  } catch (x) {
    return fail(x);
  }
}

/**
 * path_link(old_fd, old_flags, old_path, new_fd, new_path): hard link. The source is not followed
 * unless symlink_follow is given (then a dangling link is ENOENT). EEXIST when the target exists
 * (dangling symlinks and directories included); EPERM for a directory source or a read-only preopen;
 * ENOENT for a target with a trailing slash.
 */
export function path_link(
  ctx: WasiContext,
  oldFd: number,
  oldFlags: number,
  oldPath: number,
  oldLen: number,
  newFd: number,
  newPath: number,
  newLen: number,
): number {
  try {
    const s = dirFd(ctx, oldFd);
    if (typeof s === "number") return s;
    const t = dirFd(ctx, newFd);
    if (typeof t === "number") return t;
    let err = resolve(ctx, s, oldPath, oldLen, (oldFlags & LOOKUP_SYMLINK_FOLLOW) !== 0, r1);
    if (err !== 0) return err;
    err = resolve(ctx, t, newPath, newLen, false, r2);
    if (err !== 0) return err;
    const src = r1.info;
    if (src === null) return ENOENT;
    if (src.isDirectory) return EPERM;
    if (r1.mustBeDir) return ENOTDIR;
    if (r2.info !== null || r2.self) return EEXIST;
    if (r2.mustBeDir) return ENOENT;
    if (s.readOnly || t.readOnly) return EPERM;
    entriesChanged();
    Deno.linkSync(r1.host, r2.host);
    return ESUCCESS;
  } catch (x) {
    return fail(x);
  }
}

/**
 * path_open(fd, dirflags, path, oflags, rights_base, rights_inheriting, fdflags, fd_out).
 * Rights choose the open mode only, as in wazero: FD_READ reads, FD_WRITE writes, both do both, and
 * neither reads (and also writes with creat or trunc, so a create with rights 0 can be written). The
 * new descriptor reports the requested rights that the directory may hand down (intersection, like
 * wasi-libc expects) narrowed to what fits a file or a directory, with FD_READ / FD_WRITE set as
 * the open mode says; no right is ever required (mod.ts).
 * Errors: ELOOP for a symlink when not following (also with directory, as O_NOFOLLOW does);
 * EEXIST for creat+excl on anything; ENOENT when missing without creat; ENOTDIR for directory on a
 * non-directory or "file/"; EISDIR when a directory is opened for writing or truncation; EINVAL for
 * unknown fdflags; EPERM for create / truncate / write access under a read-only preopen.
 */
export function path_open(
  ctx: WasiContext,
  fd: number,
  dirflags: number,
  path: number,
  pathLen: number,
  oflags: number,
  rightsBase: bigint,
  rightsInheriting: bigint,
  fdflags: number,
  fdOut: number,
): number {
  const mem = ctx.mem;
  try {
    const d = dirFd(ctx, fd);
    if (typeof d === "number") return d;
    if ((fdflags & ~FDFLAGS_ALL) !== 0 || (oflags & ~15) !== 0) return EINVAL;
    const creat = (oflags & OFLAG_CREAT) !== 0;
    const trunc = (oflags & OFLAG_TRUNC) !== 0;
    const excl = creat && (oflags & OFLAG_EXCL) !== 0;
    const follow = (dirflags & LOOKUP_SYMLINK_FOLLOW) !== 0 && !excl;
    const err = resolve(ctx, d, path, pathLen, follow, r1);
    if (err !== 0) return err;
    const requested = Number(BigInt.asUintN(64, rightsBase) & RIGHTS_MASK);
    const base = requested & d.rightsInheriting;
    const inh = Number(BigInt.asUintN(64, rightsInheriting) & RIGHTS_MASK) & d.rightsInheriting;
    const askRead = (requested & (RIGHT_FD_READ | RIGHT_FD_READDIR)) !== 0;
    const askWrite = (requested & RIGHT_FD_WRITE) !== 0;
    const info = r1.info;

    if (info !== null && excl) return EEXIST;
    if (info !== null && info.isSymlink) return ELOOP;
    if (info !== null && info.isDirectory) {
      if (askWrite || trunc) return EISDIR;
      const e = FdEntry.directory(d.root, r1.parts, d.readOnly, base & RIGHTS_DIR_BASE, inh);
      e.fdflags = fdflags;
      mem.refresh();
      mem.check(fdOut, 4);
      mem.view.setUint32(fdOut, ctx.fds.add(e), true);
      return ESUCCESS;
    }
    if ((oflags & OFLAG_DIRECTORY) !== 0) return info === null ? ENOENT : ENOTDIR;
    if (r1.mustBeDir) return info === null ? (creat ? EISDIR : ENOENT) : ENOTDIR;
    if (info === null && !creat) return ENOENT;
    if (d.readOnly && (info === null || trunc || askWrite)) return EPERM;

    const readable = askRead || !askWrite;
    const writable = askWrite || (!askRead && (creat || trunc));
    // Never a writable host handle under a read-only preopen (create, truncate and write were refused
    // above): it would need a write permission the sandbox Worker does not have (NotCapable).
    // Creating and truncating need one even when the guest will only read (Deno's open rules).
    if (info === null) entriesChanged();
    const file = Deno.openSync(r1.host, {
      read: readable,
      write: writable || trunc || info === null,
      createNew: info === null,
      truncate: trunc,
    });
    const ft = info === null ? FILETYPE_REGULAR_FILE : filetypeOf(info);
    const mode = (readable ? RIGHT_FD_READ : 0) | (writable ? RIGHT_FD_WRITE : 0);
    const e = new FdEntry(KIND_FILE, ft, (base & RIGHTS_FILE_BASE & ~RW_RIGHTS) | mode, inh);
    e.file = file;
    e.readable = readable;
    e.writable = writable;
    e.fdflags = fdflags;
    e.root = d.root;
    e.parts = r1.parts;
    e.hostPath = r1.host;
    e.readOnly = d.readOnly;
    mem.refresh();
    mem.check(fdOut, 4);
    mem.view.setUint32(fdOut, ctx.fds.add(e), true);
    return ESUCCESS;
  } catch (x) {
    return fail(x);
  }
}

/**
 * path_readlink(fd, path, buf, buf_len, bufused): copies the link text, truncated to buf_len (no NUL).
 * ENOENT when missing; EINVAL when not a symlink.
 */
export function path_readlink(
  ctx: WasiContext,
  fd: number,
  path: number,
  pathLen: number,
  buf: number,
  bufLen: number,
  used: number,
): number {
  const mem = ctx.mem;
  try {
    const d = dirFd(ctx, fd);
    if (typeof d === "number") return d;
    const err = resolve(ctx, d, path, pathLen, false, r1);
    if (err !== 0) return err;
    if (r1.info === null) return ENOENT;
    if (!r1.info.isSymlink || r1.mustBeDir) return EINVAL;
    const bytes = encodeUtf8(Deno.readLinkSync(r1.host));
    const n = Math.min(bytes.length, bufLen);
    mem.refresh();
    mem.check(buf, n);
    mem.check(used, 4);
    mem.u8.set(n === bytes.length ? bytes : bytes.subarray(0, n), buf);
    mem.view.setUint32(used, n, true);
    return ESUCCESS;
  } catch (x) {
    return fail(x);
  }
}

/**
 * path_remove_directory(fd, path): removes an empty directory. ENOENT; ENOTDIR for a file or a
 * symlink; ENOTEMPTY; EINVAL / EBUSY for "." or a preopen root; EPERM on a read-only preopen.
 */
export function path_remove_directory(ctx: WasiContext, fd: number, path: number, pathLen: number): number {
  try {
    const d = dirFd(ctx, fd);
    if (typeof d === "number") return d;
    const err = resolve(ctx, d, path, pathLen, false, r1);
    if (err !== 0) return err;
    if (r1.self) return r1.parts.length === 0 ? EBUSY : EINVAL;
    const info = r1.info;
    if (info === null) return ENOENT;
    if (!info.isDirectory) return ENOTDIR;
    if (d.readOnly) return EPERM;
    entriesChanged();
    Deno.removeSync(r1.host);
    return ESUCCESS;
  } catch (x) {
    return fail(x);
  }
}

/**
 * path_rename(fd, old_path, new_fd, new_path): rename(2) semantics: replaces a file with a file, an
 * empty directory with a directory. ENOENT when the source is missing; EISDIR for a file over a
 * directory; ENOTDIR for a directory over a file (or a trailing slash on a file); ENOTEMPTY; EBUSY /
 * EINVAL for "." or preopen roots; EPERM on a read-only preopen.
 */
export function path_rename(
  ctx: WasiContext,
  fd: number,
  oldPath: number,
  oldLen: number,
  newFd: number,
  newPath: number,
  newLen: number,
): number {
  try {
    const s = dirFd(ctx, fd);
    if (typeof s === "number") return s;
    const t = dirFd(ctx, newFd);
    if (typeof t === "number") return t;
    let err = resolve(ctx, s, oldPath, oldLen, false, r1);
    if (err !== 0) return err;
    err = resolve(ctx, t, newPath, newLen, false, r2);
    if (err !== 0) return err;
    if (r1.self || r2.self) return r1.parts.length === 0 || r2.parts.length === 0 ? EBUSY : EINVAL;
    const src = r1.info;
    if (src === null) return ENOENT;
    const srcDir = src.isDirectory;
    if (!srcDir && (r1.mustBeDir || r2.mustBeDir)) return ENOTDIR;
    const dst = r2.info;
    if (dst !== null) {
      if (srcDir && !dst.isDirectory) return ENOTDIR;
      if (!srcDir && dst.isDirectory) return EISDIR;
    }
    if (s.readOnly || t.readOnly) return EPERM;
    entriesChanged();
    Deno.renameSync(r1.host, r2.host);
    return ESUCCESS;
  } catch (x) {
    return fail(x);
  }
}

/**
 * path_symlink(old_path, fd, new_path): creates new_path pointing at old_path (stored verbatim, may
 * dangle). An absolute target is refused (ENOTCAPABLE): it could never be followed. EEXIST when
 * new_path exists; ENOENT for a missing parent or a trailing slash on a missing name; EPERM on a
 * read-only preopen.
 */
export function path_symlink(
  ctx: WasiContext,
  oldPath: number,
  oldLen: number,
  fd: number,
  newPath: number,
  newLen: number,
): number {
  const mem = ctx.mem;
  try {
    const d = dirFd(ctx, fd);
    if (typeof d === "number") return d;
    mem.refresh();
    const target = mem.string(oldPath, oldLen);
    if (target.length === 0) return ENOENT;
    if (target.indexOf("\0") !== -1) return EINVAL;
    if (target.charCodeAt(0) === 47) return ENOTCAPABLE;
    const err = resolve(ctx, d, newPath, newLen, false, r1);
    if (err !== 0) return err;
    if (r1.info !== null || r1.self) return EEXIST;
    if (r1.mustBeDir) return ENOENT;
    if (d.readOnly) return EPERM;
    entriesChanged();
    Deno.symlinkSync(target, r1.host);
    return ESUCCESS;
  } catch (x) {
    return fail(x);
  }
}

/**
 * path_unlink_file(fd, path): removes a file or symlink (never followed). ENOENT; EISDIR for a
 * directory; ENOTDIR for "file/"; EPERM on a read-only preopen.
 */
export function path_unlink_file(ctx: WasiContext, fd: number, path: number, pathLen: number): number {
  try {
    const d = dirFd(ctx, fd);
    if (typeof d === "number") return d;
    const err = resolve(ctx, d, path, pathLen, false, r1);
    if (err !== 0) return err;
    const info = r1.info;
    if (info === null) return ENOENT;
    if (info.isDirectory) return EISDIR;
    if (r1.mustBeDir) return ENOTDIR;
    if (d.readOnly) return EPERM;
    entriesChanged();
    Deno.removeSync(r1.host);
    return ESUCCESS;
  } catch (x) {
    return fail(x);
  }
}
