/**
 * `samuel plugin bench [DIR] [-n N] [--export E] [--input FILE]`: how much a plugin costs per invocation,
 * measured the way `samuel run` pays it (src/app/bench.ts), so an author can see it against the 50 ms
 * cold-start budget (DESIGN.md section 9).
 *
 * For each declared export (or only `--export`), N cold runs then N warm runs:
 * - cold: compile + start a sandbox Worker + instantiate + lifecycle (`_initialize`/`_start`) + call,
 *   i.e. a first `samuel run` after install (DESIGN.md 9's cold start). Nothing compiled is reused: the
 *   module is pre-processed afresh (memory cap and probes, as install does; timed apart, since install
 *   pays it once, and reported as `preprocess`), and the bytes compiled carry a unique custom section
 *   per run so V8's in-process module cache cannot serve a compile from an earlier run;
 * - warm: the module compiled once and reused, with a fresh sandbox Worker and a fresh instance every
 *   run (the cost of each further invocation once compilation is out of the way).
 * Medians and p95 (nearest rank) are printed as a table with the budget marked; `--json` data:
 * `{ plugin, version, module: { path, size }, runs, budget_ms, exports: [{ export, cold, warm,
 *    preprocess, guest_warm: { instantiate_ms, init_ms, call_ms }, outcomes, within_budget }] }`
 * where `cold`/`warm`/`preprocess` are `{ median_ms, p95_ms, min_ms, max_ms, samples_ms }`.
 *
 * The plugin runs with the grants of its own manifest, `/workspace` being the plugin folder (the plugin
 * is the author's own code; bench never installs it). A non-zero return code is a normal outcome for a
 * benchmark (e.g. a linter that found something); traps and timeouts are reported as warnings, since
 * their timings do not measure a complete invocation.
 */

import type { CommandResult, Invocation } from "../command.ts";
import { columns, type Output } from "../output.ts";
import { samuelError } from "../../errors.ts";
import { benchPlugin, type BenchResult, BUDGET_MS, DEFAULT_RUNS, MAX_RUNS } from "../../app/bench.ts";

export async function run(inv: Invocation): Promise<CommandResult> {
  if (inv.args.length > 1) {
    throw samuelError("SAM-BENCH-006", {
      message: `plugin bench takes one folder, got ${inv.args.length} arguments`,
      fix: "run `samuel plugin bench [DIR] [-n N] [--export E]` once per plugin folder",
    });
  }
  const runs = runsFlag(inv.flags["runs"]);
  const exportFlag = inv.flags["export"];
  const input = inv.flags["input"];
  const result = await benchPlugin({
    cwd: inv.cwd,
    path: inv.args[0],
    runs,
    exportName: typeof exportFlag === "string" ? exportFlag : undefined,
    inputFile: typeof input === "string" ? input : undefined,
    out: inv.out,
  });
  render(inv.out, result);
  return { data: result };
}

/** Medians and p95 per export, with the budget marked. */
function render(out: Output, { exports: results }: BenchResult): void {
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  const rows = [["export", "cold median", "cold p95", "warm median", "warm p95", "guest (warm)", "budget"]];
  const pre = results.length ? results[0].preprocess.median_ms : 0;
  for (const r of results) {
    const guest = r.guest_warm.instantiate_ms + r.guest_warm.init_ms + r.guest_warm.call_ms;
    rows.push([
      r.export,
      ms(r.cold.median_ms),
      ms(r.cold.p95_ms),
      ms(r.warm.median_ms),
      ms(r.warm.p95_ms),
      ms(guest),
      r.within_budget
        ? out.style(`ok (≤ ${BUDGET_MS} ms)`, "green")
        : out.style(`OVER ${BUDGET_MS} ms`, "red"),
    ]);
  }
  out.line(columns(rows));
  out.line(
    `cold = compile + sandbox + instantiate + init + call; warm = the same with the compiled module ` +
      `reused; guest = instantiate + init + call inside the sandbox. Budget: cold median ≤ ${BUDGET_MS} ms. ` +
      `Pre-processing (once, at install): ${ms(pre)}.`,
  );
}

function runsFlag(value: unknown): number {
  if (value === undefined) return DEFAULT_RUNS;
  const n = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= MAX_RUNS)) {
    throw samuelError("SAM-BENCH-005", {
      message: `-n must be a whole number of runs between 1 and ${MAX_RUNS}, got ${JSON.stringify(value)}`,
      fix: "e.g. `samuel plugin bench -n 20`",
    });
  }
  return n;
}
