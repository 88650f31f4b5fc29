/**
 * `samuel.deadline_ms() -> i64`: milliseconds left before the invocation's soft deadline, negative once
 * it has passed (DESIGN.md sections 4 and 5). The soft deadline is a point on `performance.now()`'s
 * clock (monotonic: a wall-clock change cannot move it). The value is rounded down: 0 means less than a
 * millisecond is left, and any time past the deadline reads negative (-0.5 ms reads -1).
 */

const MAX = BigInt(Number.MAX_SAFE_INTEGER);

/** `softDeadline` is a `performance.now()` time; `Infinity` means none (the guest sees a huge number). */
export function createDeadline(softDeadline: number, now: () => number = () => performance.now()) {
  return {
    deadline_ms(): bigint {
      // An i64 result must be a BigInt: V8 throws on a Number, and that exception would land in the guest.
      const left = softDeadline - now();
      if (Number.isFinite(left)) return BigInt(Math.floor(left));
      return left > 0 ? MAX : -MAX;
    },
  };
}
