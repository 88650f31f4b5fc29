/**
 * `samuel doctor` in a plugin's own folder (one holding `samuel-plugin.toml`, as after the author guide's
 * `samuel install file://$(pwd) --allow-unsigned`): three checks of the plugin *source*, added after the
 * project and installed-plugin checks (doctor.ts runs them through `sourceChecks`).
 *
 * - `source.manifest`: the folder's manifest is valid (warnings: warn; errors: fail, exit class 2), the
 *   same parse as `samuel plugin validate`;
 * - `source.module` (wasm): the built module passes install's checks (exports, imports, memory, protocol,
 *   rewritable; plugin_module.ts). Not built yet: warn with the build command. The sandboxed
 *   protocol probe of `plugin validate` is skipped: doctor already runs `health()` of the installed copy;
 * - `source.installed`: the project's samuel.lock has this plugin, installed from this folder, with the
 *   module and manifest bytes the folder holds now. Not installed, installed from elsewhere, or rebuilt
 *   since the install: warn, with the install command that brings the installed copy up to date.
 *
 * Problems here are the author's work in progress, so only an invalid manifest or module fails; the
 * rest are warnings, and doctor's exit code stays 0 for a folder whose build is simply newer.
 */

import { Exit } from "../errors.ts";
import {
  formatProblem,
  type Manifest,
  MANIFEST_FILE,
  parseManifest,
  type Problem,
  readManifestText,
  type WasmManifest,
} from "../manifest/mod.ts";
import type { LockedPlugin } from "../project/lockfile.ts";
import { join } from "../project/paths.ts";
import { sha256Hex } from "../store/digest.ts";
import type { Check } from "./doctor_check.ts";
import { buildHint, checkModuleAgainstManifest, modulePath, readModule } from "./plugin_module.ts";

/** True when `dir` holds a plugin manifest, i.e. doctor runs in a plugin's source folder. */
export async function isPluginFolder(dir: string): Promise<boolean> {
  try {
    return (await Deno.stat(join(dir, MANIFEST_FILE))).isFile;
  } catch {
    return false;
  }
}

async function realOrSame(path: string): Promise<string> {
  try {
    return await Deno.realPath(path);
  } catch {
    return path;
  }
}

function failing(id: string, problems: Problem[], what: string): Check {
  const errors = problems.filter((p) => p.severity === "error");
  const n = errors.length;
  return {
    id,
    status: "fail",
    message: `${what}: ${n} error${n === 1 ? "" : "s"}: ${formatProblem(errors[0])}`,
    fix: errors[0].fix + (n > 1 ? " (`samuel plugin validate` lists every problem)" : ""),
    details: { problems },
    exit: Exit.invalidInput,
  };
}

/** The source checks of the plugin folder `dir`, against the project's locked plugins. */
export async function pluginSourceChecks(dir: string, locked: readonly LockedPlugin[]): Promise<Check[]> {
  const file = MANIFEST_FILE;
  const read = await readManifestText(join(dir, file));
  if ("code" in read) return [failing("source.manifest", [{ ...read, file }], `${file} cannot be read`)];
  const parsed = await parseManifest(read.text, { file });
  const manifest: Manifest | undefined = parsed.manifest;
  if (manifest === undefined || parsed.problems.some((p) => p.severity === "error")) {
    return [failing("source.manifest", parsed.problems, `${file} is not valid`)];
  }
  const checks: Check[] = [manifestCheck(manifest, parsed.problems)];
  const install = `samuel install file://${dir} --allow-unsigned`;
  let moduleSha: string | undefined;
  if (manifest.kind === "wasm") {
    const built = await moduleCheck(dir, manifest, install);
    checks.push(built.check);
    moduleSha = built.sha256;
  }
  const entry = locked.find((p) => p.name === manifest.name);
  checks.push(
    await installedCheck(dir, manifest, entry, { manifest: await sha256Hex(read.bytes), moduleSha }),
  );
  return checks;
}

/** `source.manifest` of a valid manifest: ok, or warn with its warnings. */
function manifestCheck(manifest: Manifest, warnings: Problem[]): Check {
  const file = MANIFEST_FILE;
  return warnings.length === 0
    ? {
      id: "source.manifest",
      status: "ok",
      message: `${file}: ${manifest.kind} plugin ${manifest.name} ${manifest.version} is valid`,
    }
    : {
      id: "source.manifest",
      status: "warn",
      message: `${file}: ${manifest.name} ${manifest.version} is valid with ${warnings.length} warning` +
        `${warnings.length === 1 ? "" : "s"}: ${formatProblem(warnings[0])}`,
      fix: warnings[0].fix,
      details: { problems: warnings },
    };
}

/** `source.module`: the built module against install's checks, and its sha256 when built. */
async function moduleCheck(
  dir: string,
  manifest: WasmManifest,
  install: string,
): Promise<{ check: Check; sha256?: string }> {
  const bytes = await readModule(modulePath(dir, manifest));
  if (bytes === undefined) {
    return {
      check: {
        id: "source.module",
        status: "warn",
        message: `${manifest.wasm.module} is not built yet`,
        fix: `build it with ${await buildHint(dir)}, then \`${install}\``,
      },
    };
  }
  const checked = await checkModuleAgainstManifest(bytes, manifest, {
    file: MANIFEST_FILE,
    path: manifest.wasm.module,
    sandbox: false,
  });
  const sha256 = await sha256Hex(bytes);
  if (checked.problems.length > 0) {
    return {
      check: failing(
        "source.module",
        checked.problems,
        `${manifest.wasm.module} would be refused by install`,
      ),
      sha256,
    };
  }
  return {
    check: {
      id: "source.module",
      status: "ok",
      message: `${manifest.wasm.module} (${bytes.length} bytes, ${checked.summary?.lifecycle}) ` +
        "passes install's checks",
    },
    sha256,
  };
}

/** `source.installed`: whether the project's installed copy is this folder's current build. */
async function installedCheck(
  dir: string,
  manifest: Manifest,
  entry: LockedPlugin | undefined,
  now: { manifest: string; moduleSha?: string },
): Promise<Check> {
  const install = `samuel install file://${dir} --allow-unsigned`;
  const here = await realOrSame(dir);
  const from = entry?.source.startsWith("file://")
    ? await realOrSame(entry.source.slice("file://".length))
    : undefined;
  if (entry === undefined) {
    return {
      id: "source.installed",
      status: "warn",
      message: `${manifest.name} is not installed in this project`,
      fix: `run \`${install}\` to try it here (then \`samuel run ${manifest.name}\`)`,
    };
  }
  if (from !== here) {
    return {
      id: "source.installed",
      status: "warn",
      message:
        `the installed ${manifest.name} ${entry.version} comes from ${entry.source}, not from this folder`,
      fix: `run \`${install}\` to try this folder's build instead`,
    };
  }
  const stale: string[] = [];
  if (manifest.kind === "wasm" && now.moduleSha !== undefined && now.moduleSha !== entry.sha256.module) {
    stale.push(manifest.wasm.module);
  }
  if (now.manifest !== entry.sha256.manifest) stale.push(MANIFEST_FILE);
  return stale.length === 0
    ? {
      id: "source.installed",
      status: "ok",
      message: `the installed ${manifest.name} ${entry.version} is this folder's current build`,
    }
    : {
      id: "source.installed",
      status: "warn",
      message: `${stale.join(" and ")} changed since ${manifest.name} was installed from this folder`,
      fix: `run \`${install}\` again to install the current build`,
      details: { changed: stale },
    };
}
