/**
 * `samuel plugin validate`: checks a plugin folder's `samuel-plugin.toml` (the path may also name the
 * manifest file itself) and gathers every problem at once, errors and warnings; `strict` turns warnings
 * into errors. An unreadable manifest throws (`SAM-MANIFEST-*`, exit 2); otherwise the result says whether
 * the manifest is valid, whether the built module is, and carries the error to report when not.
 *
 * For a wasm plugin with a valid manifest, `checkArtifacts` then checks the built module against it with
 * install's own checks (`plugin_module.ts`): declared exports present as `() -> i32`, imports all provided
 * by this host, initial memory within `max_memory`, `samuel_protocol_version` in range, and the module
 * rewritable by the sandbox. Its problems carry install's codes (`SAM-INSTALL-003/004/005`,
 * `SAM-PREPROCESS-001/002/003`), and its summary (size, lifecycle, memory, imports, exports, protocol) is
 * returned for display. A module not built yet is a warning naming the build command (`module` is null),
 * not an error: the manifest can be validated before the first build.
 */

import { SamuelError, samuelError } from "../errors.ts";
import {
  capProblems,
  type Manifest,
  manifestError,
  manifestPath,
  parseManifest,
  type Problem,
  readManifestText,
  type RiskyGrant,
  riskyGrants,
} from "../manifest/mod.ts";
import { KeyLocator } from "../toml/scan.ts";
import { resolvePath } from "../project/paths.ts";
import type { Reporter } from "./io.ts";
import {
  buildHint,
  checkModuleAgainstManifest,
  modulePath,
  type ModuleSummary,
  readModule,
} from "./plugin_module.ts";

export type Omitted = { errors: number; warnings: number } | undefined;

export interface ValidateRequest {
  cwd: string;
  /** The plugin folder or its manifest (default: the current folder). */
  path?: string;
  strict: boolean;
  out: Reporter;
}

export interface ValidateResult {
  /** The manifest's path as shown (relative to the current folder when inside it). */
  file: string;
  /** `invalid-manifest`: `error` is the failure; `invalid-module`: the manifest is fine, the module not. */
  status: "valid" | "invalid-manifest" | "invalid-module";
  manifest: Manifest | undefined;
  /** Every problem found, capped (`omitted` counts the rest). */
  problems: Problem[];
  omitted: Omitted;
  /** The built module's summary; null when there is none (skill, not built yet, or invalid manifest). */
  module: ModuleSummary | null;
  /** Remarks of the module checks that are neither errors nor warnings. */
  notes: string[];
  /** The grants `samuel install` will ask the user to confirm. */
  risky: RiskyGrant[];
  error?: SamuelError;
}

export async function validatePlugin(req: ValidateRequest): Promise<ValidateResult> {
  const path = await manifestPath(resolvePath(req.cwd, req.path ?? "."));
  const file = displayPath(path, req.cwd);

  const read = await readManifestText(path);
  if ("code" in read) {
    throw manifestError(file, [{ ...read, file, message: read.message.replace(path, file) }]);
  }
  const parsed = await parseManifest(read.text, { file, strict: req.strict });
  let problems = [...parsed.problems];
  let omitted = parsed.omitted;
  let artifacts: Artifacts | undefined;
  const manifestValid = parsed.manifest !== undefined && !problems.some((p) => p.severity === "error");
  if (manifestValid) {
    const dir = path.slice(0, path.lastIndexOf("/") + 1) || "./";
    artifacts = await checkArtifacts({
      dir,
      file,
      manifest: parsed.manifest!,
      text: read.text,
      cwd: req.cwd,
      out: req.out,
    });
    const listed = capProblems([...problems, ...artifacts.problems]);
    problems = listed.problems;
    omitted = addOmitted(omitted, listed.omitted);
  }
  const base = {
    file,
    manifest: parsed.manifest,
    problems,
    omitted,
    module: artifacts?.module ?? null,
    notes: artifacts?.notes ?? [],
    risky: manifestValid ? riskyGrants(parsed.manifest!.capabilities) : [],
  };
  const where = req.out.json ? "see error.details" : "listed above";
  if (!manifestValid) {
    return { ...base, status: "invalid-manifest", error: manifestError(file, problems, where, omitted) };
  }
  const moduleErrors = problems.filter((p) => p.severity === "error");
  if (moduleErrors.length === 0) return { ...base, status: "valid" };
  // The manifest is fine but the built module is not: what was learnt about the module still goes out,
  // so `--json` callers see its imports and exports next to the problems.
  const n = moduleErrors.length + (omitted?.errors ?? 0);
  const error = samuelError(moduleErrors[0].code, {
    message: `${base.module?.path ?? "the module"} does not match ${file}: ${n} error${n === 1 ? "" : "s"}`,
    cause: "samuel install runs the same checks and would refuse this module",
    fix: where,
    details: problems,
  });
  return { ...base, status: "invalid-module", error };
}

interface Artifacts {
  problems: Problem[];
  /** The built module's summary; null when there is none (skill, or not built yet). */
  module: ModuleSummary | null;
  notes: string[];
}

/**
 * Checks the plugin folder's build output against a manifest that is itself valid: for a wasm plugin,
 * the module at `wasm.module` (see plugin_module.ts). Returns extra problems in the manifest's shape; an
 * error among them makes the command fail with exit 2.
 */
async function checkArtifacts(
  ctx: { dir: string; file: string; manifest: Manifest; text: string; cwd: string; out: Reporter },
): Promise<Artifacts> {
  const { manifest, out } = ctx;
  if (manifest.kind !== "wasm") return { problems: [], module: null, notes: [] };
  const abs = modulePath(ctx.dir, manifest);
  const path = displayPath(abs, ctx.cwd);
  const bytes = await readModule(abs);
  if (bytes === undefined) {
    // Not an error: the manifest is usually written before the first build.
    out.warn(
      `${path} is not built yet, so only the manifest was checked; build it with ` +
        `${await buildHint(ctx.dir)}, then run samuel plugin validate again`,
    );
    return { problems: [], module: null, notes: [] };
  }
  const checked = await checkModuleAgainstManifest(bytes, manifest, {
    file: ctx.file,
    path,
    locate: new KeyLocator(ctx.text),
    sandbox: true,
  });
  return { problems: checked.problems, module: checked.summary ?? null, notes: checked.notes };
}

function addOmitted(a: Omitted, b: Omitted): Omitted {
  if (!a || !b) return a ?? b;
  return { errors: a.errors + b.errors, warnings: a.warnings + b.warnings };
}

/** `path` relative to `cwd` when it is inside it, so problems read `samuel-plugin.toml:3`. */
function displayPath(path: string, cwd: string): string {
  const base = cwd.replace(/\/+$/, "") + "/";
  return path.startsWith(base) ? path.slice(base.length) : path;
}
