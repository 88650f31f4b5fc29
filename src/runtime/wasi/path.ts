/**
 * The `path_*` functions, one named function per syscall, each documented with its errno cases. Every
 * path goes through the containment resolver (`paths.ts`) first, so the host only ever sees paths inside
 * the descriptor's preopen. Order of checks in each function: the base descriptor exists (EBADF) and is
 * a directory (ENOTDIR for a file, EBADF for stdio), the path resolves, the POSIX preconditions of the
 * call (EEXIST, EISDIR, ENOTDIR ...), then the read-only preopen rule (EPERM) just before anything would
 * change, then the host call. The directory's rights bits are never checked: rights are advisory, the
 * grant is the rule (mod.ts).
 *
 * The resolution errnos, which every function can answer for each path it takes:
 * - EFAULT: the path lies outside memory; EILSEQ: it is not UTF-8.
 * - ENOENT: the path is empty, or an intermediate component is missing (a missing last component is
 *   left to the function: creating calls want it).
 * - ENAMETOOLONG: the path is longer than 4096 characters; EINVAL: it contains a NUL.
 * - ENOTCAPABLE: it is absolute, `..` climbs above the descriptor's directory, or a symlink on the way
 *   leaves it or has an absolute target.
 * - ENOTDIR: an intermediate component is not a directory; ELOOP: too many symlinks.
 * - ENOTCAPABLE / ENOTDIR / ENOENT: the descriptor's own location changed since it was opened.
 * Host failures (EACCES, EIO, ...) map through errno.ts, as everywhere.
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
 * `path_create_directory(fd, path)`: creates the directory `path`.
 *
 * Errno:
 * - EBADF / ENOTDIR: `fd` is not an open directory.
 * - the resolution errnos of the module doc, for `path`.
 * - EEXIST: something is there already (a dangling symlink too), or `path` names `fd`'s own directory or
  ends by climbing with "..".
 * - EPERM: `fd` lies under a read-only preopen.
 * - host failures, through errno.ts.
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
 * `path_filestat_get(fd, flags, path, out)`: writes the 64-byte `filestat` of `path` at `out`, of the link
 * itself unless `flags` has symlink_follow.
 *
 * Errno:
 * - EBADF / ENOTDIR: `fd` is not an open directory.
 * - the resolution errnos of the module doc, for `path`.
 * - ENOENT: nothing is at `path`.
 * - ENOTDIR: `path` ends in a slash but names a file.
 * - EFAULT: `out` lies outside memory.
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
 * `path_filestat_set_times(fd, flags, path, atim, mtim, fstflags)`: sets the times of `path` as
 * fd_filestat_set_times does; without symlink_follow, a symlink's own times.
 *
 * Errno:
 * - EBADF / ENOTDIR: `fd` is not an open directory.
 * - EINVAL: `fstflags` sets a time both to a value and to now, or has unknown bits.
 * - the resolution errnos of the module doc, for `path`.
 * - ENOENT: nothing is at `path`.
 * - ENOTDIR: `path` ends in a slash but names a file.
 * - EPERM: `fd` lies under a read-only preopen.
 * - ENOTSUP: a symlink's own times, where the runtime offers no lutimes.
 * - host failures, through errno.ts.
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
 * `path_link(old_fd, old_flags, old_path, new_fd, new_path)`: creates the hard link `new_path` to
 * `old_path`. The source is not followed unless `old_flags` has symlink_follow.
 *
 * Errno:
 * - EBADF / ENOTDIR: `old_fd` or `new_fd` is not an open directory.
 * - the resolution errnos of the module doc, for either path.
 * - ENOENT: the source is missing (a dangling link when following), or `new_path` ends in a slash.
 * - EPERM: the source is a directory, or either side lies under a read-only preopen.
 * - ENOTDIR: `old_path` ends in a slash but names a file.
 * - EEXIST: something is at `new_path` (a dangling symlink or a directory too).
 * - host failures (EXDEV, EMLINK, ...), through errno.ts.
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
 * `path_open(fd, dirflags, path, oflags, rights_base, rights_inheriting, fdflags, fd_out)`: opens (or
 * creates) `path` and writes the new descriptor at `fd_out`. Rights choose the open mode only, as in wazero:
 * FD_READ reads, FD_WRITE writes, both do both, and neither reads (and also writes with creat or trunc, so
 * a create with rights 0 can be written). The new descriptor reports the requested rights the directory may
 * hand down (their intersection, as wasi-libc expects) narrowed to what fits a file or a directory, with
 * FD_READ / FD_WRITE set as the open mode says; no right is ever required (mod.ts).
 *
 * Errno:
 * - EBADF / ENOTDIR: `fd` is not an open directory.
 * - EINVAL: `fdflags` or `oflags` has unknown bits.
 * - the resolution errnos of the module doc, for `path`.
 * - EEXIST: creat with excl, and something is there.
 * - ELOOP: the last component is a symlink and `dirflags` has no symlink_follow (also with the directory
 *   flag, as O_NOFOLLOW does).
 * - EISDIR: a directory opened with FD_WRITE or trunc, or creating a name that ends in a slash.
 * - ENOENT: nothing is there and there is no creat (with the directory flag too).
 * - ENOTDIR: the directory flag, or a trailing slash, on something that is not a directory.
 * - EPERM: create, truncate or write access under a read-only preopen.
 * - EFAULT: `fd_out` lies outside memory.
 * - host failures (EACCES, EMFILE, ...), through errno.ts.
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
 * `path_readlink(fd, path, buf, buf_len, bufused)`: copies the text of the symlink `path` to `buf`, cut to
 * `buf_len` bytes (no NUL), and writes the length copied at `bufused`.
 *
 * Errno:
 * - EBADF / ENOTDIR: `fd` is not an open directory.
 * - the resolution errnos of the module doc, for `path`.
 * - ENOENT: nothing is at `path`.
 * - EINVAL: `path` is not a symlink, or ends in a slash.
 * - EFAULT: `buf` or `bufused` lies outside memory.
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
 * `path_remove_directory(fd, path)`: removes the empty directory `path`.
 *
 * Errno:
 * - EBADF / ENOTDIR: `fd` is not an open directory.
 * - the resolution errnos of the module doc, for `path`.
 * - EBUSY / EINVAL: `path` names `fd`'s own directory or ends by climbing with "..": EBUSY when that is a
  preopen's root, EINVAL otherwise.
 * - ENOENT: nothing is at `path`.
 * - ENOTDIR: `path` is a file or a symlink.
 * - EPERM: `fd` lies under a read-only preopen.
 * - ENOTEMPTY and other host failures, through errno.ts.
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
 * `path_rename(fd, old_path, new_fd, new_path)`: renames with rename(2) semantics: a file replaces a file,
 * a directory replaces an empty directory.
 *
 * Errno:
 * - EBADF / ENOTDIR: `fd` or `new_fd` is not an open directory.
 * - the resolution errnos of the module doc, for either path.
 * - EBUSY / EINVAL: either path names its descriptor's own directory or ends by climbing with "..": EBUSY
  when one of them is a preopen's root, EINVAL otherwise.
 * - ENOENT: the source is missing.
 * - ENOTDIR: a directory over a file, or a trailing slash on a file.
 * - EISDIR: a file over a directory.
 * - EPERM: either side lies under a read-only preopen.
 * - ENOTEMPTY, EXDEV and other host failures, through errno.ts.
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
 * `path_symlink(old_path, fd, new_path)`: creates the symlink `new_path` with the text `old_path`, stored
 * verbatim (it may dangle). An absolute target is refused: it could never be followed here.
 *
 * Errno:
 * - EBADF / ENOTDIR: `fd` is not an open directory.
 * - ENOENT: `old_path` is empty, or `new_path` ends in a slash.
 * - EINVAL: `old_path` contains a NUL.
 * - ENOTCAPABLE: `old_path` is absolute.
 * - EILSEQ / EFAULT: `old_path` is not UTF-8, or lies outside memory.
 * - the resolution errnos of the module doc, for `new_path`.
 * - EEXIST: something is at `new_path`.
 * - EPERM: `fd` lies under a read-only preopen.
 * - host failures, through errno.ts.
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
 * `path_unlink_file(fd, path)`: removes the file or symlink `path` (a symlink is never followed).
 *
 * Errno:
 * - EBADF / ENOTDIR: `fd` is not an open directory.
 * - the resolution errnos of the module doc, for `path`.
 * - ENOENT: nothing is at `path`.
 * - EISDIR: `path` is a directory.
 * - ENOTDIR: `path` ends in a slash.
 * - EPERM: `fd` lies under a read-only preopen.
 * - host failures, through errno.ts.
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
