/**
 * `samuel doctor`'s checks of one locked plugin, in order, each step stopping the plugin's checks when
 * what follows could not mean anything:
 * - `plugin.<name>.files`: the installed folder is present;
 * - `.manifest`: the manifest copy is present, hashes to the lock's digest and is valid under a full parse
 *   (including the framework range this samuel must satisfy), of the kind the lock records;
 * - `.skill` (skill): its entry file is present;
 * - `.module` (wasm): present and hashing to the lock's digest;
 * - `.health` (wasm): `health()` run in the real sandbox with the plugin's granted capabilities and limits,
 *   exactly as `samuel run NAME health` would; a plugin that declares no `health` export is ok, and a
 *   module that does not match the lock is not run (warn).
 *
 * The module cache is observed, not changed: the entry `health()` runs from is loaded without recording
 * stats or touching its recency, and a missing entry is built in memory, not stored.
 */

import { Exit } from "../errors.ts";
import {
  formatProblem,
  type Manifest,
  parseManifest,
  type Problem,
  type WasmManifest,
} from "../manifest/mod.ts";
import type { LockedPlugin } from "../project/lockfile.ts";
import { join, pluginDir } from "../project/paths.ts";
import { existsQuiet } from "../project/fs.ts";
import type { InvocationResult } from "../runtime/invoke.ts";
import type { ModuleInfo } from "../runtime/preprocess/mod.ts";
import { sha256Hex } from "../store/digest.ts";
import type { ModuleCache } from "../store/module_cache.ts";
import { buildForCache, cacheVariant } from "../store/module_check.ts";
import { type AddCheck, type Check, errorMessage, failFrom } from "./doctor_check.ts";

export interface PluginHealth {
  /** `ok`, `plugin_error`, `trap`, `timeout`, ... as in `samuel run`; `skipped` when not run. */
  outcome: string;
  return_code: number | null;
  ms: number | null;
}

const REINSTALL = "run `samuel install` to restore exactly what samuel.lock records";

/** What every step of one plugin's checks needs. */
interface PluginCheck {
  root: string;
  entry: LockedPlugin;
  name: string;
  dir: string;
  /** `plugin.<name>.<what>`. */
  id(what: string): string;
  add: AddCheck;
}

function short(sha: string): string {
  return sha.slice(0, 12);
}

/** `path` relative to the project root, for messages (absolute paths stay in `details`). */
function rel(root: string, path: string): string {
  return path.startsWith(root + "/") ? path.slice(root.length + 1) : path;
}

/** The checks of one locked plugin; returns its health summary. */
export async function checkPlugin(
  root: string,
  entry: LockedPlugin,
  cache: ModuleCache,
  runHealth: boolean,
  add: AddCheck,
): Promise<PluginHealth | null> {
  const name = entry.name;
  const p: PluginCheck = {
    root,
    entry,
    name,
    dir: pluginDir(root, name),
    id: (w) => `plugin.${name}.${w}`,
    add,
  };
  if (!await checkFolder(p)) return null;
  const manifest = await checkManifest(p);
  if (manifest === undefined) return null;
  if (manifest.kind === "skill") {
    await checkSkillEntry(p, join(p.dir, manifest.skill.entry));
    return null;
  }
  const matching = await checkModule(p, manifest);
  if (!manifest.wasm.exports.includes("health")) {
    add({ id: p.id("health"), status: "ok", plugin: name, message: "ok (no health export)" });
    return null;
  }
  if (matching === undefined) {
    add({
      id: p.id("health"),
      status: "warn",
      plugin: name,
      message: "health() not run: the installed module does not match samuel.lock",
      fix: REINSTALL,
    });
    return { outcome: "skipped", return_code: null, ms: null };
  }
  if (!runHealth) return null;
  return await checkHealth(root, entry, matching, cache, p.id("health"), add);
}

/** `.files`: false when the installed folder is missing. */
async function checkFolder(p: PluginCheck): Promise<boolean> {
  if (!(await existsQuiet(p.dir))) {
    p.add({
      id: p.id("files"),
      status: "fail",
      plugin: p.name,
      message: `${p.name} is in samuel.lock but ${rel(p.root, p.dir)} is missing`,
      fix: `${REINSTALL} (.samuel/ is not committed; it is rebuilt from the lock)`,
      exit: Exit.invalidInput,
    });
    return false;
  }
  p.add({ id: p.id("files"), status: "ok", plugin: p.name, message: `${rel(p.root, p.dir)} is present` });
  return true;
}

/** `.manifest`: the copy is present, the bytes the lock pins, and still valid for this samuel. */
async function checkManifest(p: PluginCheck): Promise<Manifest | undefined> {
  const { entry, name } = p;
  const manifestFile = join(p.dir, "samuel-plugin.toml");
  const fail = (c: Omit<Check, "id" | "status" | "plugin">) => {
    p.add({ id: p.id("manifest"), status: "fail", plugin: name, ...c });
    return undefined;
  };
  let manifestText: string;
  try {
    manifestText = await Deno.readTextFile(manifestFile);
  } catch {
    return fail({
      message: `${rel(p.root, manifestFile)} is missing`,
      fix: REINSTALL,
      exit: Exit.invalidInput,
    });
  }
  const manifestSha = await sha256Hex(manifestText);
  if (manifestSha !== entry.sha256.manifest) {
    return fail({
      message: `${rel(p.root, manifestFile)} does not match samuel.lock (sha256 ${
        short(manifestSha)
      }…, locked ${short(entry.sha256.manifest)}…)`,
      fix: `the installed manifest was changed after install: ${REINSTALL}`,
      details: { file: manifestFile, actual: manifestSha, locked: entry.sha256.manifest },
      exit: Exit.verification,
    });
  }
  const parsed = await parseManifest(manifestText, { file: manifestFile });
  const errors = parsed.problems.filter((pr: Problem) => pr.severity === "error");
  const manifest = parsed.manifest;
  if (!manifest || manifest.kind !== entry.kind) {
    return fail({
      message: manifest
        ? `${rel(p.root, manifestFile)} declares kind ${manifest.kind}, samuel.lock says ${entry.kind}`
        : `the manifest is not valid: ${errors.map(formatProblem).join("; ")}`,
      fix: errors[0]?.fix ?? REINSTALL,
      details: { problems: parsed.problems },
      exit: Exit.invalidInput,
    });
  }
  p.add({
    id: p.id("manifest"),
    status: "ok",
    plugin: name,
    message: `manifest ${manifest.name} ${manifest.version} is valid and matches samuel.lock`,
  });
  return manifest;
}

/** `.skill`: the skill's entry file is present. */
async function checkSkillEntry(p: PluginCheck, skillEntry: string): Promise<void> {
  p.add(
    await existsQuiet(skillEntry)
      ? { id: p.id("skill"), status: "ok", plugin: p.name, message: `${rel(p.root, skillEntry)} is present` }
      : {
        id: p.id("skill"),
        status: "fail",
        plugin: p.name,
        message: `the skill's entry ${rel(p.root, skillEntry)} is missing`,
        fix: REINSTALL,
        exit: Exit.invalidInput,
      },
  );
}

/** `.module`: returns the module's bytes when they hash to the lock's digest, else undefined. */
async function checkModule(p: PluginCheck, manifest: WasmManifest): Promise<Uint8Array | undefined> {
  const { entry, name } = p;
  const moduleFile = join(p.dir, manifest.wasm.module);
  let source: Uint8Array;
  try {
    source = await Deno.readFile(moduleFile);
  } catch {
    p.add({
      id: p.id("module"),
      status: "fail",
      plugin: name,
      message: `${rel(p.root, moduleFile)} is missing`,
      fix: REINSTALL,
      exit: Exit.invalidInput,
    });
    return undefined;
  }
  const sha = await sha256Hex(source);
  if (sha === entry.sha256.module) {
    p.add({
      id: p.id("module"),
      status: "ok",
      plugin: name,
      message: `${manifest.wasm.module} matches samuel.lock (sha256 ${short(sha)}…)`,
    });
    return source;
  }
  p.add({
    id: p.id("module"),
    status: "fail",
    plugin: name,
    message: `${rel(p.root, moduleFile)} does not match samuel.lock (sha256 ${short(sha)}…, locked ${
      short(entry.sha256.module)
    }…)`,
    fix: `the installed module was changed after install: ${REINSTALL}`,
    details: { file: moduleFile, actual: sha, locked: entry.sha256.module },
    exit: Exit.verification,
  });
  return undefined;
}

/** Runs `health()` in the sandbox, exactly as `samuel run NAME health` would. */
async function checkHealth(
  root: string,
  entry: LockedPlugin,
  source: Uint8Array,
  cache: ModuleCache,
  id: string,
  add: AddCheck,
): Promise<PluginHealth> {
  const name = entry.name;
  const t0 = performance.now();
  const elapsed = () => Math.round((performance.now() - t0) * 10) / 10;
  try {
    const built = await healthModule(entry, source, cache);
    const { sandboxFromGrants } = await import("../runtime/sandbox_spec.ts");
    const { runInSandbox } = await import("../runtime/sandbox.ts");
    const spec = sandboxFromGrants({
      pluginName: name,
      exportName: "health",
      grants: entry.capabilities,
      projectRoot: root,
      getEnv: (k) => Deno.env.get(k),
    });
    const module = new WebAssembly.Module(built.bytes as Uint8Array<ArrayBuffer>);
    const r = await runInSandbox(module, built.info, { spec, exportName: "health", input: new Uint8Array() });
    const ms = elapsed();
    add(healthCheck(id, name, r, ms));
    return { outcome: r.outcome, return_code: r.returnCode ?? null, ms };
  } catch (e) {
    const ms = elapsed();
    add({
      ...failFrom(id, e, Exit.unexpected, name),
      message: `health() could not be run: ${errorMessage(e)}`,
      fix: "re-run with --verbose; if it persists, report it with the plugin's name and version",
    });
    return { outcome: "error", return_code: null, ms };
  }
}

/**
 * The pre-processed module `health()` runs: the cache entry when there is one, else built in memory.
 * Doctor observes the cache without changing it: no stats recorded (they describe `samuel run`), no
 * recency touched, nothing stored.
 */
async function healthModule(
  entry: LockedPlugin,
  source: Uint8Array,
  cache: ModuleCache,
): Promise<{ bytes: Uint8Array; info: ModuleInfo }> {
  const variant = cacheVariant(entry.capabilities.maxMemory);
  const found = await cache.load(entry.sha256.module, variant, { touch: false });
  if (found.entry) return { bytes: found.entry.bytes, info: found.entry.meta.info as ModuleInfo };
  // `source` was just hashed equal to the lock's digest: what install verified.
  const built = buildForCache(entry.capabilities.maxMemory)(source);
  return { bytes: built.bytes, info: built.info as ModuleInfo };
}

/** The `.health` check for how `health()` ended. */
function healthCheck(id: string, name: string, r: InvocationResult, ms: number): Check {
  const decoder = new TextDecoder();
  const details = {
    outcome: r.outcome,
    return_code: r.returnCode ?? null,
    trap: r.trap ?? null,
    stdout: decoder.decode(r.stdout.subarray(0, 4096)),
    stderr: decoder.decode(r.stderr.subarray(0, 4096)),
    ms,
  };
  if (r.outcome === "ok") {
    return { id, status: "ok", plugin: name, message: `health() returned 0 in ${ms} ms`, details };
  }
  const what = r.outcome === "plugin_error"
    ? `health() returned ${r.returnCode}`
    : r.outcome === "trap"
    ? `health() trapped: ${r.trap?.message ?? r.message}`
    : r.outcome === "timeout"
    ? `health() timed out: ${r.message}`
    : `health() failed (${r.outcome}): ${r.message}`;
  const stderr = details.stderr.trim().split("\n")[0];
  return {
    id,
    status: "fail",
    plugin: name,
    message: stderr ? `${what}; stderr: ${stderr}` : what,
    fix: `see \`samuel run ${name} health\` for its full output; the code is the plugin's own: ` +
      "ask its author, or update it with `samuel update`",
    details,
    exit: r.outcome === "timeout" ? Exit.timeout : Exit.pluginFailed,
  };
}
