// Files through WASI: the AssemblyScript standard library has no file API, so the SDK reads folders and
// files with the preview1 calls, resolving absolute paths against the preopened grants (/workspace and
// the others in [capabilities.filesystem]) as wasi-libc does for C and Rust.

import { fd_close, fd_prestat_dir_name, fd_prestat_get, fd_readdir, path_filestat_get, path_open } from "./abi";
import { readAll, Result } from "./io";
import { ptr, text, utf8 } from "./memory";

/** One entry of a folder. */
export class DirEntry {
  constructor(public name: string, public isDir: bool, public isFile: bool) {}
}

const FILETYPE_DIRECTORY: u8 = 3;
const FILETYPE_REGULAR_FILE: u8 = 4;
const LOOKUP_SYMLINK_FOLLOW: u32 = 1;
const O_DIRECTORY: u16 = 2;
/**
 * The rights asked for: reading files and listing folders (fd_read, fd_seek, fd_tell, fd_advise,
 * path_open, fd_readdir, path_readlink, path_filestat_get, fd_filestat_get, poll_fd_readwrite). The host
 * hands down what the grant allows; asking to write a folder would fail with EISDIR.
 */
const READ_RIGHTS: u64 = 0x824e0a6;

let preopenFds: u32[] = [];
let preopenPaths: string[] = [];
let preopensRead = false;

function readPreopens(): void {
  if (preopensRead) return;
  preopensRead = true;
  const stat = new Uint32Array(2); // tag u8 (0 = dir) at 0, name length u32 at 4
  for (let fd: u32 = 3; ; fd++) {
    if (fd_prestat_get(fd, stat.dataStart) != 0) break;
    if ((stat[0] & 0xff) != 0) continue;
    const name = new Uint8Array(<i32>stat[1]);
    if (fd_prestat_dir_name(fd, ptr(name), name.length) != 0) continue;
    let path = text(name);
    while (path.length > 1 && path.endsWith("/")) path = path.substring(0, path.length - 1);
    preopenFds.push(fd);
    preopenPaths.push(path);
  }
}

/** The preopen holding absolute `path` (longest match) and the path relative to it. */
class Resolved {
  constructor(public fd: i32, public rel: string) {}
}

function resolve(path: string): Resolved {
  readPreopens();
  let best = -1;
  let bestLen = -1;
  for (let i = 0; i < preopenPaths.length; i++) {
    const p = preopenPaths[i];
    const inside = path == p || (p == "/" ? path.startsWith("/") : path.startsWith(p + "/"));
    if (inside && p.length > bestLen) {
      best = i;
      bestLen = p.length;
    }
  }
  if (best < 0) return new Resolved(-1, "");
  let rel = path.substring(bestLen);
  while (rel.startsWith("/")) rel = rel.substring(1);
  return new Resolved(<i32>preopenFds[best], rel.length == 0 ? "." : rel);
}

function open(path: string, oflags: u16): Result<u32> {
  const r = resolve(path);
  if (r.fd < 0) return new Result<u32>(0, path + " is not inside a granted folder");
  const rel = utf8(r.rel);
  const fd = new Uint32Array(1);
  const errno = path_open(<u32>r.fd, LOOKUP_SYMLINK_FOLLOW, ptr(rel), rel.length, oflags, READ_RIGHTS, READ_RIGHTS, 0, fd.dataStart);
  if (errno != 0) return new Result<u32>(0, "cannot open " + path + " (WASI errno " + errno.toString() + ")");
  return new Result<u32>(fd[0]);
}

/** Whether `path` exists (inside the granted folders). */
export function exists(path: string): bool {
  const r = resolve(path);
  if (r.fd < 0) return false;
  const rel = utf8(r.rel);
  const stat = new Uint8Array(64);
  return path_filestat_get(<u32>r.fd, LOOKUP_SYMLINK_FOLLOW, ptr(rel), rel.length, ptr(stat)) == 0;
}

/** The entries of folder `path` (without `.` and `..`), in the order the host lists them. */
export function readDir(path: string): Result<DirEntry[]> {
  const entries: DirEntry[] = [];
  const opened = open(path, O_DIRECTORY);
  if (!opened.ok) return new Result<DirEntry[]>(entries, opened.error);
  const fd = opened.value;
  const buf = new Uint8Array(8192);
  const used = new Uint32Array(1);
  let cookie: u64 = 0;
  while (true) {
    const errno = fd_readdir(fd, ptr(buf), buf.length, cookie, used.dataStart);
    if (errno != 0) {
      fd_close(fd);
      return new Result<DirEntry[]>(entries, "cannot list " + path + " (WASI errno " + errno.toString() + ")");
    }
    // Each entry: d_next u64, d_ino u64, d_namlen u32, d_type u8, padding, then the name.
    let off = 0;
    let progressed = false;
    const n = <i32>used[0];
    while (off + 24 <= n) {
      const base = ptr(buf) + off;
      const next = load<u64>(base);
      const nameLen = <i32>load<u32>(base, 16);
      const type = load<u8>(base, 20);
      if (off + 24 + nameLen > n) break; // cut off: read again from this entry
      const name = text(buf.subarray(off + 24, off + 24 + nameLen));
      if (name != "." && name != "..") {
        entries.push(new DirEntry(name, type == FILETYPE_DIRECTORY, type == FILETYPE_REGULAR_FILE));
      }
      cookie = next;
      progressed = true;
      off += 24 + nameLen;
    }
    if (n < buf.length || !progressed) break;
  }
  fd_close(fd);
  return new Result<DirEntry[]>(entries);
}

/** The bytes of file `path`. */
export function readFile(path: string): Result<Uint8Array> {
  const opened = open(path, 0);
  if (!opened.ok) return new Result<Uint8Array>(new Uint8Array(0), opened.error);
  const r = readAll(opened.value);
  fd_close(opened.value);
  return r;
}
