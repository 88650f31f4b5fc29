/**
 * State shared by the function groups of one WASI instance: guest memory, the descriptor table, the
 * encoded args and environment, injectable clock and random sources, the blocking deadline, and the
 * small table that keeps nanosecond timestamps the guest set (see `stat.ts`). Also the one error funnel
 * every host function uses, so no host exception reaches the guest except `WasiExit`.
 */

import { EFAULT, EILSEQ, EINVAL, errnoFrom } from "./errno.ts";
import { BadUtf8, GuestMemory } from "./memory.ts";
import { FdTable } from "./fd_table.ts";

/** Thrown by proc_exit to end the run; carries the guest's exit code (0 included). */
export class WasiExit extends Error {
  readonly code: number;
  constructor(code: number) {
    super(`wasi: proc_exit(${code})`);
    this.name = "WasiExit";
    this.code = code;
  }
}

/** Clock sources in nanoseconds; injectable for deterministic tests. */
export interface WasiClock {
  /** Wall-clock time since the Unix epoch, ns. */
  realtime(): bigint;
  /** Monotonic time, ns, from an arbitrary origin. */
  monotonic(): number;
  /** CPU time of the process, ns. */
  cputime(): number;
}

export interface TimesOverride {
  atim: bigint;
  mtim: bigint;
  atimMs: number;
  mtimMs: number;
}

export class WasiContext {
  readonly mem = new GuestMemory();
  readonly fds = new FdTable();
  argBytes: Uint8Array[] = [];
  envBytes: Uint8Array[] = [];
  clock: WasiClock;
  random: (buf: Uint8Array) => void;
  deadline: () => number;
  /** Guest-set timestamps by "dev:ino", reported while the host's millisecond view still agrees. */
  readonly times = new Map<string, TimesOverride>();

  constructor(clock: WasiClock, random: (buf: Uint8Array) => void, deadline: () => number) {
    this.clock = clock;
    this.random = random;
    this.deadline = deadline;
  }
}

/** Turns anything a host call threw into an errno; lets only WasiExit through. */
export function fail(e: unknown): number {
  if (e instanceof WasiExit) throw e;
  if (e instanceof RangeError) return EFAULT;
  if (e instanceof BadUtf8) return EILSEQ;
  // Deno rejects out-of-range arguments (e.g. a huge size) with a TypeError before touching the OS.
  if (e instanceof TypeError && (e as { code?: string }).code === undefined) return EINVAL;
  return errnoFrom(e);
}
