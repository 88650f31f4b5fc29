/**
 * clock_res_get and clock_time_get over the injectable clock sources. Realtime comes from the host's
 * wall clock; monotonic from performance.now() (never goes back); process and thread CPU time from the
 * host process's CPU usage where the runtime exposes it (the guest runs on one thread, so both are the
 * same measurement), falling back to monotonic time, which bounds CPU time from above.
 */

import { EINVAL, ESUCCESS } from "./errno.ts";
import { fail, type WasiClock, type WasiContext } from "./context.ts";
import { CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME, CLOCK_REALTIME, CLOCK_THREAD_CPUTIME } from "./layout.ts";

/** Reported resolution, ns: performance.now() and Date have microsecond-or-better granularity in Deno. */
const RESOLUTION_NS = 1000;

type CpuUsage = () => { user: number; system: number };

/** The default clock: the host's real clocks. */
export function hostClock(): WasiClock {
  const origin = performance.timeOrigin;
  // Looked up on the first CPU-time read, not here: touching `globalThis.process` makes Deno load its
  // Node compatibility layer (~10 ms), which every invocation would otherwise pay at set-up.
  let cpu: CpuUsage | null | undefined;
  const cpuUsage = (): CpuUsage | null => {
    if (cpu === undefined) {
      const proc = (globalThis as { process?: { cpuUsage?: CpuUsage } }).process;
      cpu = typeof proc?.cpuUsage === "function" ? proc.cpuUsage.bind(proc) : null;
    }
    return cpu;
  };
  return {
    realtime(): bigint {
      // Whole microseconds keep the double exact; the sub-µs digits are not meaningful anyway.
      const us = Math.floor((origin + performance.now()) * 1000);
      return BigInt(us) * 1000n;
    },
    monotonic(): number {
      return Math.floor(performance.now() * 1e6);
    },
    cputime(): number {
      const usage = cpuUsage();
      if (usage !== null) {
        const u = usage();
        return (u.user + u.system) * 1000;
      }
      return Math.floor(performance.now() * 1e6);
    },
  };
}

/**
 * `clock_res_get(id, out)`: writes the clock's resolution in nanoseconds at `out` (1 µs for every clock).
 *
 * Errno:
 * - EINVAL: `id` is not one of the four clocks.
 * - EFAULT: `out` lies outside memory.
 */
export function clock_res_get(ctx: WasiContext, id: number, out: number): number {
  const mem = ctx.mem;
  try {
    if (id > CLOCK_THREAD_CPUTIME) return EINVAL;
    mem.refresh();
    mem.check(out, 8);
    mem.setU64(out, RESOLUTION_NS);
    return ESUCCESS;
  } catch (x) {
    return fail(x);
  }
}

/**
 * `clock_time_get(id, precision, out)`: writes the clock's time in nanoseconds at `out` (realtime, monotonic,
 * or the process's CPU time for both CPU clocks). `precision` is ignored.
 *
 * Errno:
 * - EFAULT: `out` lies outside memory.
 * - EINVAL: `id` is not one of the four clocks.
 */
export function clock_time_get(ctx: WasiContext, id: number, _precision: bigint, out: number): number {
  const mem = ctx.mem;
  try {
    mem.refresh();
    mem.check(out, 8);
    switch (id) {
      case CLOCK_REALTIME:
        mem.view.setBigUint64(out, ctx.clock.realtime(), true);
        return ESUCCESS;
      case CLOCK_MONOTONIC:
        mem.setU64(out, ctx.clock.monotonic());
        return ESUCCESS;
      case CLOCK_PROCESS_CPUTIME:
      case CLOCK_THREAD_CPUTIME:
        mem.setU64(out, ctx.clock.cputime());
        return ESUCCESS;
      default:
        return EINVAL;
    }
  } catch (x) {
    return fail(x);
  }
}
