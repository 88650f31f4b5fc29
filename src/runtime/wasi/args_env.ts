/**
 * args_* and environ_*: the guest's argv and environment, encoded once at construction as
 * NUL-terminated UTF-8 strings (`KEY=VALUE` for the environment) and copied out on request.
 */

import { ESUCCESS } from "./errno.ts";
import { fail, type WasiContext } from "./context.ts";
import type { GuestMemory } from "./memory.ts";

/** Writes the count and the total byte size (NULs included). EFAULT on bad pointers. */
function sizes(mem: GuestMemory, list: Uint8Array[], countPtr: number, sizePtr: number): number {
  try {
    let size = 0;
    for (const b of list) size += b.length;
    mem.refresh();
    mem.check(countPtr, 4);
    mem.check(sizePtr, 4);
    mem.view.setUint32(countPtr, list.length, true);
    mem.view.setUint32(sizePtr, size, true);
    return ESUCCESS;
  } catch (x) {
    return fail(x);
  }
}

/** Writes the pointer array and the strings back to back. The guest sized both with `sizes`. */
function get(mem: GuestMemory, list: Uint8Array[], ptrs: number, buf: number): number {
  try {
    mem.refresh();
    let size = 0;
    for (const b of list) size += b.length;
    mem.check(ptrs, list.length * 4);
    mem.check(buf, size);
    let at = buf;
    for (let i = 0; i < list.length; i++) {
      mem.view.setUint32(ptrs + i * 4, at, true);
      mem.u8.set(list[i], at);
      at += list[i].length;
    }
    return ESUCCESS;
  } catch (x) {
    return fail(x);
  }
}

/**
 * `args_get(argv, argv_buf)`: writes the argument pointers at `argv` and the NUL-terminated arguments back
 * to back at `argv_buf` (sized by args_sizes_get).
 *
 * Errno:
 * - EFAULT: either array lies outside memory.
 */
export function args_get(ctx: WasiContext, argv: number, argvBuf: number): number {
  return get(ctx.mem, ctx.argBytes, argv, argvBuf);
}

/**
 * `args_sizes_get(argc, argv_buf_size)`: writes the number of arguments and their total size in bytes,
 * NULs included.
 *
 * Errno:
 * - EFAULT: `argc` or `argv_buf_size` lies outside memory.
 */
export function args_sizes_get(ctx: WasiContext, argc: number, size: number): number {
  return sizes(ctx.mem, ctx.argBytes, argc, size);
}

/**
 * `environ_get(environ, environ_buf)`: writes the variable pointers at `environ` and the NUL-terminated
 * `KEY=VALUE` strings back to back at `environ_buf` (sized by environ_sizes_get).
 *
 * Errno:
 * - EFAULT: either array lies outside memory.
 */
export function environ_get(ctx: WasiContext, env: number, envBuf: number): number {
  return get(ctx.mem, ctx.envBytes, env, envBuf);
}

/**
 * `environ_sizes_get(count, buf_size)`: writes the number of variables and their total size in bytes,
 * NULs included.
 *
 * Errno:
 * - EFAULT: `count` or `buf_size` lies outside memory.
 */
export function environ_sizes_get(ctx: WasiContext, count: number, size: number): number {
  return sizes(ctx.mem, ctx.envBytes, count, size);
}
