/**
 * poll_oneoff: clock and fd subscriptions. Regular files, directories and the stdio streams are always
 * ready (as POSIX poll says of regular files; stdio sources here are synchronous and never block past the
 * deadline), so any fd subscription completes at once and clocks only fire when no fd is ready. With
 * only clocks, the call sleeps until the earliest one (relative or absolute, on the clock it names),
 * bounded by the host's blocking deadline so a hard timeout can still fire; then every clock due by then
 * is reported.
 *
 * Errors: EINVAL for zero subscriptions or an unknown subscription tag (whole call). Per event: EBADF for
 * an fd that is not open, EINVAL for an unknown clock id; those events are reported immediately.
 */

import { EBADF, EINVAL, ESUCCESS } from "./errno.ts";
import { fail, type WasiContext } from "./context.ts";
import { KIND_FILE } from "./fd_table.ts";
import type { GuestMemory } from "./memory.ts";
import {
  CLOCK_MONOTONIC,
  CLOCK_REALTIME,
  CLOCK_THREAD_CPUTIME,
  EVENT_SIZE,
  EVENTTYPE_CLOCK,
  EVENTTYPE_FD_READ,
  EVENTTYPE_FD_WRITE,
  SUBCLOCK_ABSTIME,
  SUBSCRIPTION_SIZE,
} from "./layout.ts";

const sleeper = new Int32Array(new SharedArrayBuffer(4));
/** Per-subscription remaining time from the first pass, reused across calls. */
let rems = new Float64Array(16);

/** Nanoseconds from now until the clock subscription at `s` fires (<= 0: due); NaN for a bad clock. */
function remaining(ctx: WasiContext, s: number): number {
  const v = ctx.mem.view;
  const id = v.getUint32(s + 16, true);
  const timeout = v.getBigUint64(s + 24, true);
  if (id > CLOCK_THREAD_CPUTIME) return NaN;
  if ((v.getUint16(s + 40, true) & SUBCLOCK_ABSTIME) === 0) return Number(timeout);
  if (id === CLOCK_REALTIME) return Number(timeout - ctx.clock.realtime());
  if (id === CLOCK_MONOTONIC) return Number(timeout) - ctx.clock.monotonic();
  return Number(timeout) - ctx.clock.cputime();
}

function writeEvent(
  mem: GuestMemory,
  at: number,
  sub: number,
  error: number,
  type: number,
  nbytes: number,
): void {
  const v = mem.view;
  v.setBigUint64(at, v.getBigUint64(sub, true), true);
  v.setUint16(at + 8, error, true);
  v.setUint8(at + 10, type);
  mem.u8.fill(0, at + 11, at + EVENT_SIZE);
  mem.setU64(at + 16, nbytes);
}

/**
 * `poll_oneoff(in, out, nsubscriptions, nevents)`: waits for the subscriptions at `in` (see the module doc:
 * fd subscriptions are ready at once, clocks make it sleep, bounded by the blocking deadline), writes one
 * event per completed subscription at `out` and their count at `nevents`.
 *
 * Errno (of the call):
 * - EINVAL: `nsubscriptions` is 0, or a subscription has an unknown tag.
 * - EFAULT: `in`, `out` or `nevents` lies outside memory.
 * Per event: EBADF for an fd that is not open, EINVAL for an unknown clock id.
 */
export function poll_oneoff(
  ctx: WasiContext,
  inPtr: number,
  outPtr: number,
  nsubs: number,
  neventsPtr: number,
): number {
  const mem = ctx.mem;
  try {
    if (nsubs === 0) return EINVAL;
    mem.refresh();
    mem.check(inPtr, nsubs * SUBSCRIPTION_SIZE);
    mem.check(outPtr, nsubs * EVENT_SIZE);
    mem.check(neventsPtr, 4);
    const v = mem.view;
    if (rems.length < nsubs) rems = new Float64Array(nsubs);
    let n = 0;
    let earliest = Infinity;
    for (let i = 0; i < nsubs; i++) {
      const s = inPtr + i * SUBSCRIPTION_SIZE;
      const tag = v.getUint8(s + 8);
      if (tag === EVENTTYPE_CLOCK) {
        const rem = remaining(ctx, s);
        rems[i] = rem;
        if (Number.isNaN(rem)) writeEvent(mem, outPtr + EVENT_SIZE * n++, s, EINVAL, tag, 0);
        else if (rem < earliest) earliest = rem;
      } else if (tag === EVENTTYPE_FD_READ || tag === EVENTTYPE_FD_WRITE) {
        const e = ctx.fds.get(v.getUint32(s + 16, true));
        if (e === undefined) {
          writeEvent(mem, outPtr + EVENT_SIZE * n++, s, EBADF, tag, 0);
          continue;
        }
        let nbytes = 0;
        if (tag === EVENTTYPE_FD_READ && e.kind === KIND_FILE) {
          const f = e.file!;
          nbytes = Math.max(0, f.statSync().size - f.seekSync(0, Deno.SeekMode.Current));
        }
        writeEvent(mem, outPtr + EVENT_SIZE * n++, s, ESUCCESS, tag, nbytes);
      } else {
        return EINVAL;
      }
    }
    if (n === 0 && earliest !== Infinity) {
      if (earliest > 0) {
        let ms = earliest / 1e6;
        const deadline = ctx.deadline();
        if (deadline !== Infinity) ms = Math.min(ms, Math.max(0, deadline - performance.now()));
        if (ms > 0) Atomics.wait(sleeper, 0, 0, ms);
      }
      // Report every clock that is due now; the earliest one always is (or the deadline cut in).
      for (let i = 0; i < nsubs; i++) {
        const s = inPtr + i * SUBSCRIPTION_SIZE;
        if (v.getUint8(s + 8) !== EVENTTYPE_CLOCK) continue;
        const rem = rems[i];
        if (rem <= earliest) writeEvent(mem, outPtr + EVENT_SIZE * n++, s, ESUCCESS, EVENTTYPE_CLOCK, 0);
      }
    }
    mem.refresh();
    mem.view.setUint32(neventsPtr, n, true);
    return ESUCCESS;
  } catch (x) {
    return fail(x);
  }
}
