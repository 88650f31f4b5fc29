/**
 * `samuel plugin validate [DIR]`: checks a plugin folder's `samuel-plugin.toml` (DIR defaults to the
 * current folder; DIR may also name the manifest file itself) and reports every problem at once, errors
 * and warnings, each as `file:line: key: message` with a `fix:` line. `--strict` turns warnings into
 * errors. Valid: exit 0 with `{ file, valid, manifest, problems, risky }`. Invalid: a SamuelError, exit 2,
 * whose `details` hold every problem.
 *
 * Checks beyond the manifest text (the built module against the manifest) plug in at `checkArtifacts`.
 */

import type { CommandResult, Invocation } from "../command.ts";
import type { Output } from "../output.ts";
import { invalidInput } from "../../errors.ts";
import {
  formatProblem,
  type Manifest,
  manifestError,
  manifestPath,
  parseManifest,
  type Problem,
  readManifestText,
  riskyGrants,
} from "../../manifest/mod.ts";

export async function run(inv: Invocation): Promise<CommandResult> {
  if (inv.args.length > 1) {
    throw invalidInput(
      "SAM-CLI-004",
      `plugin validate takes one folder, got ${inv.args.length} arguments`,
      "run `samuel plugin validate [DIR]` once per plugin folder",
    );
  }
  const given = inv.args[0] ?? ".";
  const path = await manifestPath(resolve(inv.cwd, given));
  const file = displayPath(path, inv.cwd);

  const read = await readManifestText(path);
  if ("code" in read) {
    throw manifestError(file, [{ ...read, file, message: read.message.replace(path, file) }]);
  }
  const parsed = await parseManifest(read.text, { file, strict: inv.global.strict });
  const problems = [...parsed.problems];
  if (parsed.manifest !== undefined) {
    const dir = path.slice(0, path.lastIndexOf("/") + 1) || "./";
    problems.push(
      ...await checkArtifacts({ dir, file, manifest: parsed.manifest, strict: inv.global.strict }),
    );
  }

  report(inv.out, problems);
  const valid = parsed.manifest !== undefined && !problems.some((p) => p.severity === "error");
  if (!valid) throw manifestError(file, problems, inv.out.json ? "see error.details" : "listed above");

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
  return { data: { file, valid: true, manifest, problems, risky } };
}

/**
 * Seam: checks of the plugin folder's build output against a manifest that is itself valid (e.g. that
 * `wasm.module` exists, is a WASI module, and exports every declared export as `() -> i32`). Returns
 * extra problems in the same shape; an error among them makes the command fail with exit 2.
 */
function checkArtifacts(
  _ctx: { dir: string; file: string; manifest: Manifest; strict: boolean },
): Promise<Problem[]> {
  return Promise.resolve([]);
}

/** Prints problems for humans; in JSON mode warnings go to the envelope (errors are in the error). */
function report(out: Output, problems: readonly Problem[]): void {
  for (const p of problems) {
    if (out.json) {
      if (p.severity === "warning") out.warn(`${formatProblem(p)} (${p.code}; fix: ${p.fix})`);
      continue;
    }
    const label = p.severity === "error" ? out.style("error", "red") : out.style("warning", "yellow");
    out.line(`${formatProblem(p)} [${label} ${p.code}]`);
    out.line(`  fix: ${p.fix}`);
  }
}

/** `given` made absolute against `cwd`, without `.`/`..` segments or a trailing slash. */
function resolve(cwd: string, given: string): string {
  const parts: string[] = [];
  for (const part of (given.startsWith("/") ? given : `${cwd}/${given}`).split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return "/" + parts.join("/");
}

/** `path` relative to `cwd` when it is inside it, so problems read `samuel-plugin.toml:3`. */
function displayPath(path: string, cwd: string): string {
  const base = cwd.replace(/\/+$/, "") + "/";
  return path.startsWith(base) ? path.slice(base.length) : path;
}
