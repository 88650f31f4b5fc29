/**
 * `samuel plugin validate [DIR]`: checks a plugin folder's `samuel-plugin.toml` (src/app/validate.ts; DIR
 * defaults to the current folder; DIR may also name the manifest file itself) and reports every problem
 * at once, errors and warnings, each as `file:line: key: message` with a `fix:` line. `--strict` turns warnings into
 * errors. Valid: exit 0 with `{ file, valid, manifest, problems, risky }`. Invalid: a SamuelError, exit 2,
 * whose `details` hold every problem.
 *
 * For a wasm plugin, the built module is then checked against the manifest with install's own checks
 * (src/app/plugin_module.ts): declared exports present as `() -> i32`, imports all provided by
 * this host, initial memory within `max_memory`, `samuel_protocol_version` in range, and the module
 * rewritable by the sandbox. Its problems carry install's codes (`SAM-INSTALL-003/004/005`,
 * `SAM-PREPROCESS-001/002/003`). It also prints the module's size, lifecycle, memory, imports and exports
 * (`--json`: `data.module = { path, size, lifecycle, imports, exports, memory, protocol }`). A module not
 * built yet is a warning naming the build command (`data.module` is null), not an error: the manifest can
 * be validated before the first build.
 */

import type { CommandResult, Invocation } from "../command.ts";
import type { Output } from "../output.ts";
import { Exit, samuelError } from "../../errors.ts";
import { formatProblem, type Problem } from "../../manifest/mod.ts";
import type { ModuleSummary } from "../../app/plugin_module.ts";
import { type Omitted, validatePlugin } from "../../app/validate.ts";

export async function run(inv: Invocation): Promise<CommandResult> {
  if (inv.args.length > 1) {
    throw samuelError("SAM-CLI-004", {
      message: `plugin validate takes one folder, got ${inv.args.length} arguments`,
      fix: "run `samuel plugin validate [DIR]` once per plugin folder",
    });
  }
  const r = await validatePlugin({
    cwd: inv.cwd,
    path: inv.args[0],
    strict: inv.global.strict,
    out: inv.out,
  });
  if (r.module) printModule(inv.out, r.module);
  for (const note of r.notes) inv.out.note(`note: ${note}`);
  report(inv.out, r.problems, r.omitted);
  const { file, manifest, problems, omitted, module } = r;
  if (r.status === "invalid-manifest") throw r.error!;
  if (r.status === "invalid-module") {
    return {
      data: { file, valid: false, manifest, problems, ...omittedData(omitted), module },
      error: r.error!.toInfo(),
      exit: Exit.invalidInput,
    };
  }
  const warnings = problems.length;
  inv.out.line(
    `${file}: valid ${manifest!.kind} plugin ${manifest!.name}@${manifest!.version}` +
      (warnings > 0 ? ` (${warnings} warning${warnings === 1 ? "" : "s"})` : ""),
  );
  if (r.risky.length > 0) {
    inv.out.line("grants that samuel install will ask the user to confirm:");
    for (const g of r.risky) inv.out.line(`  ${g.capability} ${g.value}: ${g.reason}`);
  }
  return { data: { file, valid: true, manifest, problems, ...omittedData(omitted), risky: r.risky, module } };
}

/** The module's size, lifecycle, memory, imports and exports, for humans. */
function printModule(out: Output, m: ModuleSummary): void {
  const size = (n: number) => {
    const [value, unit] = n >= 1024 * 1024 ? [n / 1024 / 1024, "MiB"] : [n / 1024, "KiB"];
    return `${Number.isInteger(value) ? value : value.toFixed(2)} ${unit}`;
  };
  out.line(`module ${m.path}: ${size(m.size)} (${m.size} bytes), ${m.lifecycle}`);
  if (m.memory) {
    const max = m.memory.maximum_pages === null ? "no maximum" : `maximum ${m.memory.maximum_pages} pages`;
    out.line(
      `  memory: ${m.memory.imported ? "imported, " : ""}initial ${m.memory.initial_pages} pages ` +
        `(${size(m.memory.initial_bytes)}), ${max}; capped at ${size(m.memory.cap_bytes)} by max_memory`,
    );
  } else {
    out.line("  memory: none");
  }
  const byModule = new Map<string, string[]>();
  for (const i of m.imports) {
    const names = byModule.get(i.module) ?? [];
    names.push(i.kind === "function" ? i.name : `${i.name} (${i.kind})`);
    byModule.set(i.module, names);
  }
  out.line(`  imports (${m.imports.length}):${m.imports.length === 0 ? " none" : ""}`);
  for (const [mod, names] of byModule) out.line(`    ${mod}: ${names.join(", ")}`);
  out.line(`  exports (${m.exports.length}):${m.exports.length === 0 ? " none" : ""}`);
  for (const e of m.exports) out.line(`    ${e.name} ${e.type ?? `(${e.kind})`}`);
  if (m.protocol !== null) out.line(`  protocol: ${m.protocol}`);
}

/** `--json`: `problems_omitted` counts what the capped `problems` list leaves out (absent when nothing). */
function omittedData(omitted: Omitted): { problems_omitted?: Omitted } {
  return omitted ? { problems_omitted: omitted } : {};
}

/**
 * Prints problems for humans, then how many more were found than listed (at most `MAX_PROBLEMS` are);
 * in JSON mode warnings go to the envelope (errors are in the error).
 */
function report(out: Output, problems: readonly Problem[], omitted: Omitted): void {
  for (const p of problems) {
    if (out.json) {
      if (p.severity === "warning") out.warn(`${formatProblem(p)} (${p.code}; fix: ${p.fix})`);
      continue;
    }
    const label = p.severity === "error" ? out.style("error", "red") : out.style("warning", "yellow");
    out.line(`${formatProblem(p)} [${label} ${p.code}]`);
    out.line(`  fix: ${p.fix}`);
  }
  if (omitted && !out.json) {
    out.line(
      `… and ${omitted.errors} more error(s) and ${omitted.warnings} more warning(s), not listed: ` +
        `fix the ones above and run samuel plugin validate again`,
    );
  }
}
