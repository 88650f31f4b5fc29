/**
 * The one table of `wasi_snapshot_preview1`: each function name to the named function that implements
 * it (like wazero's `exportFunctions`). Every function takes the instance's `WasiContext` first, then the
 * guest's parameters; `WasiHost` builds its import object from this table by binding its context
 * (`bindWasiFunctions`). The table's type demands exactly the names of names.ts, no more, no fewer.
 */

import type { WasiContext } from "./context.ts";
import type { WasiFunctionName } from "./names.ts";
import { args_get, args_sizes_get, environ_get, environ_sizes_get } from "./args_env.ts";
import { clock_res_get, clock_time_get } from "./clock.ts";
import {
  fd_advise,
  fd_allocate,
  fd_close,
  fd_datasync,
  fd_fdstat_get,
  fd_fdstat_set_flags,
  fd_fdstat_set_rights,
  fd_filestat_get,
  fd_filestat_set_size,
  fd_filestat_set_times,
  fd_pread,
  fd_prestat_dir_name,
  fd_prestat_get,
  fd_pwrite,
  fd_read,
  fd_readdir,
  fd_renumber,
  fd_seek,
  fd_sync,
  fd_tell,
  fd_write,
} from "./fd.ts";
import {
  path_create_directory,
  path_filestat_get,
  path_filestat_set_times,
  path_link,
  path_open,
  path_readlink,
  path_remove_directory,
  path_rename,
  path_symlink,
  path_unlink_file,
} from "./path.ts";
import { poll_oneoff } from "./poll.ts";
import { proc_exit, proc_raise, sched_yield } from "./proc.ts";
import { random_get } from "./random.ts";
import { sock_accept, sock_recv, sock_send, sock_shutdown } from "./sock.ts";

/** A preview1 function: the context, then the guest's i32 / i64 parameters; returns an errno. */
// deno-lint-ignore no-explicit-any
export type WasiFunction = (ctx: WasiContext, ...args: any[]) => number;

/** Every preview1 function by name, in the order of the spec. */
export const WASI_FUNCTIONS: { readonly [name in WasiFunctionName]: WasiFunction } = {
  args_get,
  args_sizes_get,
  environ_get,
  environ_sizes_get,
  clock_res_get,
  clock_time_get,
  fd_advise,
  fd_allocate,
  fd_close,
  fd_datasync,
  fd_fdstat_get,
  fd_fdstat_set_flags,
  fd_fdstat_set_rights,
  fd_filestat_get,
  fd_filestat_set_size,
  fd_filestat_set_times,
  fd_pread,
  fd_prestat_get,
  fd_prestat_dir_name,
  fd_pwrite,
  fd_read,
  fd_readdir,
  fd_renumber,
  fd_seek,
  fd_sync,
  fd_tell,
  fd_write,
  path_create_directory,
  path_filestat_get,
  path_filestat_set_times,
  path_link,
  path_open,
  path_readlink,
  path_remove_directory,
  path_rename,
  path_symlink,
  path_unlink_file,
  poll_oneoff,
  proc_exit,
  proc_raise,
  sched_yield,
  random_get,
  sock_accept,
  sock_recv,
  sock_send,
  sock_shutdown,
};

/** The import object of one instance: every function of the table with `ctx` as its first argument. */
export function bindWasiFunctions(ctx: WasiContext): Record<WasiFunctionName, (...args: never[]) => number> {
  const out = {} as Record<WasiFunctionName, (...args: never[]) => number>;
  for (const name of Object.keys(WASI_FUNCTIONS) as WasiFunctionName[]) {
    out[name] = withContext(WASI_FUNCTIONS[name], ctx);
  }
  return out;
}

/**
 * `fn` with `ctx` put first, as a plain closure with the guest's arity. Not `fn.bind(undefined, ctx)`: V8
 * compiles a wasm-to-JS wrapper of its own for every bound function a module imports, ~0.35 ms each at
 * instantiation, where a plain function of matching arity takes the shared one (measured on a 187-byte
 * plugin importing `fd_write`: instantiate 0.8 ms bound, 0.07 ms with closures). The arity must match the
 * guest's parameter count for the same reason (tests/wasi/functions_test.ts checks it).
 */
// deno-lint-ignore no-explicit-any
function withContext(fn: WasiFunction, ctx: WasiContext): (...args: any[]) => number {
  switch (fn.length - 1) {
    case 0:
      return () => fn(ctx);
    case 1:
      return (a) => fn(ctx, a);
    case 2:
      return (a, b) => fn(ctx, a, b);
    case 3:
      return (a, b, c) => fn(ctx, a, b, c);
    case 4:
      return (a, b, c, d) => fn(ctx, a, b, c, d);
    case 5:
      return (a, b, c, d, e) => fn(ctx, a, b, c, d, e);
    case 6:
      return (a, b, c, d, e, f) => fn(ctx, a, b, c, d, e, f);
    case 7:
      return (a, b, c, d, e, f, g) => fn(ctx, a, b, c, d, e, f, g);
    case 8:
      return (a, b, c, d, e, f, g, h) => fn(ctx, a, b, c, d, e, f, g, h);
    case 9:
      return (a, b, c, d, e, f, g, h, i) => fn(ctx, a, b, c, d, e, f, g, h, i);
    default:
      return (...args) => fn(ctx, ...args);
  }
}
