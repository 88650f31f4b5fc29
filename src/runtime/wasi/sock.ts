/**
 * sock_*: no socket is ever granted (the network goes through the `samuel` host module only), so no
 * descriptor is a socket: an fd that is not open is EBADF, any other is ENOTSOCK.
 */

import { EBADF, ENOTSOCK } from "./errno.ts";
import type { WasiContext } from "./context.ts";

function notSocket(ctx: WasiContext, fd: number): number {
  return ctx.fds.get(fd) === undefined ? EBADF : ENOTSOCK;
}

/**
 * `sock_accept(fd, flags, fd_out)`: no descriptor is ever a socket here.
 *
 * Errno:
 * - EBADF: `fd` is not open.
 * - ENOTSOCK: any open `fd`.
 */
export function sock_accept(ctx: WasiContext, fd: number, _flags: number, _out: number): number {
  return notSocket(ctx, fd);
}

/**
 * `sock_recv(fd, ri_data, ri_data_len, ri_flags, ro_datalen, ro_flags)`: no descriptor is ever a socket here.
 *
 * Errno:
 * - EBADF: `fd` is not open.
 * - ENOTSOCK: any open `fd`.
 */
export function sock_recv(
  ctx: WasiContext,
  fd: number,
  _a: number,
  _b: number,
  _c: number,
  _d: number,
  _e: number,
): number {
  return notSocket(ctx, fd);
}

/**
 * `sock_send(fd, si_data, si_data_len, si_flags, so_datalen)`: no descriptor is ever a socket here.
 *
 * Errno:
 * - EBADF: `fd` is not open.
 * - ENOTSOCK: any open `fd`.
 */
export function sock_send(
  ctx: WasiContext,
  fd: number,
  _a: number,
  _b: number,
  _c: number,
  _d: number,
): number {
  return notSocket(ctx, fd);
}

/**
 * `sock_shutdown(fd, how)`: no descriptor is ever a socket here.
 *
 * Errno:
 * - EBADF: `fd` is not open.
 * - ENOTSOCK: any open `fd`.
 */
export function sock_shutdown(ctx: WasiContext, fd: number, _how: number): number {
  return notSocket(ctx, fd);
}
