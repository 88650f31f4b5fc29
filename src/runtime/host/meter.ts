/**
 * The host side of the time/fuel probes inserted by `src/runtime/preprocess/meter_probes.ts`. A metered
 * guest counts down a budget at loop headers, at entries of functions that call and by the length of bulk
 * memory/table operations; when the budget runs out it calls `samuel:meter.refill()`, which reads the
 * clock and returns the next budget, or 0 to make the guest trap (`unreachable`).
 *
 * Guarantees:
 * - Stop latency: with the adaptive budget (one refill every ~0.5 ms of guest work), a guest spinning in
 *   wasm code stops within about a millisecond of the hard deadline (measured median 0.25-0.9 ms, worst
 *   case a few ms on a loaded machine): tight loops, deep or mutual
 *   recursion, loops that call no import, loops of bulk operations (charged 1 unit per
 *   64 bytes, about one loop iteration's worth).
 * - The stop is a trap, so the guest's own exception handlers (`catch_all`, `try_table`) cannot swallow
 *   it; after a stop every further refill also returns 0. The instance must then be discarded.
 * - Fuel (`fuel` set): the budget per refill is fixed, so the number of refills for a given input is the
 *   same on every run; the guest stops with `stopped = "fuel"` once it asks for more than `fuel` refills.
 *   The hard deadline still applies.
 * - `memory.atomic.wait32/64` runs in slices of at most 10 ms with a refill between slices (the rewriter
 *   wraps each wait), so a guest waiting forever stops within one slice of the hard deadline. In fuel
 *   mode a wait costs one refill per elapsed slice of its own timeout (not of the clock), so it stays
 *   deterministic; an infinite wait runs out of fuel.
 * What it cannot interrupt (the host must bound these itself): a blocking host import (WASI reads,
 * `net_outbound`: bound them with the soft deadline), `memory.grow` (bounded by the memory cap) and a
 * single huge bulk operation (bounded by the memory cap: at most one pass over max_memory).
 */

/** Budget per refill in fuel mode, and the adaptive mode's starting budget. */
export const FUEL_BUDGET = 10_000;

/** Target time between refills in adaptive mode. */
export const TARGET_INTERVAL_MS = 0.5;

const MIN_BUDGET = 1_000;
/** Below 2^31 so the guest's i32 counter never wraps. */
const MAX_BUDGET = 1 << 30;

export interface MeterOptions {
  /** Absolute `performance.now()` after which the guest is stopped. */
  hardDeadlineMs: number;
  /** Maximum number of refills (deterministic fuel); unlimited when absent. */
  fuel?: number;
  /** Clock, for tests. */
  now?: () => number;
}

export type StopReason = "timeout" | "fuel" | "cancelled";

export interface Meter {
  /** The import object for module `samuel:meter`. */
  readonly imports: { refill: () => number };
  /** Why the guest was stopped, or null while it may run. */
  readonly stopped: StopReason | null;
  /** Refills handed out so far (the fuel used, in units of `FUEL_BUDGET` iterations when `fuel` is set). */
  readonly refills: number;
  /** Makes the next refill stop the guest (e.g. the user interrupted the run). */
  cancel(): void;
}

/** Creates the meter for one invocation. */
export function createMeter(options: MeterOptions): Meter {
  const now = options.now ?? (() => performance.now());
  const deadline = options.hardDeadlineMs;
  const fuel = options.fuel;
  let stopped: StopReason | null = null;
  let refills = 0;
  let budget = FUEL_BUDGET;
  let last = now();

  const refill = (): number => {
    if (stopped !== null) return 0;
    const t = now();
    if (t >= deadline) {
      stopped = "timeout";
      return 0;
    }
    if (fuel !== undefined) {
      if (refills >= fuel) {
        stopped = "fuel";
        return 0;
      }
      refills++;
      return FUEL_BUDGET;
    }
    refills++;
    // Aim for one refill every TARGET_INTERVAL_MS; never hand out more than fits before the deadline.
    const elapsed = t - last;
    last = t;
    if (elapsed < TARGET_INTERVAL_MS / 2 && budget < MAX_BUDGET) budget *= 2;
    else if (elapsed > TARGET_INTERVAL_MS * 2 && budget > MIN_BUDGET) {
      budget = Math.max(MIN_BUDGET, budget >>> 1);
    }
    return budget;
  };

  return {
    imports: { refill },
    get stopped() {
      return stopped;
    },
    get refills() {
      return refills;
    },
    cancel() {
      if (stopped === null) stopped = "cancelled";
    },
  };
}
