/**
 * Durations as written in `samuel-plugin.toml` (`timeout = "5s"`): a positive number followed by one of
 * the units `ms`, `s` or `m` (DESIGN.md 3.1), converted to whole milliseconds.
 *
 * Decisions: a unit is mandatory (a bare `5` is ambiguous between seconds and milliseconds); decimals are
 * accepted when they land on a whole millisecond (`1.5s` is fine, `0.5ms` is not); zero is refused (a
 * zero deadline would kill every invocation); the upper bound is 2^31-1 ms (~24.8 days), the largest delay
 * a JavaScript timer honours, so the runtime's timers can never silently overflow.
 */

/** Largest duration in milliseconds: JavaScript timers treat anything above it as 1 ms. */
export const MAX_DURATION_MS = 2 ** 31 - 1;

const UNIT_MS = { ms: 1, s: 1000, m: 60_000 } as const;

/** Outcome of parsing a duration: the milliseconds, or why the text is not a duration. */
export type DurationResult = { ok: true; ms: number } | { ok: false; reason: string };

/** Parses `"150ms" | "5s" | "2m"` into milliseconds, explaining what is wrong otherwise. */
export function parseDuration(text: string): DurationResult {
  // A literal here, not a module constant: creating the first regular expression of a process costs
  // ~0.08 ms, and most runs parse no duration.
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text);
  if (m === null) {
    const reason = /^\d+(?:\.\d+)?$/.test(text)
      ? "a duration needs a unit (ms, s or m)"
      : "not a duration: expected a number followed by ms, s or m";
    return { ok: false, reason };
  }
  const ms = Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  // Multiplying a decimal can leave float noise (0.3s -> 300.00000000000006); round before the checks.
  const rounded = Math.round(ms * 1000) / 1000;
  if (!Number.isInteger(rounded)) {
    return { ok: false, reason: "a duration must be a whole number of milliseconds" };
  }
  if (rounded <= 0) return { ok: false, reason: "a duration must be greater than zero" };
  if (rounded > MAX_DURATION_MS) {
    return { ok: false, reason: `a duration must be at most ${MAX_DURATION_MS}ms (about 24 days)` };
  }
  return { ok: true, ms: rounded };
}

/** Formats milliseconds back into the shortest exact manifest spelling (`30000` -> `"30s"`). */
export function formatDuration(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
