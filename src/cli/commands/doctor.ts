/**
 * `samuel doctor`: checks the project files, every installed plugin (files, digests against samuel.lock,
 * manifest, `health()` in the sandbox), the Deno runtime and the module cache (src/app/doctor.ts). Run
 * in a plugin's own folder (one holding samuel-plugin.toml), it also checks that plugin's source: its
 * manifest, its built module and whether the installed copy is the current build (src/app/doctor_source.ts).
 *
 * Human output: one line per check (`ok`, `warn`, `FAIL`, with the fix under anything not ok), then the
 * cache's counters and a summary line. `--json` data:
 * `{ root, checks: [{ id, status: "ok"|"warn"|"fail", message, fix?, details?, plugin?, exit? }],
 *    plugins: [{ name, version, kind, status, health: { outcome, return_code, ms } | null }],
 *    wasm_cache_stats: { hits, misses, rebuilds, hit_rate, modules, budget_bytes, used_bytes },
 *    trust_root: { source: "cache"|"embedded"|"file", fetched_at, expires, mirror, file, refresh_error }
 *                | null,
 *    summary: { ok, warn, fail } }`.
 *
 * Exit codes: 0 when no check fails (warnings allowed; with `--strict` a warning counts as a failure of
 * class 2). Otherwise the exit code is the most serious failing class, and the envelope carries its code
 * ("N checks failed") next to the data: 4 (`SAM-DOCTOR-002`) a digest differs from samuel.lock, 2
 * (`SAM-DOCTOR-001`) a project file, manifest or installed file is missing or invalid, 6 (`SAM-DOCTOR-003`)
 * a `health()` returned non-zero or trapped, 7 (`SAM-DOCTOR-004`) it timed out, 1 (`SAM-DOCTOR-005`) a
 * check could not run.
 */

import type { CommandResult, Invocation } from "../command.ts";
import { columns, type Output } from "../output.ts";
import { type Check, doctor, type DoctorReport, doctorVerdict } from "../../app/doctor.ts";

function plural(n: number, one: string, many = one + "s"): string {
  return `${n} ${n === 1 ? one : many}`;
}

export async function run(inv: Invocation): Promise<CommandResult> {
  const report = await doctor(inv.cwd);
  if (!inv.out.json) render(inv.out, report);
  const { exit, error } = doctorVerdict(report, inv.global.strict);
  const data = {
    root: report.root,
    checks: report.checks,
    plugins: report.plugins,
    wasm_cache_stats: report.wasm_cache_stats,
    trust_root: report.trust_root,
    summary: report.summary,
  };
  return error ? { data, exit, error } : { data };
}

/** One line per check (the fix under anything not ok), the cache's counters and a summary line. */
function render(out: Output, report: DoctorReport): void {
  out.line(`samuel doctor: ${report.root}`);
  const label = (c: Check) =>
    c.status === "ok"
      ? out.style("ok", "green")
      : c.status === "warn"
      ? out.style("warn", "yellow")
      : out.style("FAIL", "red");
  // Columns are computed on plain text (styles would skew the widths), then the label is styled.
  const rows = report.checks.map((c) => [c.status === "fail" ? "FAIL" : c.status, c.id, c.message]);
  const lines = columns(rows).split("\n");
  report.checks.forEach((c, i) => {
    const width = rows[i][0].length;
    out.line(`  ${label(c)}${lines[i].slice(width)}`);
    if (c.status !== "ok" && c.fix) out.line(out.style(`        fix: ${c.fix}`, "dim"));
  });
  const s = report.wasm_cache_stats;
  out.line(
    `wasm cache: ${plural(s.hits, "hit")}, ${plural(s.misses, "miss", "misses")} (hit rate ${
      Math.round(s.hit_rate * 1000) / 10
    }%), ${s.rebuilds} rebuilt, ${plural(s.modules, "module")}`,
  );
  const { ok, warn, fail } = report.summary;
  out.line(
    `${report.checks.length} checks: ${ok} ok, ${warn} warning${warn === 1 ? "" : "s"}, ${fail} failed`,
  );
}
