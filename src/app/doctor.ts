/**
 * `samuel doctor`'s checks, as data (DESIGN.md sections 3, 6, 7): the project files, every installed
 * plugin, the Deno runtime and the module cache. Each check is `{ id, status, message, fix?, details? }`
 * with a stable `id` (`doctor_check.ts`); the CLI renders them (src/cli/commands/doctor.ts). `doctor(cwd)`
 * is the verb, `doctorVerdict` its exit code and failure.
 *
 * Checks, in order:
 * - `project.config`: samuel.toml exists and parses (its warnings, e.g. unknown keys: warn);
 * - `project.lockfile`: samuel.lock parses (absent: ok, nothing installed);
 * - `project.gitignore`: `.samuel/.gitignore` is present (warn: installed files would show in git);
 * - `project.plugins`: samuel.toml's `[[plugins]]` and samuel.lock agree (warn);
 * - `project.transaction`: no interrupted install left behind (warn);
 * - per locked plugin `<name>` (`doctor_plugin.ts`): `plugin.<name>.files` (installed folder present),
 *   `.manifest` (present, sha256 equal to the lock's, valid under a full parse, including the framework
 *   range this samuel must satisfy), `.module` (wasm: present and sha256 equal to the lock's) or `.skill`
 *   (skill: its entry file present), `.health` (wasm: `health()` run in the real sandbox with the plugin's
 *   granted capabilities and limits; a plugin that declares no `health` export is ok);
 * - `source.*`, only when the caller passes `sourceChecks` (the CLI does in a plugin's own folder, see
 *   `doctor_source.ts`): the folder's manifest, built module and whether the installed copy is it;
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

import { type ErrorInfo, Exit, type ExitCode, type SamCode } from "../errors.ts";
import { DEFAULT_CACHE_BUDGET, formatByteSize, loadConfig, type ProjectConfig } from "../project/config.ts";
import { type LockedPlugin, readLockfileIfExists } from "../project/lockfile.ts";
import { homePaths, projectPaths, projectRoot } from "../project/paths.ts";
import { DENO_PIN } from "../version.ts";
import { type CacheStats, ModuleCache } from "../store/module_cache.ts";
import { hasJournal, hasPendingTransaction, leftoverFolders } from "../store/transaction.ts";
import { existsQuiet } from "../project/fs.ts";
import type { TrustRootInfo } from "../verify/trust_source.ts";
import { type AddCheck, type Check, type CheckStatus, failFrom, worst } from "./doctor_check.ts";
import { checkPlugin, type PluginHealth } from "./doctor_plugin.ts";
import { trustRootCheck } from "./doctor_trust.ts";

export type { Check, CheckStatus, PluginHealth };

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

/** "N checks failed", one code per exit class, so that a code has one exit (src/errors/catalogue.ts). */
const VERDICT_CODE = {
  [Exit.invalidInput]: "SAM-DOCTOR-001",
  [Exit.verification]: "SAM-DOCTOR-002",
  [Exit.pluginFailed]: "SAM-DOCTOR-003",
  [Exit.timeout]: "SAM-DOCTOR-004",
  [Exit.unexpected]: "SAM-DOCTOR-005",
} as const satisfies Partial<Record<ExitCode, SamCode>>;

/** The exit classes a failing doctor run can have. */
type FailExit = keyof typeof VERDICT_CODE;

/** Order of seriousness of failing checks' exit classes: the command exits with the first present. */
const SEVERITY: readonly FailExit[] = [
  Exit.verification,
  Exit.invalidInput,
  Exit.pluginFailed,
  Exit.timeout,
  Exit.unexpected,
];

/** The exit code for a set of checks: 0 when none fails, else the most serious failing class. */
export function doctorExit(checks: readonly Check[]): FailExit | typeof Exit.ok {
  const classes = new Set<ExitCode>(
    checks.filter((c) => c.status === "fail").map((c) => c.exit ?? Exit.unexpected),
  );
  if (classes.size === 0) return Exit.ok;
  return SEVERITY.find((e) => classes.has(e)) ?? Exit.unexpected;
}

/**
 * `samuel doctor` run in `cwd`: the checks of its project, and, in a plugin's own folder (the author
 * guide's path), the checks of the plugin source there (`doctor_source.ts`).
 */
export async function doctor(cwd: string): Promise<DoctorReport> {
  const root = projectRoot(cwd);
  const { isPluginFolder, pluginSourceChecks } = await import("./doctor_source.ts");
  const sourceChecks = await isPluginFolder(cwd)
    ? (locked: readonly LockedPlugin[]) => pluginSourceChecks(cwd, locked)
    : undefined;
  return await runDoctor({ root, sourceChecks });
}

/**
 * The command's outcome for a report: exit 0 when no check fails (with `strict`, a warning counts as a
 * failure of class 2), else the most serious failing class and its `SAM-DOCTOR-00N` ("N checks failed").
 */
export function doctorVerdict(report: DoctorReport, strict: boolean): { exit: number; error?: ErrorInfo } {
  const worst = doctorExit(report.checks);
  const failed = report.checks.filter((c) => c.status === "fail" || (strict && c.status === "warn"));
  if (failed.length === 0) return { exit: worst };
  const exit = worst === Exit.ok ? Exit.invalidInput : worst;
  const n = failed.length;
  return {
    exit,
    error: {
      code: VERDICT_CODE[exit],
      message: `${n} check${n === 1 ? "" : "s"} failed${
        strict && report.summary.fail < n ? " (--strict)" : ""
      }`,
      cause: failed.map((c) => `${c.id}: ${c.message}`).join("\n"),
      fix: "see the checks above (or data.checks with --json): each says how to fix it",
    },
  };
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
  const { config, plugins } = await projectChecks(root, add);

  const cache = new ModuleCache(
    homePaths(opts.home).wasmCache,
    config?.wasm.cacheBudget ?? DEFAULT_CACHE_BUDGET,
  );
  // Verified before the plugins' health() runs, which would otherwise quietly rebuild a corrupt entry
  // they load; reported with the other cache checks at the end.
  const integrity = await cache.verifyAll().then((corrupt) => ({ corrupt }), (error) => ({ error }));

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

  add(denoCheck());
  const trust = await trustRootCheck(root, config, opts.home);
  add(trust.check);
  add(
    "corrupt" in integrity
      ? integrityCheck(integrity.corrupt)
      : failFrom("cache.integrity", integrity.error, Exit.unexpected),
  );
  const stats = cache.stats();
  add(budgetCheck(stats));

  const summary = { ok: 0, warn: 0, fail: 0 };
  for (const c of checks) summary[c.status]++;
  return { root, checks, plugins: summaries, wasm_cache_stats: stats, trust_root: trust.trustRoot, summary };
}

/**
 * The `project.*` checks; returns the config (undefined when samuel.toml is broken: the cache budget then
 * falls back to the default) and the locked plugins (none when samuel.lock is broken).
 */
async function projectChecks(
  root: string,
  add: AddCheck,
): Promise<{ config: ProjectConfig | undefined; plugins: LockedPlugin[] }> {
  let config: ProjectConfig | undefined;
  try {
    config = await loadConfig(root);
    add(configCheck(config));
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
    add(await gitignoreCheck(root));
    // Against a lock that did not parse, every requested plugin would look "not installed".
    if (lockRead) add(consistency(config, plugins));
  }
  if (hasPendingTransaction(root)) add(transactionCheck(root));
  return { config, plugins };
}

function configCheck(config: ProjectConfig): Check {
  return config.warnings.length === 0
    ? { id: "project.config", status: "ok", message: "samuel.toml is valid" }
    : {
      id: "project.config",
      status: "warn",
      message: `samuel.toml is valid with ${config.warnings.length} warning` +
        `${config.warnings.length === 1 ? "" : "s"}: ${config.warnings[0]}`,
      fix: "remove or correct the keys named in the warnings (samuel ignores them)",
      details: { warnings: config.warnings },
    };
}

async function gitignoreCheck(root: string): Promise<Check> {
  return await existsQuiet(projectPaths(root).stateGitignore)
    ? { id: "project.gitignore", status: "ok", message: ".samuel/.gitignore is present" }
    : {
      id: "project.gitignore",
      status: "warn",
      message: `.samuel/.gitignore is missing: installed plugins would show up in git`,
      fix: `create it with the two lines \`*\` and \`!.gitignore\` (what \`samuel init\` writes)`,
    };
}

/** A transaction left behind: its journal, or only the temporary folders of a killed process. */
function transactionCheck(root: string): Check {
  if (hasJournal(root)) {
    return {
      id: "project.transaction",
      status: "warn",
      message: "an interrupted install/uninstall left a transaction journal in .samuel/",
      fix: "run `samuel ls` (it rolls the change back when no other samuel is running), then retry",
    };
  }
  const left = leftoverFolders(root);
  return {
    id: "project.transaction",
    status: "warn",
    message: `a killed install, update or uninstall left ${left.length} temporary folder(s) in ` +
      `.samuel/plugins/: ${left.join(", ")}`,
    fix: "the next `samuel install`, `update` or `uninstall` (or `samuel ls`) removes them when no other " +
      "samuel is running; or delete them yourself: rm -rf .samuel/plugins/.staging-* .samuel/plugins/.txn-old-*",
  };
}

function denoCheck(): Check {
  const deno = Deno.version.deno;
  return deno.startsWith("2.9.")
    ? { id: "runtime.deno", status: "ok", message: `Deno ${deno} (V8 ${Deno.version.v8})` }
    : {
      id: "runtime.deno",
      status: "warn",
      message: `Deno ${deno}: samuel is built and tested on Deno 2.9 (pinned ${DENO_PIN})`,
      fix: `use Deno ${DENO_PIN} (scripts/ensure-deno.sh installs it), or the samuel binary`,
    };
}

function integrityCheck(corrupt: string[]): Check {
  return corrupt.length === 0
    ? { id: "cache.integrity", status: "ok", message: "every module cache entry matches its digest" }
    : {
      id: "cache.integrity",
      status: "warn",
      message: `${corrupt.length} corrupt module cache entr${
        corrupt.length === 1 ? "y was" : "ies were"
      } found and removed; they are rebuilt from the verified modules on next use`,
      fix: "nothing to do; if it recurs, check the disk holding $SAMUEL_HOME",
      details: { removed: corrupt },
    };
}

function budgetCheck(stats: CacheStats): Check {
  return stats.used_bytes <= stats.budget_bytes
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
    };
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
