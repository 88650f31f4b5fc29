/**
 * `samuel plugin validate [DIR]`: checks a plugin folder's `samuel-plugin.toml` (DIR defaults to the
 * current folder; DIR may also name the manifest file itself) and reports every problem at once, errors
 * and warnings, each as `file:line: key: message` with a `fix:` line. `--strict` turns warnings into
 * errors. Valid: exit 0 with `{ file, valid, manifest, problems, risky }`. Invalid: a SamuelError, exit 2,
 * whose `details` hold every problem.
 *
 * For a wasm plugin, `checkArtifacts` then checks the built module against the manifest with install's
 * own checks (src/cli/plugin_module.ts): declared exports present as `() -> i32`, imports all provided by
 * this host, initial memory within `max_memory`, `samuel_protocol_version` in range, and the module
 * rewritable by the sandbox. Its problems carry install's codes (`SAM-INSTALL-003/004/005`,
 * `SAM-PREPROCESS-001/002/003`). It also prints the module's size, lifecycle, memory, imports and exports
 * (`--json`: `data.module = { path, size, lifecycle, imports, exports, memory, protocol }`). A module not
 * built yet is a warning naming the build command (`data.module` is null), not an error: the manifest can
 * be validated before the first build.
 */

import type { CommandResult, Invocation } from "../command.ts";
import type { Output } from "../output.ts";
import { Exit, invalidInput, SamuelError } from "../../errors.ts";
import {
  capProblems,
  formatProblem,
  type Manifest,
  manifestError,
  manifestPath,
  parseManifest,
  type Problem,
  readManifestText,
  riskyGrants,
} from "../../manifest/mod.ts";
import { KeyLocator } from "../../toml/scan.ts";
import {
  buildHint,
  checkModuleAgainstManifest,
  modulePath,
  type ModuleSummary,
  readModule,
} from "../plugin_module.ts";
import { resolvePath } from "../../project/paths.ts";

export async function run(inv: Invocation): Promise<CommandResult> {
  if (inv.args.length > 1) {
    throw invalidInput(
      "SAM-CLI-004",
      `plugin validate takes one folder, got ${inv.args.length} arguments`,
      "run `samuel plugin validate [DIR]` once per plugin folder",
    );
  }
  const given = inv.args[0] ?? ".";
  const path = await manifestPath(resolvePath(inv.cwd, given));
  const file = displayPath(path, inv.cwd);

  const read = await readManifestText(path);
  if ("code" in read) {
    throw manifestError(file, [{ ...read, file, message: read.message.replace(path, file) }]);
  }
  const parsed = await parseManifest(read.text, { file, strict: inv.global.strict });
  let problems = [...parsed.problems];
  let omitted = parsed.omitted;
  let artifacts: Artifacts | undefined;
  if (parsed.manifest !== undefined && !problems.some((p) => p.severity === "error")) {
    const dir = path.slice(0, path.lastIndexOf("/") + 1) || "./";
    artifacts = await checkArtifacts({
      dir,
      file,
      manifest: parsed.manifest,
      strict: inv.global.strict,
      text: read.text,
      cwd: inv.cwd,
      out: inv.out,
    });
    const listed = capProblems([...problems, ...artifacts.problems]);
    problems = listed.problems;
    omitted = addOmitted(omitted, listed.omitted);
  }

  report(inv.out, problems, omitted);
  const manifestValid = parsed.manifest !== undefined &&
    !parsed.problems.some((p) => p.severity === "error");
  if (!manifestValid) {
    throw manifestError(file, problems, inv.out.json ? "see error.details" : "listed above", omitted);
  }
  const module = artifacts?.module ?? null;
  const moduleErrors = problems.filter((p) => p.severity === "error");
  if (moduleErrors.length > 0) {
    // The manifest is fine but the built module is not: still return what was learnt about the module,
    // so `--json` callers see its imports and exports next to the problems.
    const n = moduleErrors.length + (omitted?.errors ?? 0);
    const error = new SamuelError({
      code: moduleErrors[0].code,
      exit: Exit.invalidInput,
      message: `${module?.path ?? "the module"} does not match ${file}: ${n} error${n === 1 ? "" : "s"}`,
      cause: "samuel install runs the same checks and would refuse this module",
      fix: inv.out.json ? "see error.details" : "listed above",
      details: problems,
    });
    return {
      data: { file, valid: false, manifest: parsed.manifest, problems, ...omittedData(omitted), module },
      error: error.toInfo(),
      exit: Exit.invalidInput,
    };
  }

  const manifest = parsed.manifest!;
  const warnings = problems.length;
  inv.out.line(
    `${file}: valid ${manifest.kind} plugin ${manifest.name}@${manifest.version}` +
      (warnings > 0 ? ` (${warnings} warning${warnings === 1 ? "" : "s"})` : ""),
  );
  const risky = riskyGrants(manifest.capabilities);
  if (risky.length > 0) {
    inv.out.line("grants that samuel install will ask the user to confirm:");
    for (const g of risky) inv.out.line(`  ${g.capability} ${g.value}: ${g.reason}`);
  }
  return { data: { file, valid: true, manifest, problems, ...omittedData(omitted), risky, module } };
}

interface Artifacts {
  problems: Problem[];
  /** The built module's summary; null when there is none (skill, or not built yet). */
  module: ModuleSummary | null;
}

/**
 * Checks the plugin folder's build output against a manifest that is itself valid: for a wasm plugin,
 * the module at `wasm.module` (see src/cli/plugin_module.ts), whose summary it prints. Returns extra
 * problems in the manifest's shape; an error among them makes the command fail with exit 2.
 */
async function checkArtifacts(
  ctx: {
    dir: string;
    file: string;
    manifest: Manifest;
    strict: boolean;
    text: string;
    cwd: string;
    out: Output;
  },
): Promise<Artifacts> {
  const { manifest, out } = ctx;
  if (manifest.kind !== "wasm") return { problems: [], module: null };
  const abs = modulePath(ctx.dir, manifest);
  const path = displayPath(abs, ctx.cwd);
  const bytes = await readModule(abs);
  if (bytes === undefined) {
    // Not an error: the manifest is usually written before the first build.
    out.warn(
      `${path} is not built yet, so only the manifest was checked; build it with ` +
        `${await buildHint(ctx.dir)}, then run samuel plugin validate again`,
    );
    return { problems: [], module: null };
  }
  const checked = await checkModuleAgainstManifest(bytes, manifest, {
    file: ctx.file,
    path,
    locate: new KeyLocator(ctx.text),
    sandbox: true,
  });
  if (checked.summary) printModule(out, checked.summary);
  for (const note of checked.notes) out.note(`note: ${note}`);
  return { problems: checked.problems, module: checked.summary ?? null };
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

type Omitted = { errors: number; warnings: number } | undefined;

function addOmitted(a: Omitted, b: Omitted): Omitted {
  if (!a || !b) return a ?? b;
  return { errors: a.errors + b.errors, warnings: a.warnings + b.warnings };
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

/** `path` relative to `cwd` when it is inside it, so problems read `samuel-plugin.toml:3`. */
function displayPath(path: string, cwd: string): string {
  const base = cwd.replace(/\/+$/, "") + "/";
  return path.startsWith(base) ? path.slice(base.length) : path;
}
