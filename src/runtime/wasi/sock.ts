/**
 * sock_*: no socket is ever granted (the network goes through the `samuel` host module only), so no
 * descriptor is a socket: an fd that is not open is EBADF, any other is ENOTSOCK.
 */

import { EBADF, ENOTSOCK } from "./errno.ts";
import type { WasiContext } from "./context.ts";

export function sockFunctions(ctx: WasiContext) {
  const notSocket = (fd: number): number => ctx.fds.get(fd) === undefined ? EBADF : ENOTSOCK;
  return {
    /** sock_accept(fd, flags, fd_out). */
    sock_accept: (fd: number, _flags: number, _out: number): number => notSocket(fd),
    /** sock_recv(fd, ri_data, ri_data_len, ri_flags, ro_datalen, ro_flags). */
    sock_recv: (fd: number, _a: number, _b: number, _c: number, _d: number, _e: number): number =>
      notSocket(fd),
    /** sock_send(fd, si_data, si_data_len, si_flags, so_datalen). */
    sock_send: (fd: number, _a: number, _b: number, _c: number, _d: number): number => notSocket(fd),
    /** sock_shutdown(fd, how). */
    sock_shutdown: (fd: number, _how: number): number => notSocket(fd),
  };
}
