/**
 * The `fd_*` functions, one named function per syscall, each documented with its errno cases: reading,
 * writing, seeking, metadata, flags, rights, directory listing and the descriptor table operations
 * (close, renumber, prestat). Each function checks, in this order: the descriptor exists (EBADF), the
 * descriptor kind fits the call (EISDIR / ESPIPE / EBADF / ENOTDIR as POSIX would say), the read-only
 * preopen rule (EPERM), the open mode (EBADF for a read on a descriptor not open for reading, a write,
 * truncation or allocation on one not open for writing), then performs the host call, mapping host
 * failures through `fail` (context.ts: errno.ts's one mapping). Rights bits are reported, never checked
 * (mod.ts).
 *
 * Hot paths (fd_read, fd_write, fd_seek) allocate nothing per call: iovecs are read straight from the
 * cached DataView and the byte views come from GuestMemory's reuse cache.
 */

import {
  EBADF,
  EINVAL,
  EISDIR,
  ENAMETOOLONG,
  ENOTCAPABLE,
  ENOTDIR,
  EPERM,
  ESPIPE,
  ESUCCESS,
} from "./errno.ts";
import { fail, type WasiContext } from "./context.ts";
import {
  type DirListing,
  type FdEntry,
  joinHost,
  KIND_DIR,
  KIND_FILE,
  KIND_STDIN,
  KIND_STDOUT,
} from "./fd_table.ts";
import {
  ADVICE_MAX,
  DIRENT_SIZE,
  FDFLAG_APPEND,
  FDFLAG_DSYNC,
  FDFLAG_SYNC,
  FDFLAGS_ALL,
  FILETYPE_DIRECTORY,
  FILETYPE_REGULAR_FILE,
  FILETYPE_SYMBOLIC_LINK,
  FILETYPE_UNKNOWN,
  WHENCE_END,
} from "./layout.ts";
import { encodeUtf8, type GuestMemory } from "./memory.ts";
import { validateBase } from "./paths.ts";
import { dirCache, lookupListing, storeListing } from "./dir_cache.ts";
import { badFstflags, filetypeOf, setTimes, writeEmptyFilestat, writeFilestat } from "./stat.ts";

const RIGHTS_LIMIT = 1n << 30n;
const direntScratch = new Uint8Array(DIRENT_SIZE);
const direntView = new DataView(direntScratch.buffer);

/** Reads into the iovecs from a file at its current position; returns the byte count. */
function readFile(mem: GuestMemory, f: Deno.FsFile, iovs: number, iovsLen: number): number {
  const v = mem.view;
  let total = 0;
  for (let i = 0; i < iovsLen; i++) {
    const p = iovs + i * 8;
    const len = v.getUint32(p + 4, true);
    if (len === 0) continue;
    const n = f.readSync(mem.bytes(v.getUint32(p, true), len));
    if (n === null) break;
    total += n;
    if (n < len) break;
  }
  return total;
}

/** Writes the iovecs to a file at its current position; regular files take every byte or throw. */
function writeFile(mem: GuestMemory, f: Deno.FsFile, iovs: number, iovsLen: number): number {
  const v = mem.view;
  let total = 0;
  for (let i = 0; i < iovsLen; i++) {
    const p = iovs + i * 8;
    const len = v.getUint32(p + 4, true);
    if (len === 0) continue;
    let buf = mem.bytes(v.getUint32(p, true), len);
    let n = f.writeSync(buf);
    total += n;
    while (n < buf.length && n > 0) {
      buf = buf.subarray(n);
      n = f.writeSync(buf);
      total += n;
    }
  }
  return total;
}

/**
 * 0 for a regular file; else the errno of a call that needs a file position: EISDIR for a directory,
 * ESPIPE for stdio.
 */
function notSeekable(e: FdEntry): number {
  return e.kind === KIND_FILE ? 0 : e.kind === KIND_DIR ? EISDIR : ESPIPE;
}

/** Runs `io` with the file positioned at `offset`, then puts the position back (Deno has no pread). */
function atOffset(f: Deno.FsFile, offset: bigint, io: () => number): number {
  const saved = f.seekSync(0, Deno.SeekMode.Current);
  try {
    f.seekSync(offset, Deno.SeekMode.Start);
    return io();
  } finally {
    f.seekSync(saved, Deno.SeekMode.Start);
  }
}

function syncAfterWrite(e: FdEntry): void {
  if ((e.fdflags & FDFLAG_SYNC) !== 0) e.file!.syncSync();
  else if ((e.fdflags & FDFLAG_DSYNC) !== 0) e.file!.syncDataSync();
}

function statOf(e: FdEntry): Deno.FileInfo {
  return e.file !== null ? e.file.statSync() : Deno.statSync(e.hostPath);
}

/** The listing for a fresh fd_readdir pass: cached (dir_cache.ts) or read now. */
function freshListing(e: FdEntry): DirListing {
  const st = Deno.statSync(e.hostPath);
  // ".." differs between a preopen root (reported as itself) and the same folder reached from above.
  const key = e.parts.length === 0 ? e.hostPath + "\0root" : e.hostPath;
  const cached = lookupListing(key, st);
  if (cached !== undefined) return cached;
  const generation = dirCache.generation;
  const listing = readListing(e);
  storeListing(key, st, listing, generation);
  return listing;
}

/** Builds the listing fd_readdir serves cookies from: ".", "..", then the host entries. */
function readListing(e: FdEntry): DirListing {
  const names = [".", ".."];
  const types = [FILETYPE_DIRECTORY, FILETYPE_DIRECTORY];
  for (const d of Deno.readDirSync(e.hostPath)) {
    names.push(d.name);
    types.push(
      d.isFile
        ? FILETYPE_REGULAR_FILE
        : d.isDirectory
        ? FILETYPE_DIRECTORY
        : d.isSymlink
        ? FILETYPE_SYMBOLIC_LINK
        : FILETYPE_UNKNOWN,
    );
  }
  const inos = new Array<number>(names.length).fill(-1);
  return { names, types, inos, bytes: new Array(names.length) };
}

/** Inode and exact type of listing entry i, looked up once per listing. */
function entryIno(e: FdEntry, l: DirListing, i: number): number {
  let ino = l.inos[i];
  if (ino >= 0) return ino;
  try {
    // ".." of a preopen root would describe a directory outside the grant: report the root itself.
    const path = i === 0
      ? e.hostPath
      : i === 1
      ? (e.parts.length === 0 ? e.hostPath : joinHost(e.root, e.parts.slice(0, -1)))
      : joinHost(e.hostPath, [l.names[i]]);
    const st = Deno.lstatSync(path);
    ino = st.ino ?? 0;
    if (i > 1) l.types[i] = filetypeOf(st);
  } catch {
    ino = 0; // removed since the listing was taken
  }
  l.inos[i] = ino;
  return ino;
}

/**
 * `fd_advise(fd, offset, len, advice)`: a hint about how the guest will use a range of the file; accepted
 * and ignored (posix_fadvise is only a hint too, and Deno has no call for it).
 *
 * Errno:
 * - EBADF: `fd` is not open.
 * - EINVAL: `advice` is not one of the six preview1 values.
 * - EISDIR: `fd` is a directory.
 * - ESPIPE: `fd` is stdio.
 */
export function fd_advise(
  ctx: WasiContext,
  fd: number,
  _offset: bigint,
  _len: bigint,
  advice: number,
): number {
  const e = ctx.fds.get(fd);
  if (e === undefined) return EBADF;
  if (advice > ADVICE_MAX) return EINVAL;
  return notSeekable(e);
}

/**
 * `fd_allocate(fd, offset, len)`: makes the file at least `offset + len` bytes long; never shrinks it.
 *
 * Errno:
 * - EBADF: `fd` is not open, or not open for writing.
 * - EISDIR: `fd` is a directory.
 * - ESPIPE: `fd` is stdio.
 * - EPERM: `fd` lies under a read-only preopen.
 * - EINVAL: `offset + len` is past 2^53 - 1 bytes.
 * - host failures (ENOSPC, EFBIG, ...), through errno.ts.
 */
export function fd_allocate(ctx: WasiContext, fd: number, offset: bigint, len: bigint): number {
  try {
    const e = ctx.fds.get(fd);
    if (e === undefined) return EBADF;
    const kind = notSeekable(e);
    if (kind !== 0) return kind;
    if (e.readOnly) return EPERM;
    if (!e.writable) return EBADF;
    const end = offset + len;
    if (end > 0x1fffffffffffffn) return EINVAL;
    const f = e.file!;
    if (f.statSync().size < Number(end)) f.truncateSync(Number(end));
    return ESUCCESS;
  } catch (x) {
    return fail(x);
  }
}

/**
 * `fd_close(fd)`: closes any descriptor, preopens and stdio included (the number may be reused).
 *
 * Errno:
 * - EBADF: `fd` is not open.
 */
export function fd_close(ctx: WasiContext, fd: number): number {
  if (ctx.fds.get(fd) === undefined) return EBADF;
  ctx.fds.close(fd);
  return ESUCCESS;
}

/**
 * `fd_datasync(fd)`: flushes the file's data to the device; a no-op for directories and stdio.
 *
 * Errno:
 * - EBADF: `fd` is not open.
 * - host failures (EIO, ...), through errno.ts.
 */
export function fd_datasync(ctx: WasiContext, fd: number): number {
  try {
    const e = ctx.fds.get(fd);
    if (e === undefined) return EBADF;
    if (e.file !== null) e.file.syncDataSync();
    return ESUCCESS;
  } catch (x) {
    return fail(x);
  }
}

/**
 * `fd_fdstat_get(fd, out)`: writes the 24-byte `fdstat` at `out`: filetype, fdflags, and the rights the
 * descriptor reports (advisory, mod.ts). Needs no right.
 *
 * Errno:
 * - EBADF: `fd` is not open.
 * - EFAULT: `out` lies outside memory.
 */
export function fd_fdstat_get(ctx: WasiContext, fd: number, out: number): number {
  const mem = ctx.mem;
  try {
    const e = ctx.fds.get(fd);
    if (e === undefined) return EBADF;
    mem.refresh();
    mem.check(out, 24);
    const v = mem.view;
    v.setUint8(out, e.filetype);
    v.setUint8(out + 1, 0);
    v.setUint16(out + 2, e.fdflags, true);
    v.setUint32(out + 4, 0, true);
    v.setUint32(out + 8, e.rightsBase, true);
    v.setUint32(out + 12, 0, true);
    v.setUint32(out + 16, e.rightsInheriting, true);
    v.setUint32(out + 20, 0, true);
    return ESUCCESS;
  } catch (x) {
    return fail(x);
  }
}

/**
 * `fd_fdstat_set_flags(fd, flags)`: sets append / dsync / nonblock / rsync / sync. Append is emulated
 * (seek to the end before each write) because Deno cannot change O_APPEND on an open file; the sync flags
 * make every write flush.
 *
 * Errno:
 * - EBADF: `fd` is not open.
 * - EINVAL: `flags` has bits outside the five flags.
 * - EPERM: append on a descriptor under a read-only preopen.
 */
export function fd_fdstat_set_flags(ctx: WasiContext, fd: number, flags: number): number {
  const e = ctx.fds.get(fd);
  if (e === undefined) return EBADF;
  if ((flags & ~FDFLAGS_ALL) !== 0) return EINVAL;
  if (e.readOnly && (flags & FDFLAG_APPEND) !== 0) return EPERM;
  e.fdflags = flags;
  return ESUCCESS;
}

/**
 * `fd_fdstat_set_rights(fd, base, inheriting)`: changes the rights fd_fdstat_get reports. They can only be
 * dropped, and dropping them restricts nothing (rights are advisory, mod.ts).
 *
 * Errno:
 * - EBADF: `fd` is not open.
 * - ENOTCAPABLE: either set asks for a right the descriptor does not report (a raise).
 */
export function fd_fdstat_set_rights(ctx: WasiContext, fd: number, base: bigint, inheriting: bigint): number {
  const e = ctx.fds.get(fd);
  if (e === undefined) return EBADF;
  const b = BigInt.asUintN(64, base), i = BigInt.asUintN(64, inheriting);
  if (b >= RIGHTS_LIMIT || i >= RIGHTS_LIMIT) return ENOTCAPABLE;
  const nb = Number(b), ni = Number(i);
  if ((nb & ~e.rightsBase) !== 0 || (ni & ~e.rightsInheriting) !== 0) return ENOTCAPABLE;
  e.rightsBase = nb;
  e.rightsInheriting = ni;
  return ESUCCESS;
}

/**
 * `fd_filestat_get(fd, out)`: writes the 64-byte `filestat` of the open file or directory at `out` (stdio
 * reports its filetype and zeros).
 *
 * Errno:
 * - EBADF: `fd` is not open.
 * - ENOTCAPABLE / ENOTDIR / ENOENT: `fd` is a directory whose location changed since it was opened (a
 *   component became a symlink, a file, or vanished; `validateBase` in paths.ts).
 * - EFAULT: `out` lies outside memory.
 * - host failures, through errno.ts.
 */
export function fd_filestat_get(ctx: WasiContext, fd: number, out: number): number {
  const mem = ctx.mem;
  try {
    const e = ctx.fds.get(fd);
    if (e === undefined) return EBADF;
    mem.refresh();
    if (e.kind === KIND_STDIN || e.kind === KIND_STDOUT) writeEmptyFilestat(mem, out, e.filetype);
    else {
      if (e.kind === KIND_DIR) {
        const err = validateBase(e);
        if (err !== 0) return err;
      }
      writeFilestat(ctx, mem, out, statOf(e));
    }
    return ESUCCESS;
  } catch (x) {
    return fail(x);
  }
}

/**
 * `fd_filestat_set_size(fd, size)`: truncates or extends the file to `size` bytes.
 *
 * Errno:
 * - EBADF: `fd` is not open, or not open for writing.
 * - EISDIR: `fd` is a directory.
 * - EINVAL: `fd` is stdio, or `size` is past 2^53 - 1.
 * - EPERM: `fd` lies under a read-only preopen.
 * - host failures (ENOSPC, EFBIG, ...), through errno.ts.
 */
export function fd_filestat_set_size(ctx: WasiContext, fd: number, size: bigint): number {
  try {
    const e = ctx.fds.get(fd);
    if (e === undefined) return EBADF;
    if (e.kind === KIND_DIR) return EISDIR;
    if (e.kind !== KIND_FILE) return EINVAL;
    if (e.readOnly) return EPERM;
    if (!e.writable) return EBADF;
    const n = BigInt.asUintN(64, size);
    if (n > 0x1fffffffffffffn) return EINVAL;
    e.file!.truncateSync(Number(n));
    return ESUCCESS;
  } catch (x) {
    return fail(x);
  }
}

/**
 * `fd_filestat_set_times(fd, atim, mtim, fstflags)`: sets the access and/or modification time, each to the
 * given nanoseconds or to now (stat.ts keeps the exact values the guest set).
 *
 * Errno:
 * - EBADF: `fd` is not open, or is stdio.
 * - EINVAL: `fstflags` sets a time both to a value and to now, or has unknown bits.
 * - EPERM: `fd` lies under a read-only preopen.
 * - ENOTCAPABLE / ENOTDIR / ENOENT: `fd` is a directory whose location changed since it was opened.
 * - host failures, through errno.ts.
 */
export function fd_filestat_set_times(
  ctx: WasiContext,
  fd: number,
  atim: bigint,
  mtim: bigint,
  flags: number,
): number {
  try {
    const e = ctx.fds.get(fd);
    if (e === undefined) return EBADF;
    if (badFstflags(flags)) return EINVAL;
    if (e.kind !== KIND_FILE && e.kind !== KIND_DIR) return EBADF;
    if (e.readOnly) return EPERM;
    if (e.kind === KIND_DIR) {
      const err = validateBase(e);
      if (err !== 0) return err;
    }
    const info = statOf(e);
    const f = e.file;
    setTimes(ctx, info, BigInt.asUintN(64, atim), BigInt.asUintN(64, mtim), flags, (a, m) => {
      if (f !== null) f.utimeSync(a, m);
      else Deno.utimeSync(e.hostPath, a, m);
    });
    return ESUCCESS;
  } catch (x) {
    return fail(x);
  }
}

/**
 * `fd_pread(fd, iovs, iovs_len, offset, nread)`: scatter read at `offset` without moving the file position
 * (emulated with save / seek / restore: Deno has no pread); writes the byte count at `nread`.
 *
 * Errno:
 * - EBADF: `fd` is not open, or not open for reading.
 * - ESPIPE: `fd` is stdio.
 * - EISDIR: `fd` is a directory.
 * - EINVAL: `offset` is negative.
 * - EFAULT: the iovec array, a buffer or `nread` lies outside memory.
 * - host failures (EIO, ...), through errno.ts.
 */
export function fd_pread(
  ctx: WasiContext,
  fd: number,
  iovs: number,
  iovsLen: number,
  offset: bigint,
  nread: number,
): number {
  const mem = ctx.mem;
  try {
    const e = ctx.fds.get(fd);
    if (e === undefined) return EBADF;
    const kind = notSeekable(e);
    if (kind !== 0) return kind;
    if (!e.readable) return EBADF;
    if (offset < 0n) return EINVAL;
    mem.refresh();
    mem.check(iovs, iovsLen * 8);
    const f = e.file!;
    const n = atOffset(f, offset, () => readFile(mem, f, iovs, iovsLen));
    mem.view.setUint32(nread, n, true);
    return ESUCCESS;
  } catch (x) {
    return fail(x);
  }
}

/**
 * `fd_prestat_get(fd, out)`: writes the 8-byte `prestat` of a preopened directory at `out` (tag "dir" and
 * the length of its guest path). Guests call it on 3, 4, ... until EBADF to find their preopens.
 *
 * Errno:
 * - EBADF: `fd` is not open, or not a preopen.
 * - EFAULT: `out` lies outside memory.
 */
export function fd_prestat_get(ctx: WasiContext, fd: number, out: number): number {
  const mem = ctx.mem;
  try {
    const e = ctx.fds.get(fd);
    if (e === undefined || e.preopenNameBytes === null) return EBADF;
    mem.refresh();
    mem.check(out, 8);
    mem.view.setUint32(out, 0, true); // tag = dir, plus padding
    mem.view.setUint32(out + 4, e.preopenNameBytes.length, true);
    return ESUCCESS;
  } catch (x) {
    return fail(x);
  }
}

/**
 * `fd_prestat_dir_name(fd, path, path_len)`: copies the preopen's guest path (no NUL) to `path`.
 *
 * Errno:
 * - EBADF: `fd` is not open, or not a preopen.
 * - ENAMETOOLONG: `path_len` is shorter than the name.
 * - EFAULT: the name would land outside memory.
 */
export function fd_prestat_dir_name(ctx: WasiContext, fd: number, path: number, pathLen: number): number {
  const mem = ctx.mem;
  try {
    const e = ctx.fds.get(fd);
    if (e === undefined || e.preopenNameBytes === null) return EBADF;
    const name = e.preopenNameBytes;
    if (pathLen < name.length) return ENAMETOOLONG;
    mem.refresh();
    mem.check(path, name.length);
    mem.u8.set(name, path);
    return ESUCCESS;
  } catch (x) {
    return fail(x);
  }
}

/**
 * `fd_pwrite(fd, iovs, iovs_len, offset, nwritten)`: gather write at `offset` without moving the file
 * position (POSIX semantics, also in append mode); writes the byte count at `nwritten`.
 *
 * Errno:
 * - EBADF: `fd` is not open, or not open for writing.
 * - ESPIPE: `fd` is stdio.
 * - EISDIR: `fd` is a directory.
 * - EPERM: `fd` lies under a read-only preopen.
 * - EINVAL: `offset` is negative.
 * - EFAULT: the iovec array, a buffer or `nwritten` lies outside memory.
 * - host failures (ENOSPC, EFBIG, ...), through errno.ts.
 */
export function fd_pwrite(
  ctx: WasiContext,
  fd: number,
  iovs: number,
  iovsLen: number,
  offset: bigint,
  nwritten: number,
): number {
  const mem = ctx.mem;
  try {
    const e = ctx.fds.get(fd);
    if (e === undefined) return EBADF;
    const kind = notSeekable(e);
    if (kind !== 0) return kind;
    if (e.readOnly) return EPERM;
    if (!e.writable) return EBADF;
    if (offset < 0n) return EINVAL;
    mem.refresh();
    mem.check(iovs, iovsLen * 8);
    const f = e.file!;
    const n = atOffset(f, offset, () => writeFile(mem, f, iovs, iovsLen));
    syncAfterWrite(e);
    mem.view.setUint32(nwritten, n, true);
    return ESUCCESS;
  } catch (x) {
    return fail(x);
  }
}

/**
 * `fd_read(fd, iovs, iovs_len, nread)`: scatter read at the current position (from the stdin source for
 * fd 0, which may block until the blocking deadline); writes the byte count at `nread`, 0 at end of file.
 *
 * Errno:
 * - EBADF: `fd` is not open, or not open for reading (stdout, stderr, a file opened for writing only).
 * - EISDIR: `fd` is a directory.
 * - EFAULT: the iovec array, a buffer or `nread` lies outside memory.
 * - host and stdin-source failures (EIO, ...), through errno.ts.
 */
export function fd_read(ctx: WasiContext, fd: number, iovs: number, iovsLen: number, nread: number): number {
  const mem = ctx.mem;
  try {
    const e = ctx.fds.get(fd);
    if (e === undefined) return EBADF;
    if (e.kind === KIND_DIR) return EISDIR;
    if (!e.readable) return EBADF;
    mem.refresh();
    mem.check(iovs, iovsLen * 8);
    let total = 0;
    if (e.kind === KIND_FILE) {
      total = readFile(mem, e.file!, iovs, iovsLen);
    } else if (e.kind === KIND_STDIN) {
      const v = mem.view;
      const src = e.stdin!;
      const deadline = ctx.deadline();
      for (let i = 0; i < iovsLen; i++) {
        const p = iovs + i * 8;
        const len = v.getUint32(p + 4, true);
        if (len === 0) continue;
        const n = src.read(mem.bytes(v.getUint32(p, true), len), deadline);
        total += n;
        if (n < len) break;
      }
    } else {
      return EBADF;
    }
    mem.view.setUint32(nread, total, true);
    return ESUCCESS;
  } catch (x) {
    return fail(x);
  }
}

/**
 * `fd_readdir(fd, buf, buf_len, cookie, bufused)`: fills `buf` with dirents starting at `cookie` (0 is the
 * start; each entry's d_next is the cookie of the one after it), "." and ".." first, and writes the bytes
 * used at `bufused`. The last entry is cut when it does not fit, so `bufused == buf_len` means "call
 * again". Inode numbers are the host's, looked up once per listing; listings are cached (dir_cache.ts).
 *
 * Errno:
 * - EBADF: `fd` is not open.
 * - ENOTDIR: `fd` is not a directory (files and stdio included).
 * - ENOTCAPABLE / ENOTDIR / ENOENT: the directory's location changed since it was opened.
 * - EFAULT: `buf` or `bufused` lies outside memory.
 * - host failures (EACCES, ...), through errno.ts.
 */
export function fd_readdir(
  ctx: WasiContext,
  fd: number,
  buf: number,
  bufLen: number,
  cookie: bigint,
  bufused: number,
): number {
  const mem = ctx.mem;
  try {
    const e = ctx.fds.get(fd);
    if (e === undefined) return EBADF;
    if (e.kind !== KIND_DIR) return ENOTDIR;
    const start = BigInt.asUintN(64, cookie);
    const err = validateBase(e);
    if (err !== 0) return err;
    if (start === 0n || e.listing === null) e.listing = freshListing(e);
    const l = e.listing;
    mem.refresh();
    mem.check(buf, bufLen);
    mem.check(bufused, 4);
    const u8 = mem.u8;
    const v = mem.view;
    let used = 0;
    for (
      let i = start > BigInt(l.names.length) ? l.names.length : Number(start);
      i < l.names.length;
      i++
    ) {
      const ino = entryIno(e, l, i);
      const name = l.bytes[i] ??= encodeUtf8(l.names[i]);
      const rem = bufLen - used;
      const at = buf + used;
      if (rem >= DIRENT_SIZE + name.length) {
        mem.setU64(at, i + 1);
        mem.setU64(at + 8, ino);
        v.setUint32(at + 16, name.length, true);
        v.setUint32(at + 20, l.types[i], true);
        u8.set(name, at + DIRENT_SIZE);
        used += DIRENT_SIZE + name.length;
        continue;
      }
      // Does not fit: write what fits of header + name, so the guest sees a full buffer.
      direntView.setUint32(0, i + 1, true);
      direntView.setUint32(4, 0, true);
      direntView.setUint32(8, ino % 4294967296, true);
      direntView.setUint32(12, Math.floor(ino / 4294967296), true);
      direntView.setUint32(16, name.length, true);
      direntView.setUint32(20, l.types[i], true);
      const h = Math.min(rem, DIRENT_SIZE);
      u8.set(direntScratch.subarray(0, h), at);
      if (rem > DIRENT_SIZE) u8.set(name.subarray(0, rem - DIRENT_SIZE), at + DIRENT_SIZE);
      used = bufLen;
      break;
    }
    v.setUint32(bufused, used, true);
    return ESUCCESS;
  } catch (x) {
    return fail(x);
  }
}

/**
 * `fd_renumber(from, to)`: moves descriptor `from` onto `to`, closing what `to` held; `from` is free
 * afterwards. Renumbering a descriptor onto itself does nothing.
 *
 * Errno:
 * - EBADF: `from` or `to` is not open (preview1 does not create `to`, unlike dup2).
 */
export function fd_renumber(ctx: WasiContext, from: number, to: number): number {
  const e = ctx.fds.get(from);
  if (e === undefined || ctx.fds.get(to) === undefined) return EBADF;
  if (from === to) return ESUCCESS;
  ctx.fds.close(to);
  ctx.fds.entries[from] = undefined;
  ctx.fds.set(to, e);
  return ESUCCESS;
}

/**
 * `fd_seek(fd, offset, whence, newoffset)`: moves the file position (from the start, the current position
 * or the end) and writes the new position at `newoffset`.
 *
 * Errno:
 * - EBADF: `fd` is not open.
 * - ESPIPE: `fd` is stdio.
 * - EISDIR: `fd` is a directory.
 * - EINVAL: `whence` is unknown, or the resulting position would be negative.
 * - EFAULT: `newoffset` lies outside memory.
 */
export function fd_seek(
  ctx: WasiContext,
  fd: number,
  offset: bigint,
  whence: number,
  newoffset: number,
): number {
  const mem = ctx.mem;
  try {
    const e = ctx.fds.get(fd);
    if (e === undefined) return EBADF;
    const kind = notSeekable(e);
    if (kind !== 0) return kind;
    if (whence > WHENCE_END) return EINVAL;
    const f = e.file!;
    const pos = f.seekSync(offset, whence as Deno.SeekMode);
    mem.refresh();
    mem.check(newoffset, 8);
    mem.setU64(newoffset, pos);
    return ESUCCESS;
  } catch (x) {
    return fail(x);
  }
}

/**
 * `fd_sync(fd)`: flushes the file's data and metadata to the device; a no-op for directories and stdio.
 *
 * Errno:
 * - EBADF: `fd` is not open.
 * - host failures (EIO, ...), through errno.ts.
 */
export function fd_sync(ctx: WasiContext, fd: number): number {
  try {
    const e = ctx.fds.get(fd);
    if (e === undefined) return EBADF;
    if (e.file !== null) e.file.syncSync();
    return ESUCCESS;
  } catch (x) {
    return fail(x);
  }
}

/**
 * `fd_tell(fd, out)`: writes the current file position at `out`.
 *
 * Errno:
 * - EBADF: `fd` is not open.
 * - ESPIPE: `fd` is stdio.
 * - EISDIR: `fd` is a directory.
 * - EFAULT: `out` lies outside memory.
 */
export function fd_tell(ctx: WasiContext, fd: number, out: number): number {
  const mem = ctx.mem;
  try {
    const e = ctx.fds.get(fd);
    if (e === undefined) return EBADF;
    const kind = notSeekable(e);
    if (kind !== 0) return kind;
    const pos = e.file!.seekSync(0, Deno.SeekMode.Current);
    mem.refresh();
    mem.check(out, 8);
    mem.setU64(out, pos);
    return ESUCCESS;
  } catch (x) {
    return fail(x);
  }
}

/**
 * `fd_write(fd, iovs, iovs_len, nwritten)`: gather write at the current position (at the end in append
 * mode; to the output sink for fds 1 and 2) and writes the byte count at `nwritten`. A sink may accept fewer
 * bytes than offered: that count is reported.
 *
 * Errno:
 * - EBADF: `fd` is not open, or not open for writing (stdin, a file opened for reading only).
 * - EISDIR: `fd` is a directory.
 * - EPERM: `fd` lies under a read-only preopen.
 * - EFAULT: the iovec array, a buffer or `nwritten` lies outside memory.
 * - host and sink failures, through errno.ts (the runtime's capped capture answers EFBIG at its cap).
 */
export function fd_write(
  ctx: WasiContext,
  fd: number,
  iovs: number,
  iovsLen: number,
  nwritten: number,
): number {
  const mem = ctx.mem;
  try {
    const e = ctx.fds.get(fd);
    if (e === undefined) return EBADF;
    if (e.kind === KIND_DIR) return EISDIR;
    if (e.readOnly) return EPERM;
    if (!e.writable) return EBADF;
    mem.refresh();
    mem.check(iovs, iovsLen * 8);
    let total = 0;
    if (e.kind === KIND_STDOUT) {
      const v = mem.view;
      const sink = e.sink!;
      for (let i = 0; i < iovsLen; i++) {
        const p = iovs + i * 8;
        const len = v.getUint32(p + 4, true);
        if (len === 0) continue;
        let buf = mem.bytes(v.getUint32(p, true), len);
        let n = sink.write(buf);
        total += n;
        while (n > 0 && n < buf.length) {
          buf = buf.subarray(n);
          n = sink.write(buf);
          total += n;
        }
        if (n === 0) break;
      }
    } else if (e.kind === KIND_FILE) {
      const f = e.file!;
      if ((e.fdflags & FDFLAG_APPEND) !== 0) f.seekSync(0, Deno.SeekMode.End);
      total = writeFile(mem, f, iovs, iovsLen);
      if ((e.fdflags & (FDFLAG_SYNC | FDFLAG_DSYNC)) !== 0) syncAfterWrite(e);
    } else {
      return EBADF;
    }
    mem.view.setUint32(nwritten, total, true);
    return ESUCCESS;
  } catch (x) {
    return fail(x);
  }
}
