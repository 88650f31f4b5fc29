/**
 * proc_exit, proc_raise and sched_yield. proc_exit is the one host function that throws into the
 * guest's caller: it unwinds the wasm stack with WasiExit, which `WasiHost.start` turns into the exit code
 * (0 included: TinyGo ends `_start` with proc_exit(0)).
 */

import { EINVAL, ENOSYS, ESUCCESS } from "./errno.ts";
import { type WasiContext, WasiExit } from "./context.ts";

/**
 * `proc_exit(code)`: ends the run with exit code `code`; never returns (throws WasiExit through the
 * guest's stack).
 */
export function proc_exit(_ctx: WasiContext, code: number): never {
  throw new WasiExit(code >>> 0);
}

/**
 * `proc_raise(sig)`: signals do not exist in this sandbox (and the call is deprecated in preview1).
 *
 * Errno:
 * - ENOSYS: any signal of the enum.
 * - EINVAL: `sig` is outside the signal enum.
 */
export function proc_raise(_ctx: WasiContext, sig: number): number {
  return sig > 30 ? EINVAL : ENOSYS;
}

/**
 * `sched_yield()`: the guest runs on one thread with nothing to yield to; always succeeds.
 */
export function sched_yield(_ctx: WasiContext): number {
  return ESUCCESS;
}
