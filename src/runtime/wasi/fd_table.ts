/**
 * The descriptor table: a plain array indexed by fd (no Map, no per-call allocation), holding what the
 * host knows about each open descriptor: its kind, WASI filetype, open mode, the rights it reports,
 * fdflags, the Deno file handle for regular files, and for files and directories the preopen they belong
 * to and their location inside it as path components. Directories hold no host handle (Deno has no
 * `openat`), only that location, which the containment resolver (`paths.ts`) walks from the preopen's
 * root.
 */

import { RIGHTS_DIR_BASE, RIGHTS_DIR_INHERITING } from "./layout.ts";
import { FILETYPE_DIRECTORY } from "./layout.ts";

/** Guest stdin: fills `buf` and returns the byte count, 0 at end of input. Must not block past `deadline`. */
export interface StdinSource {
  /** `deadline` is a performance.now() timestamp (Infinity when unbounded). */
  read(buf: Uint8Array, deadline: number): number;
  isTerminal?(): boolean;
}

/** Guest stdout or stderr: writes `buf` (or a prefix) and returns the count written. */
export interface OutputSink {
  write(buf: Uint8Array): number;
  isTerminal?(): boolean;
}

/** A host directory granted to the guest at `guestPath`. */
export interface PreopenSpec {
  guestPath: string;
  hostPath: string;
  readOnly: boolean;
  /** The folder's real path when the caller resolved it already (and found a folder): not resolved again. */
  realPath?: string;
}

export const KIND_STDIN = 0;
export const KIND_STDOUT = 1;
export const KIND_DIR = 2;
export const KIND_FILE = 3;

/** A cached directory listing for fd_readdir: cookies index into it, so it stays put between calls. */
export interface DirListing {
  names: string[];
  bytes: (Uint8Array | undefined)[];
  types: number[];
  inos: number[];
}

export class FdEntry {
  kind: number;
  filetype: number;
  rightsBase: number;
  rightsInheriting: number;
  fdflags = 0;
  file: Deno.FsFile | null = null;
  stdin: StdinSource | null = null;
  sink: OutputSink | null = null;
  /** Real host path of the preopen this descriptor lives under. */
  root = "";
  /** Components from `root` to this file or directory (symlinks already resolved). */
  parts: string[] = [];
  /** Host path (root + parts), kept for stat calls on directories. */
  hostPath = "";
  /** Inherited from a read-only preopen: every mutation through this descriptor fails with EPERM. */
  readOnly = false;
  /**
   * How the descriptor was opened (files and stdio; directories are neither): reads need `readable`,
   * writes, truncation and allocation need `writable` (EBADF otherwise, as POSIX says). This, the
   * descriptor's kind and the grant decide what a call may do; rights bits never do (mod.ts).
   */
  readable = false;
  writable = false;
  /** Set on preopened directories only: the name fd_prestat_dir_name reports. */
  preopenName: string | null = null;
  preopenNameBytes: Uint8Array | null = null;
  listing: DirListing | null = null;

  constructor(kind: number, filetype: number, rightsBase: number, rightsInheriting: number) {
    this.kind = kind;
    this.filetype = filetype;
    this.rightsBase = rightsBase;
    this.rightsInheriting = rightsInheriting;
  }

  static directory(root: string, parts: string[], readOnly: boolean, base: number, inh: number): FdEntry {
    const e = new FdEntry(KIND_DIR, FILETYPE_DIRECTORY, base, inh);
    e.root = root;
    e.parts = parts;
    e.hostPath = joinHost(root, parts);
    e.readOnly = readOnly;
    return e;
  }

  static preopen(spec: PreopenSpec, realRoot: string, nameBytes: Uint8Array): FdEntry {
    const e = FdEntry.directory(realRoot, [], spec.readOnly, RIGHTS_DIR_BASE, RIGHTS_DIR_INHERITING);
    e.preopenName = spec.guestPath;
    e.preopenNameBytes = nameBytes;
    return e;
  }
}

export function joinHost(root: string, parts: string[]): string {
  if (parts.length === 0) return root;
  return (root.endsWith("/") ? root : root + "/") + parts.join("/");
}

export class FdTable {
  readonly entries: (FdEntry | undefined)[] = [];

  get(fd: number): FdEntry | undefined {
    return this.entries[fd];
  }

  /**
   * Places `e` in the lowest free slot from 3 up. Slots 0-2 are never reused for new files so a guest that
   * closed its stdio cannot have an unrelated file silently become its stdout.
   */
  add(e: FdEntry): number {
    const t = this.entries;
    for (let i = 3; i < t.length; i++) {
      if (t[i] === undefined) {
        t[i] = e;
        return i;
      }
    }
    t.push(e);
    if (t.length < 4) throw new Error("wasi: fd table must hold stdio before files");
    return t.length - 1;
  }

  set(fd: number, e: FdEntry): void {
    while (this.entries.length < fd) this.entries.push(undefined);
    this.entries[fd] = e;
  }

  /** Releases the slot and the host handle; errors closing are ignored (the fd is gone either way). */
  close(fd: number): void {
    const e = this.entries[fd];
    if (e === undefined) return;
    this.entries[fd] = undefined;
    if (e.file !== null) {
      try {
        e.file.close();
      } catch { /* already closed */ }
    }
    while (this.entries.length > 3 && this.entries[this.entries.length - 1] === undefined) this.entries.pop();
  }

  closeAll(): void {
    for (let i = 0; i < this.entries.length; i++) this.close(i);
  }
}
