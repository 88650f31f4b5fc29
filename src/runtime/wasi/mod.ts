/**
 * samuel's own WASI preview1 host (`wasi_snapshot_preview1`), written for this project so that it
 * enforces our capability rules exactly and starts fast. It knows nothing of plugins or manifests: it
 * takes a capability set and gives a guest exactly that.
 *
 * ## Capability model
 * - **Filesystem**: only the preopened directories exist for the guest. Each preopen maps a guest path
 *   (what `fd_prestat_dir_name` reports, e.g. `/workspace`) to a host directory, read-only or
 *   read-write. Descriptors 3.. are the preopens in the given order; 0, 1, 2 are stdio.
 *   - Containment (`paths.ts`): a path is relative to the descriptor it is given, and every directory
 *     descriptor (not only a preopen) is its own capability boundary for every `path_*` call. Absolute
 *     guest paths are refused (ENOTCAPABLE); `..` cannot climb above the descriptor's directory
 *     (ENOTCAPABLE, even when the place above is inside the preopen); symlinks are expanded component by
 *     component and refused when any step would leave it, including links the guest created and links
 *     planted on the host; absolute symlink targets are never followed. Refusals are decided before any
 *     host call on an outside path, so they reveal nothing about what exists outside.
 *   - Read-only preopens: every mutation (open for write, create, truncate, rename, link, symlink,
 *     unlink, remove directory, set times, set size, allocate, append) fails with EPERM, on the preopen
 *     and on everything opened beneath it. Reading, stat and readdir work.
 *   - **Rights are advisory, grants are the rule** (as in wasmtime and wazero; rights are deprecated in
 *     WASI and older toolchains and hand-written modules pass 0). No call ever fails for a missing
 *     right. What a descriptor may do follows from its kind (EISDIR, ENOTDIR, ESPIPE), its open mode and
 *     the grant. `path_open` takes the open mode from the FD_READ / FD_WRITE rights asked for: read,
 *     write or both; neither means read, plus write with creat or trunc (so rights 0/0 give a readable
 *     descriptor). Reading a descriptor not open for reading, or writing, truncating or allocating one
 *     not open for writing, is EBADF, as in POSIX. A read-only grant refuses every write with EPERM
 *     whatever the rights say. Rights are still reported by `fd_fdstat_get` (the intersection of what
 *     was asked and what the directory hands down, with FD_READ / FD_WRITE as the open mode says) and
 *     can only be dropped (`fd_fdstat_set_rights`, ENOTCAPABLE for a raise), which restricts nothing.
 *     ENOTCAPABLE (and EPERM) remain the answers of the containment rules above, never of rights.
 * - **Environment and args**: exactly the pairs given, in order; nothing from the host leaks in.
 * - **stdio**: pluggable synchronous sources and sinks (`StdinSource`, `OutputSink`).
 * - **Sockets**: never granted; `sock_*` return EBADF / ENOTSOCK.
 * - **Time**: `blockingDeadline()` (a performance.now() timestamp) bounds every blocking call:
 *   `poll_oneoff` sleeps and stdin reads (passed to the source). Past it, they return at once, so the
 *   runtime's deadline probe can stop the guest.
 *
 * ## Errors
 * Host functions never throw into the guest: every host failure becomes an errno (`errno.ts`, one
 * mapping), out-of-bounds pointers become EFAULT, invalid UTF-8 EILSEQ. The single exception is
 * `proc_exit`, which unwinds with `WasiExit`; `start()` turns it into the exit code (0 included).
 *
 * ## Decisions and known deviations
 * - Timestamps: Deno exposes file times with millisecond precision only. Times the guest sets are kept
 *   at full nanosecond precision and reported back while the host's millisecond value still agrees
 *   (`stat.ts`); otherwise times are whole milliseconds.
 * - `fd_pread`/`fd_pwrite` are emulated with seek/restore (Deno has no pread); append mode is emulated by
 *   seeking to the end before each write (Deno cannot toggle O_APPEND on an open file).
 * - Directory descriptors hold no host handle (Deno has no `openat`); they name a location inside the
 *   preopen that is re-resolved on each call. TOCTOU: a process outside the sandbox that swaps a checked
 *   directory for a symlink between the check and the use could redirect one call; the guest itself cannot
 *   (calls are synchronous), and Deno's permission sandbox is the outer wall.
 * - fd_readdir reports real inode numbers (one lstat per entry, done lazily once per listing). Listings
 *   are cached process-wide while provably unchanged (`dir_cache.ts`), so repeated listings are cheap.
 * - poll_oneoff: files and stdio are always ready; only clocks make it wait.
 * - `proc_raise` returns ENOSYS (no signals in the sandbox). CPU-time clocks measure the host process.
 *
 * ## Public API
 * ```ts
 * const host = new WasiHost({
 *   args: ["plugin.wasm", "lint"],
 *   env: [["HOME", "/home/me"]],
 *   preopens: [{ guestPath: "/workspace", hostPath: "/src/project", readOnly: true }],
 *   stdin: { read: (buf, deadline) => 0 },
 *   stdout: { write: (buf) => buf.length },
 *   stderr: { write: (buf) => buf.length },
 *   blockingDeadline: () => Infinity,     // optional
 *   clock, random,                        // optional, for deterministic tests
 * });
 * const instance = new WebAssembly.Instance(module, { ...host.imports, samuel: {...} });
 * const code = host.start(instance);      // command: runs _start; exit code (proc_exit or 0)
 * host.initialize(instance);              // reactor: binds memory, runs _initialize if exported
 * host.close();                           // closes host files the guest left open
 * ```
 * For modules that import their memory, create it from `memoryImport(bytes)` (module_info.ts: the
 * import's module, name and limits, which the JS API does not expose), add it to the imports and pass it
 * to `host.bindMemory(memory)` before running; `start`/`initialize` bind an exported memory themselves
 * (`instanceMemory` in memory_binding.ts: the pre-processor's reserved `samuel:memory` export, else
 * `memory`). A module with no memory runs too: calls that need memory answer EFAULT in the guest.
 *
 * ## Files
 * Each syscall is a named function `(ctx: WasiContext, ...guest params) => errno` in its family file,
 * with a doc comment listing its errno cases; functions.ts registers them all in one table, from which
 * the constructor builds `imports` by binding the instance's context.
 *
 * | file               | owns                                                                        |
 * |--------------------|-----------------------------------------------------------------------------|
 * | names.ts           | the preview1 module and function names (imports nothing: install reads it)  |
 * | functions.ts       | the one table, name -> function, and `bindWasiFunctions`                    |
 * | args_env.ts        | args_get, args_sizes_get, environ_get, environ_sizes_get                    |
 * | clock.ts           | clock_res_get, clock_time_get, and the host clock                           |
 * | fd.ts              | the fd_* functions                                                          |
 * | path.ts            | the path_* functions and the resolution errnos they share                   |
 * | poll.ts            | poll_oneoff                                                                 |
 * | proc.ts            | proc_exit, proc_raise, sched_yield                                          |
 * | random.ts          | random_get, and the host random source                                      |
 * | sock.ts            | sock_accept, sock_recv, sock_send, sock_shutdown                            |
 * | context.ts         | per-instance state (WasiContext), WasiExit, the error funnel `fail`         |
 * | errno.ts           | errno values and the one host-error mapping                                 |
 * | layout.ts          | rights, flags, struct sizes and offsets                                     |
 * | memory.ts          | GuestMemory, the one guest-memory access (the samuel host module uses it)   |
 * | memory_binding.ts  | which memory of an instance the host uses                                   |
 * | module_info.ts     | `memoryImport`: an imported memory's limits from the module bytes           |
 * | fd_table.ts        | descriptors and the descriptor table                                        |
 * | paths.ts           | the containment resolver                                                    |
 * | stat.ts            | filestat, filetypes, guest-set timestamps                                   |
 * | dir_cache.ts       | the process-wide directory listing cache                                    |
 */

import { WasiContext, WasiExit } from "./context.ts";
import type { WasiClock } from "./context.ts";
import {
  FdEntry,
  KIND_STDIN,
  KIND_STDOUT,
  type OutputSink,
  type PreopenSpec,
  type StdinSource,
} from "./fd_table.ts";
import { FILETYPE_CHARACTER_DEVICE, FILETYPE_UNKNOWN, RIGHTS_STDIN, RIGHTS_STDOUT } from "./layout.ts";
import { encodeUtf8 } from "./memory.ts";
import { hostClock } from "./clock.ts";
import { hostRandom } from "./random.ts";
import { bindWasiFunctions } from "./functions.ts";
import { instanceMemory } from "./memory_binding.ts";

export { WasiExit };
export { WASI_FUNCTION_NAMES, WASI_MODULE, type WasiFunctionName } from "./names.ts";
export { type MemoryImport, memoryImport } from "./module_info.ts";
export { instanceMemory, MEMORY_EXPORT } from "./memory_binding.ts";
export type { OutputSink, PreopenSpec, StdinSource, WasiClock };

/** The capability set a guest runs with. */
export interface WasiOptions {
  /** argv, argv[0] included. */
  args: string[];
  /** Environment pairs, exactly what the guest sees. */
  env: [string, string][];
  /** Preopened directories, given to the guest as fds 3, 4, ... in this order. */
  preopens: PreopenSpec[];
  stdin: StdinSource;
  stdout: OutputSink;
  stderr: OutputSink;
  /** performance.now() timestamp bounding blocking calls; omit for none. */
  blockingDeadline?: () => number;
  /** Clock sources (default: the host's). */
  clock?: WasiClock;
  /** Random source (default: crypto.getRandomValues). */
  random?: (buf: Uint8Array) => void;
}

/** Raised by the constructor when a preopen cannot be used (missing, not a directory). */
export class WasiSetupError extends Error {
  constructor(message: string, readonly hostPath: string) {
    super(message);
    this.name = "WasiSetupError";
  }
}

type ImportFn = (...args: never[]) => unknown;

export class WasiHost {
  /** Pass to `WebAssembly.instantiate` (spread in with other import modules). */
  readonly imports: { wasi_snapshot_preview1: Record<string, ImportFn> };
  private readonly ctx: WasiContext;

  constructor(opts: WasiOptions) {
    const noDeadline = () => Infinity;
    const ctx = new WasiContext(
      opts.clock ?? hostClock(),
      opts.random ?? hostRandom,
      opts.blockingDeadline ?? noDeadline,
    );
    this.ctx = ctx;
    ctx.argBytes = opts.args.map((a) => encodeUtf8(a + "\0"));
    ctx.envBytes = opts.env.map(([k, v]) => encodeUtf8(`${k}=${v}\0`));

    const stdin = new FdEntry(KIND_STDIN, fileType(opts.stdin), RIGHTS_STDIN, 0);
    stdin.stdin = opts.stdin;
    stdin.readable = true;
    const stdout = new FdEntry(KIND_STDOUT, fileType(opts.stdout), RIGHTS_STDOUT, 0);
    stdout.sink = opts.stdout;
    stdout.writable = true;
    const stderr = new FdEntry(KIND_STDOUT, fileType(opts.stderr), RIGHTS_STDOUT, 0);
    stderr.sink = opts.stderr;
    stderr.writable = true;
    ctx.fds.set(0, stdin);
    ctx.fds.set(1, stdout);
    ctx.fds.set(2, stderr);

    for (const p of opts.preopens) {
      let real: string;
      try {
        real = p.realPath ?? Deno.realPathSync(p.hostPath);
        if (p.realPath === undefined && !Deno.statSync(real).isDirectory) throw new Error("not a directory");
      } catch (e) {
        throw new WasiSetupError(
          `preopen ${p.hostPath}: ${e instanceof Error ? e.message : String(e)}`,
          p.hostPath,
        );
      }
      ctx.fds.add(FdEntry.preopen(p, real, encodeUtf8(p.guestPath)));
    }

    this.imports = { wasi_snapshot_preview1: bindWasiFunctions(ctx) };
  }

  /** Binds the guest memory (needed before any call for modules that import their memory). */
  bindMemory(memory: WebAssembly.Memory): void {
    this.ctx.mem.bind(memory);
  }

  /**
   * Binds the memory the instance exports (`memory_binding.ts` decides which). A module without one keeps
   * what `bindMemory` bound, or runs with none: its memory-using calls then answer EFAULT in the guest.
   */
  private bindExported(instance: WebAssembly.Instance): void {
    const m = instanceMemory(instance.exports, this.ctx.mem.memory ?? undefined);
    if (m !== undefined) this.ctx.mem.bind(m);
  }

  /**
   * Runs a command module's `_start`. Returns the exit code: the one passed to proc_exit, or 0 when
   * `_start` returns. Traps and other exceptions propagate (a trap is a WebAssembly.RuntimeError).
   */
  start(instance: WebAssembly.Instance): number {
    this.bindExported(instance);
    const start = instance.exports._start;
    if (typeof start !== "function") throw new TypeError("wasi: module has no _start export");
    try {
      start();
      return 0;
    } catch (e) {
      if (e instanceof WasiExit) return e.code;
      throw e;
    }
  }

  /**
   * Prepares a reactor: binds memory and calls `_initialize` when exported. A proc_exit during it (or in
   * any later export call) surfaces as a thrown WasiExit for the caller to interpret.
   */
  initialize(instance: WebAssembly.Instance): void {
    this.bindExported(instance);
    const init = instance.exports._initialize;
    if (typeof init === "function") init();
  }

  /** Closes every host file the guest still holds. The host is unusable afterwards. */
  close(): void {
    this.ctx.fds.closeAll();
  }
}

function fileType(s: StdinSource | OutputSink): number {
  return s.isTerminal?.() ? FILETYPE_CHARACTER_DEVICE : FILETYPE_UNKNOWN;
}
