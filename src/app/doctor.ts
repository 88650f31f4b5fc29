/**
 * `samuel doctor`'s checks, as data (DESIGN.md sections 3, 6, 7): the project files, every installed
 * plugin, the Deno runtime and the module cache. Each check is `{ id, status, message, fix?, details? }`
 * with a stable `id`; the CLI renders them (src/cli/commands/doctor.ts).
 *
 * Checks, in order:
 * - `project.config`: samuel.toml exists and parses (its warnings, e.g. unknown keys: warn);
 * - `project.lockfile`: samuel.lock parses (absent: ok, nothing installed);
 * - `project.gitignore`: `.samuel/.gitignore` is present (warn: installed files would show in git);
 * - `project.plugins`: samuel.toml's `[[plugins]]` and samuel.lock agree (warn);
 * - `project.transaction`: no interrupted install left behind (warn);
 * - per locked plugin `<name>`: `plugin.<name>.files` (installed folder present), `.manifest` (present,
 *   sha256 equal to the lock's, valid under a full parse, including the framework range this samuel must
 *   satisfy), `.module` (wasm: present and sha256 equal to the lock's) or `.skill` (skill: its entry file
 *   present), `.health` (wasm: `health()` run in the real sandbox with the plugin's granted capabilities
 *   and limits; a plugin that declares no `health` export is ok);
 * - `source.*`, only when the caller passes `sourceChecks` (the CLI does in a plugin's own folder, see
 *   src/cli/doctor_source.ts): the folder's manifest, built module and whether the installed copy is it;
 * - `runtime.deno`: Deno 2.9.x (warn otherwise: samuel is built and measured on 2.9);
 * - `trust.root`: the trusted root installs verify against offline (`doctor_trust.ts`; also `trust_root`);
 * - `cache.integrity`: every module cache entry re-hashed (`verifyAll`); corrupt entries are removed and
 *   reported as a warning (they are rebuilt on next use, never executed);
 * - `cache.budget`: bytes used against `[wasm].cache_budget` (warn when over: one module larger than the
 *   budget stays, since the entry in use is never evicted).
 *
 * A failing check carries the exit class of its failure (DESIGN.md section 8): 4 a digest differs from
 * samuel.lock, 2 a project file, manifest or installed file is missing or invalid, 6 `health()` returned
 * non-zero or trapped, 7 it timed out, 1 the check itself broke. The command exits with the most serious
 * one present, in that order.
 *
 * Doctor observes the module cache without changing it, except for removing corrupt entries: its own
 * lookups (to run `health`) are not counted in `wasm_cache_stats` (the counters describe `samuel run`),
 * do not mark entries recently used, and a missing entry is built in memory, not stored.
 */

import { Exit, type ExitCode, isSamuelError } from "../errors.ts";
import { formatProblem, parseManifest, type Problem } from "../manifest/mod.ts";
import { DEFAULT_CACHE_BUDGET, formatByteSize, loadConfig, type ProjectConfig } from "../project/config.ts";
import { type LockedPlugin, readLockfileIfExists } from "../project/lockfile.ts";
import { homePaths, join, pluginDir, projectPaths } from "../project/paths.ts";
import { DENO_PIN } from "../version.ts";
import { sha256Hex } from "../store/digest.ts";
import { type CacheStats, ModuleCache } from "../store/module_cache.ts";
import { buildForCache, cacheVariant } from "../store/module_check.ts";
import { hasJournal, hasPendingTransaction, leftoverFolders } from "../store/transaction.ts";
import type { ModuleInfo } from "../runtime/preprocess/mod.ts";
import { existsQuiet } from "../project/fs.ts";
import type { TrustRootInfo } from "../verify/trust_source.ts";
import { trustRootCheck } from "./doctor_trust.ts";

export type CheckStatus = "ok" | "warn" | "fail";

export interface Check {
  /** Stable identifier, e.g. `project.config`, `plugin.hello.module`, `cache.integrity`. */
  id: string;
  status: CheckStatus;
  /** What was found, in one line. */
  message: string;
  /** What to do about a warning or failure. */
  fix?: string;
  /** Structured facts (digests, problems, paths, the health invocation). */
  details?: unknown;
  /** The plugin a `plugin.*` check is about. */
  plugin?: string;
  /** For a failure: the exit class it stands for (see the module doc). */
  exit?: ExitCode;
}

export interface PluginHealth {
  /** `ok`, `plugin_error`, `trap`, `timeout`, ... as in `samuel run`; `skipped` when not run. */
  outcome: string;
  return_code: number | null;
  ms: number | null;
}

export interface PluginSummary {
  name: string;
  version: string;
  kind: string;
  /** The worst status among the plugin's checks. */
  status: CheckStatus;
  /** Null when the plugin has no `health` export (or is a skill). */
  health: PluginHealth | null;
}

export interface DoctorReport {
  root: string;
  checks: Check[];
  plugins: PluginSummary[];
  wasm_cache_stats: CacheStats;
  /** The trusted root an install would use offline: `{ source, fetched_at, expires, ... }` (null: none). */
  trust_root: TrustRootInfo | null;
  summary: { ok: number; warn: number; fail: number };
}

export interface DoctorOptions {
  root: string;
  /** `$SAMUEL_HOME` (default: from the environment). */
  home?: string;
  /** Skip running `health()` (tests of the file checks). */
  runHealth?: boolean;
  /** Checks of the plugin source folder doctor runs from, given samuel.lock's plugins (see module doc). */
  sourceChecks?: (locked: readonly LockedPlugin[]) => Promise<Check[]>;
  /** Called as each check completes, so a human sees progress on a slow health check. */
  onCheck?: (check: Check) => void;
}

/** Order of seriousness of failing checks' exit classes: the command exits with the first present. */
const SEVERITY: readonly ExitCode[] = [
  Exit.verification,
  Exit.invalidInput,
  Exit.pluginFailed,
  Exit.timeout,
  Exit.unexpected,
];

/** The exit code for a set of checks: 0 when none fails, else the most serious failing class. */
export function doctorExit(checks: readonly Check[]): ExitCode {
  const classes = new Set(checks.filter((c) => c.status === "fail").map((c) => c.exit ?? Exit.unexpected));
  if (classes.size === 0) return Exit.ok;
  return SEVERITY.find((e) => classes.has(e)) ?? Exit.unexpected;
}

const STATUS_RANK: Record<CheckStatus, number> = { ok: 0, warn: 1, fail: 2 };

function worst(a: CheckStatus, b: CheckStatus): CheckStatus {
  return STATUS_RANK[b] > STATUS_RANK[a] ? b : a;
}

function short(sha: string): string {
  return sha.slice(0, 12);
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** `path` relative to the project root, for messages (absolute paths stay in `details`). */
function rel(root: string, path: string): string {
  return path.startsWith(root + "/") ? path.slice(root.length + 1) : path;
}

/** Runs every check; never throws for a broken project (that is what it reports). */
export async function runDoctor(opts: DoctorOptions): Promise<DoctorReport> {
  const { root } = opts;
  const checks: Check[] = [];
  const add = (c: Check): Check => {
    checks.push(c);
    opts.onCheck?.(c);
    return c;
  };
  const paths = projectPaths(root);

  // samuel.toml: the cache budget comes from it, so a broken one still leaves a default to check against.
  let config: ProjectConfig | undefined;
  try {
    config = await loadConfig(root);
    add(
      config.warnings.length === 0
        ? { id: "project.config", status: "ok", message: "samuel.toml is valid" }
        : {
          id: "project.config",
          status: "warn",
          message: `samuel.toml is valid with ${config.warnings.length} warning` +
            `${config.warnings.length === 1 ? "" : "s"}: ${config.warnings[0]}`,
          fix: "remove or correct the keys named in the warnings (samuel ignores them)",
          details: { warnings: config.warnings },
        },
    );
  } catch (e) {
    add(failFrom("project.config", e, Exit.invalidInput));
  }

  let plugins: LockedPlugin[] = [];
  let lockRead = false;
  try {
    const lock = await readLockfileIfExists(root);
    plugins = lock?.plugins ?? [];
    lockRead = true;
    add({
      id: "project.lockfile",
      status: "ok",
      message: lock
        ? `samuel.lock is valid (${plugins.length} plugin${plugins.length === 1 ? "" : "s"})`
        : "no samuel.lock yet: nothing is installed",
    });
  } catch (e) {
    add(failFrom("project.lockfile", e, Exit.invalidInput));
  }

  if (config?.exists) {
    add(
      await existsQuiet(paths.stateGitignore)
        ? { id: "project.gitignore", status: "ok", message: ".samuel/.gitignore is present" }
        : {
          id: "project.gitignore",
          status: "warn",
          message: `.samuel/.gitignore is missing: installed plugins would show up in git`,
          fix: `create it with the two lines \`*\` and \`!.gitignore\` (what \`samuel init\` writes)`,
        },
    );
    // Against a lock that did not parse, every requested plugin would look "not installed".
    if (lockRead) add(consistency(config, plugins));
  }

  if (hasPendingTransaction(root)) {
    const left = leftoverFolders(root);
    add(
      hasJournal(root)
        ? {
          id: "project.transaction",
          status: "warn",
          message: "an interrupted install/uninstall left a transaction journal in .samuel/",
          fix: "run `samuel ls` (it rolls the change back when no other samuel is running), then retry",
        }
        : {
          id: "project.transaction",
          status: "warn",
          message: `a killed install, update or uninstall left ${left.length} temporary folder(s) in ` +
            `.samuel/plugins/: ${left.join(", ")}`,
          fix:
            "the next `samuel install`, `update` or `uninstall` (or `samuel ls`) removes them when no other " +
            "samuel is running; or delete them yourself: rm -rf .samuel/plugins/.staging-* .samuel/plugins/.txn-old-*",
        },
    );
  }

  const budget = config?.wasm.cacheBudget ?? DEFAULT_CACHE_BUDGET;
  const cache = new ModuleCache(homePaths(opts.home).wasmCache, budget);

  // Verified before the plugins' health() runs, which would otherwise quietly rebuild a corrupt entry
  // they load; reported with the other cache checks at the end.
  let corrupt: string[] | undefined;
  let verifyError: unknown;
  try {
    corrupt = await cache.verifyAll();
  } catch (e) {
    verifyError = e;
  }

  const summaries: PluginSummary[] = [];
  for (const entry of plugins) {
    const before = checks.length;
    const health = await checkPlugin(root, entry, cache, opts.runHealth ?? true, add);
    const status = checks.slice(before).reduce((s, c) => worst(s, c.status), "ok" as CheckStatus);
    summaries.push({ name: entry.name, version: entry.version, kind: entry.kind, status, health });
  }

  if (opts.sourceChecks) {
    try {
      for (const c of await opts.sourceChecks(plugins)) add(c);
    } catch (e) {
      add(failFrom("source", e, Exit.unexpected));
    }
  }

  const deno = Deno.version.deno;
  add(
    deno.startsWith("2.9.")
      ? { id: "runtime.deno", status: "ok", message: `Deno ${deno} (V8 ${Deno.version.v8})` }
      : {
        id: "runtime.deno",
        status: "warn",
        message: `Deno ${deno}: samuel is built and tested on Deno 2.9 (pinned ${DENO_PIN})`,
        fix: `use Deno ${DENO_PIN} (scripts/ensure-deno.sh installs it), or the samuel binary`,
      },
  );

  const trust = await trustRootCheck(root, config, opts.home);
  add(trust.check);

  if (corrupt) {
    add(
      corrupt.length === 0
        ? { id: "cache.integrity", status: "ok", message: "every module cache entry matches its digest" }
        : {
          id: "cache.integrity",
          status: "warn",
          message: `${corrupt.length} corrupt module cache entr${
            corrupt.length === 1 ? "y was" : "ies were"
          } found and removed; they are rebuilt from the verified modules on next use`,
          fix: "nothing to do; if it recurs, check the disk holding $SAMUEL_HOME",
          details: { removed: corrupt },
        },
    );
  } else {
    add(failFrom("cache.integrity", verifyError, Exit.unexpected));
  }

  const stats = cache.stats();
  add(
    stats.used_bytes <= stats.budget_bytes
      ? {
        id: "cache.budget",
        status: "ok",
        message: `${stats.modules} module${stats.modules === 1 ? "" : "s"}, ${
          formatByteSize(stats.used_bytes)
        } of ${formatByteSize(stats.budget_bytes)}`,
      }
      : {
        id: "cache.budget",
        status: "warn",
        message: `the module cache uses ${formatByteSize(stats.used_bytes)}, over its budget of ${
          formatByteSize(stats.budget_bytes)
        } (a module larger than the budget is kept while it is the one in use)`,
        fix: "raise [wasm] cache_budget in samuel.toml",
      },
  );

  const summary = { ok: 0, warn: 0, fail: 0 };
  for (const c of checks) summary[c.status]++;
  return { root, checks, plugins: summaries, wasm_cache_stats: stats, trust_root: trust.trustRoot, summary };
}

/** A failing check from a thrown error (a SamuelError keeps its message, fix and exit class). */
function failFrom(id: string, e: unknown, fallback: ExitCode, plugin?: string): Check {
  const c: Check = isSamuelError(e)
    ? {
      id,
      status: "fail",
      message: e.message,
      fix: e.fix,
      details: e.reason === undefined && e.details === undefined
        ? undefined
        : { code: e.code, cause: e.reason, details: e.details },
      exit: e.exit,
    }
    : { id, status: "fail", message: errorMessage(e), exit: fallback };
  if (plugin) c.plugin = plugin;
  return c;
}

function consistency(config: ProjectConfig, locked: LockedPlugin[]): Check {
  const lockedNames = new Set(locked.map((p) => p.name));
  const requested = new Set(config.plugins.map((p) => p.name));
  const notInstalled = [...requested].filter((n) => !lockedNames.has(n)).sort();
  const notRequested = [...lockedNames].filter((n) => !requested.has(n)).sort();
  if (notInstalled.length === 0 && notRequested.length === 0) {
    return {
      id: "project.plugins",
      status: "ok",
      message: "samuel.toml and samuel.lock list the same plugins",
    };
  }
  const parts: string[] = [];
  if (notInstalled.length) parts.push(`in samuel.toml but not installed: ${notInstalled.join(", ")}`);
  if (notRequested.length) parts.push(`in samuel.lock but not in samuel.toml: ${notRequested.join(", ")}`);
  return {
    id: "project.plugins",
    status: "warn",
    message: parts.join("; "),
    fix: notInstalled.length
      ? `install them (e.g. \`samuel install ${
        config.plugins.find((p) => p.name === notInstalled[0])!.source
      }\`) or remove their [[plugins]] entries`
      : "reinstall them with `samuel install SOURCE` (which records the request), or uninstall them",
    details: { not_installed: notInstalled, not_in_config: notRequested },
  };
}

/** The checks of one locked plugin; returns its health summary. */
async function checkPlugin(
  root: string,
  entry: LockedPlugin,
  cache: ModuleCache,
  runHealth: boolean,
  add: (c: Check) => Check,
): Promise<PluginHealth | null> {
  const name = entry.name;
  const dir = pluginDir(root, name);
  const id = (what: string) => `plugin.${name}.${what}`;
  const reinstall = "run `samuel install` to restore exactly what samuel.lock records";

  if (!(await existsQuiet(dir))) {
    add({
      id: id("files"),
      status: "fail",
      plugin: name,
      message: `${name} is in samuel.lock but ${rel(root, dir)} is missing`,
      fix: `${reinstall} (.samuel/ is not committed; it is rebuilt from the lock)`,
      exit: Exit.invalidInput,
    });
    return null;
  }
  add({ id: id("files"), status: "ok", plugin: name, message: `${rel(root, dir)} is present` });

  // The manifest copy: present, the bytes the lock pins, and still valid for this samuel.
  const manifestFile = join(dir, "samuel-plugin.toml");
  let manifestText: string;
  try {
    manifestText = await Deno.readTextFile(manifestFile);
  } catch {
    add({
      id: id("manifest"),
      status: "fail",
      plugin: name,
      message: `${rel(root, manifestFile)} is missing`,
      fix: reinstall,
      exit: Exit.invalidInput,
    });
    return null;
  }
  const manifestSha = await sha256Hex(manifestText);
  if (manifestSha !== entry.sha256.manifest) {
    add({
      id: id("manifest"),
      status: "fail",
      plugin: name,
      message: `${rel(root, manifestFile)} does not match samuel.lock (sha256 ${
        short(manifestSha)
      }…, locked ${short(entry.sha256.manifest)}…)`,
      fix: `the installed manifest was changed after install: ${reinstall}`,
      details: { file: manifestFile, actual: manifestSha, locked: entry.sha256.manifest },
      exit: Exit.verification,
    });
    return null;
  }
  const parsed = await parseManifest(manifestText, { file: manifestFile });
  const errors = parsed.problems.filter((p: Problem) => p.severity === "error");
  const manifest = parsed.manifest;
  if (!manifest || manifest.kind !== entry.kind) {
    add({
      id: id("manifest"),
      status: "fail",
      plugin: name,
      message: manifest
        ? `${rel(root, manifestFile)} declares kind ${manifest.kind}, samuel.lock says ${entry.kind}`
        : `the manifest is not valid: ${errors.map(formatProblem).join("; ")}`,
      fix: errors[0]?.fix ?? reinstall,
      details: { problems: parsed.problems },
      exit: Exit.invalidInput,
    });
    return null;
  }
  add({
    id: id("manifest"),
    status: "ok",
    plugin: name,
    message: `manifest ${manifest.name} ${manifest.version} is valid and matches samuel.lock`,
  });

  if (manifest.kind === "skill") {
    const skillEntry = join(dir, manifest.skill.entry);
    add(
      await existsQuiet(skillEntry)
        ? { id: id("skill"), status: "ok", plugin: name, message: `${rel(root, skillEntry)} is present` }
        : {
          id: id("skill"),
          status: "fail",
          plugin: name,
          message: `the skill's entry ${rel(root, skillEntry)} is missing`,
          fix: reinstall,
          exit: Exit.invalidInput,
        },
    );
    return null;
  }

  const moduleFile = join(dir, manifest.wasm.module);
  let source: Uint8Array | undefined;
  try {
    source = await Deno.readFile(moduleFile);
  } catch {
    add({
      id: id("module"),
      status: "fail",
      plugin: name,
      message: `${rel(root, moduleFile)} is missing`,
      fix: reinstall,
      exit: Exit.invalidInput,
    });
  }
  let moduleOk = false;
  if (source) {
    const sha = await sha256Hex(source);
    moduleOk = sha === entry.sha256.module;
    add(
      moduleOk
        ? {
          id: id("module"),
          status: "ok",
          plugin: name,
          message: `${manifest.wasm.module} matches samuel.lock (sha256 ${short(sha)}…)`,
        }
        : {
          id: id("module"),
          status: "fail",
          plugin: name,
          message: `${rel(root, moduleFile)} does not match samuel.lock (sha256 ${short(sha)}…, locked ${
            short(entry.sha256.module)
          }…)`,
          fix: `the installed module was changed after install: ${reinstall}`,
          details: { file: moduleFile, actual: sha, locked: entry.sha256.module },
          exit: Exit.verification,
        },
    );
  }

  if (!manifest.wasm.exports.includes("health")) {
    add({ id: id("health"), status: "ok", plugin: name, message: "ok (no health export)" });
    return null;
  }
  if (!moduleOk || !source) {
    add({
      id: id("health"),
      status: "warn",
      plugin: name,
      message: "health() not run: the installed module does not match samuel.lock",
      fix: reinstall,
    });
    return { outcome: "skipped", return_code: null, ms: null };
  }
  if (!runHealth) return null;
  return await checkHealth(root, entry, source, cache, id("health"), add);
}

/** Runs `health()` in the sandbox, exactly as `samuel run NAME health` would. */
async function checkHealth(
  root: string,
  entry: LockedPlugin,
  source: Uint8Array,
  cache: ModuleCache,
  id: string,
  add: (c: Check) => Check,
): Promise<PluginHealth> {
  const name = entry.name;
  const t0 = performance.now();
  try {
    const variant = cacheVariant(entry.capabilities.maxMemory);
    // Doctor observes the cache without changing it: no stats recorded (they describe `samuel run`), no
    // recency touched, nothing stored.
    const found = await cache.load(entry.sha256.module, variant, { touch: false });
    let bytes: Uint8Array;
    let info: ModuleInfo;
    if (found.entry) {
      bytes = found.entry.bytes;
      info = found.entry.meta.info as ModuleInfo;
    } else {
      // `source` was just hashed equal to the lock's digest: what install verified.
      const built = buildForCache(entry.capabilities.maxMemory)(source);
      bytes = built.bytes;
      info = built.info as ModuleInfo;
    }
    const { sandboxFromGrants } = await import("../runtime/sandbox_spec.ts");
    const { runInSandbox } = await import("../runtime/sandbox.ts");
    const spec = sandboxFromGrants({
      pluginName: name,
      exportName: "health",
      grants: entry.capabilities,
      projectRoot: root,
      getEnv: (k) => Deno.env.get(k),
    });
    const module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
    const r = await runInSandbox(module, info, { spec, exportName: "health", input: new Uint8Array() });
    const ms = Math.round((performance.now() - t0) * 10) / 10;
    const health: PluginHealth = { outcome: r.outcome, return_code: r.returnCode ?? null, ms };
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
      add({ id, status: "ok", plugin: name, message: `health() returned 0 in ${ms} ms`, details });
    } else {
      const what = r.outcome === "plugin_error"
        ? `health() returned ${r.returnCode}`
        : r.outcome === "trap"
        ? `health() trapped: ${r.trap?.message ?? r.message}`
        : r.outcome === "timeout"
        ? `health() timed out: ${r.message}`
        : `health() failed (${r.outcome}): ${r.message}`;
      const stderr = details.stderr.trim().split("\n")[0];
      add({
        id,
        status: "fail",
        plugin: name,
        message: stderr ? `${what}; stderr: ${stderr}` : what,
        fix: `see \`samuel run ${name} health\` for its full output; the code is the plugin's own: ` +
          "ask its author, or update it with `samuel update`",
        details,
        exit: r.outcome === "timeout" ? Exit.timeout : Exit.pluginFailed,
      });
    }
    return health;
  } catch (e) {
    const ms = Math.round((performance.now() - t0) * 10) / 10;
    add({
      ...failFrom(id, e, Exit.unexpected, name),
      message: `health() could not be run: ${errorMessage(e)}`,
      fix: "re-run with --verbose; if it persists, report it with the plugin's name and version",
    });
    return { outcome: "error", return_code: null, ms };
  }
}
