/**
 * The `run` use case (DESIGN.md sections 4 and 5): run installed plugins' exports behind both walls,
 * with plain options in and results out; `src/cli/commands/run.ts` maps argv to these options and renders
 * what comes back.
 *
 * One plugin (`runPlugin`), in this order, because the process narrows itself and cannot widen again:
 * 1. everything samuel itself needs: the lock entry, the sandbox spec (granted environment values are
 *    read here, once), the installed manifest and module checked against samuel.lock, the module-cache
 *    entry, the compiled module and its integrity check (store/runnable.ts);
 * 2. the outer wall: the process narrows itself to the grants (runtime/wall.ts) and the guest runs in this
 *    isolate; a plugin granted network hosts, or a process that cannot narrow (started with `-A` or the
 *    bare `--allow-read`), gets a sandbox Worker instead, started before step 1 so it boots meanwhile;
 * 3. the invocation and its report (runtime/invoke.ts), classified into an exit code and a coded error.
 * A module large enough for compile hints (runtime/preprocess/compile_hints.ts) is compiled with its export's
 * recorded profile appended; without one, the run runs the profiling copy instead and records the profile
 * (store/compile_profile.ts) through a file opened before narrowing (behind a Worker, the Worker sends the
 * marks back), so the next run is hinted. `cache.hints` in the result says which (`used`, `recorded`,
 * `none`).
 * Every module the steps after narrowing use is imported statically here, so no lazy `import()` runs in
 * a narrowed process.
 *
 * Several plugins (`runAll`, `samuel run --all EXPORT`): when every target has the same filesystem
 * grants and no network, all are loaded first and then run in this process narrowed once; otherwise each
 * runs in a pooled Worker per distinct permission set (runtime/sandbox.ts `SandboxPool`). One plugin's
 * failure never stops the others.
 */

import { type ErrorInfo, Exit, exitOf, isSamuelError, SamuelError, samuelError } from "../errors.ts";
import type { LockedPlugin } from "../project/lockfile.ts";
import {
  confirmRunnable,
  installedManifest,
  type LoadOptions,
  loadRunnable,
  lockedPlugin,
  prefetchModule,
  runLock,
  type RunnablePlugin,
} from "../store/runnable.ts";
import { type InvocationResult, invoke } from "../runtime/invoke.ts";
import type { LogLine } from "../runtime/host/report.ts";
import { calledFunctions } from "../runtime/call_marks_read.ts";
import { Sandbox, SandboxError, SandboxPool } from "../runtime/sandbox.ts";
import {
  missingPreopens,
  sandboxFromGrants,
  type SandboxSpec,
  type WallGrants,
  wallGrants,
} from "../runtime/sandbox_spec.ts";
import { cannotNarrow, chooseWall, narrowProcess, type Wall, WallError } from "../runtime/wall.ts";
import { RunIndex } from "../store/run_index.ts";
import { type HintUse, worthHinting } from "../runtime/preprocess/compile_hints.ts";
import { appendSection } from "../runtime/preprocess/custom_section.ts";
import { entryProfile, ProfileRecorder, profilingCopy } from "../store/compile_profile.ts";

export interface RunOptions extends LoadOptions {
  root: string;
  /** The guest's stdin. */
  input: Uint8Array;
  /** `--timeout`: overrides the plugin's hard timeout. */
  hardTimeoutMs?: number;
  /** The host environment (granted keys are copied from it before narrowing). */
  getEnv: (key: string) => string | undefined;
  /** Guest log lines, as they happen. */
  onLog?: (plugin: string, line: LogLine) => void;
  /** Detail for `--verbose` (which wall, and why). */
  onDebug?: (text: string) => void;
}

export interface RunTimings {
  /** Creating the sandbox Worker (`new Worker` blocks the thread while its isolate is made); 0 without. */
  sandbox_ms: number;
  /** Lock, manifest, module checks, cache and compile (everything before the wall but the Worker). */
  load_ms: number;
  /** Narrowing the process (0 behind a Worker). */
  narrow_ms: number;
  instantiate_ms: number;
  init_ms: number;
  call_ms: number;
  total_ms: number;
  /** Which outer wall the guest ran behind. */
  wall: Wall["kind"];
}

/** One plugin's run: what happened, and how it maps to an exit code and a coded error. */
export interface PluginRun {
  entry: LockedPlugin;
  exportName: string;
  result: InvocationResult;
  cache: { hit: boolean; rebuilt: string | null; hints: HintUse };
  wall: Wall;
  timings: RunTimings;
  error?: ErrorInfo;
  exit: number;
}

/** A plugin of `--all` that could not even start (broken install, bad grant, ...). */
export interface PluginRunFailure {
  entry: LockedPlugin;
  exportName: string;
  error: SamuelError;
}

export interface AllRun {
  exportName: string;
  results: (PluginRun | PluginRunFailure)[];
  summary: { ok: number; failed: number; timed_out: number };
  exit: number;
  error?: ErrorInfo;
  wall: Wall;
}

/** A plugin loaded and compiled, ready to run behind a wall. */
interface Prepared {
  entry: LockedPlugin;
  spec: SandboxSpec;
  grants: WallGrants;
  plugin: RunnablePlugin;
  module: WebAssembly.Module;
  exportName: string;
  /** Set when `module` is the profiling copy: where its marks are recorded after the run. */
  recorder?: ProfileRecorder;
  hints: HintUse;
  t0: number;
  sandboxMs: number;
  loadMs: number;
}

/** Runs one export of one installed plugin (default: its first declared export). */
export async function runPlugin(options: RunOptions, name: string, exportArg?: string): Promise<PluginRun> {
  const t0 = performance.now();
  const opts: RunOptions = { ...options, index: options.index ?? RunIndex.open(options.root) };
  const entry = await lockedPlugin(opts.root, name, opts.index);
  // The cached module is read in the background while the grants, the manifest and the stamp are checked.
  opts.prefetch = prefetchModule(entry);
  const spec = specFor(opts, entry, exportArg);
  const wall = chooseWall(spec);
  const grants = wallGrants(spec);
  opts.onDebug?.(describeWall(wall, grants));
  // A Worker's permissions depend only on the grants: start it first, so it boots while the module is
  // loaded and compiled here.
  const tSandbox = performance.now();
  const sandbox = wall.kind === "worker" ? new Sandbox(spec, { grants }) : undefined;
  const sandboxMs = performance.now() - tSandbox;
  let prepared: Prepared;
  try {
    prepared = await prepare(opts, entry, spec, grants, exportArg, t0, sandboxMs);
  } catch (e) {
    sandbox?.close();
    throw e;
  }
  opts.index?.save();
  if (wall.kind === "process") return await inProcess(opts, prepared, wall, true);
  return await inWorker(opts, prepared, wall, sandbox!);
}

/** Progress callbacks of `runAll`: a plugin is about to run; a plugin's result is in. */
export interface AllRunHooks {
  onStart?: (entry: LockedPlugin) => void;
  onDone?: (run: PluginRun | PluginRunFailure) => void;
}

/** Runs `exportName` of every installed wasm plugin that declares it, one after another. */
export async function runAll(opts: RunOptions, exportName: string, hooks: AllRunHooks = {}): Promise<AllRun> {
  opts = { ...opts, index: opts.index ?? RunIndex.open(opts.root) };
  const targets = await allTargets(opts.root, exportName, opts.index);
  const specs = targets.map((entry) => {
    try {
      return specFor(opts, entry, exportName);
    } catch (e) {
      return asFailure(entry, exportName, e);
    }
  });
  const wall = sharedWall(specs);
  opts.onDebug?.(
    wall.kind === "process"
      ? `outer wall: this process, narrowed once for all ${targets.length} plugins (identical grants)`
      : `outer wall: pooled sandbox Workers, one per distinct permission set (${wall.reason})`,
  );
  const tally = new AllTally(hooks);
  if (wall.kind === "process") await runAllInProcess(opts, targets, specs, exportName, wall, tally);
  else await runAllPooled(opts, targets, specs, exportName, tally);
  return tally.outcome(exportName, targets.length, wall);
}

/** The results of `--all` as they come in, counted by exit code. */
class AllTally {
  readonly results: (PluginRun | PluginRunFailure)[] = [];
  readonly summary = { ok: 0, failed: 0, timed_out: 0 };

  constructor(readonly hooks: AllRunHooks) {}

  record(r: PluginRun | PluginRunFailure): void {
    this.results.push(r);
    const exit = "result" in r ? r.exit : r.error.exit;
    if (exit === Exit.ok) this.summary.ok++;
    else if (exit === Exit.timeout) this.summary.timed_out++;
    else this.summary.failed++;
    this.hooks.onDone?.(r);
  }

  /** The whole run: failures outrank time-outs in the exit code; one coded error sums them up. */
  outcome(exportName: string, nTargets: number, wall: Wall): AllRun {
    const { results, summary } = this;
    const exit = summary.failed > 0 ? Exit.pluginFailed : summary.timed_out > 0 ? Exit.timeout : Exit.ok;
    const out: AllRun = { exportName, results, summary, exit, wall };
    if (exit !== Exit.ok) {
      out.error = {
        code: exit === Exit.timeout ? "SAM-RUN-012" : "SAM-RUN-010",
        message: `${
          summary.failed + summary.timed_out
        } of ${nTargets} plugins did not succeed on ${exportName}`,
        cause: `${summary.failed} failed, ${summary.timed_out} timed out, ${summary.ok} ok`,
        fix: "see each plugin's result above (or in data.results with --json)",
      };
    }
    return out;
  }
}

/** `--all` in this process: every plugin is loaded, then the process narrows once and runs them in turn. */
async function runAllInProcess(
  opts: RunOptions,
  targets: LockedPlugin[],
  specs: (SandboxSpec | PluginRunFailure)[],
  exportName: string,
  wall: Wall,
  tally: AllTally,
): Promise<void> {
  // Everything is loaded before the one narrowing: after it, $SAMUEL_HOME and the lock are out of reach.
  const ready: (Prepared | PluginRunFailure)[] = [];
  for (let i = 0; i < targets.length; i++) {
    const spec = specs[i];
    if ("error" in spec) {
      ready.push(spec);
      continue;
    }
    const t0 = performance.now();
    ready.push(
      await prepare(opts, targets[i], spec, wallGrants(spec), exportName, t0, 0).catch((e) =>
        asFailure(targets[i], exportName, e)
      ),
    );
  }
  opts.index?.save();
  let narrowed = false;
  for (const item of ready) {
    tally.hooks.onStart?.(item.entry);
    if ("error" in item) {
      tally.record(item);
      continue;
    }
    const first = !narrowed;
    narrowed = true;
    try {
      tally.record(await inProcess(opts, item, wall, first));
    } catch (e) {
      tally.record(asFailure(item.entry, exportName, e));
      // A wall that did not take stops everything: nothing may run wider than its grants.
      if (isSamuelError(e) && e.code === "SAM-RUN-019") break;
    }
  }
}

/** `--all` behind Workers: each plugin in the pool's Worker for its permission set. */
async function runAllPooled(
  opts: RunOptions,
  targets: LockedPlugin[],
  specs: (SandboxSpec | PluginRunFailure)[],
  exportName: string,
  tally: AllTally,
): Promise<void> {
  const pool = new SandboxPool();
  try {
    for (let i = 0; i < targets.length; i++) {
      tally.hooks.onStart?.(targets[i]);
      const spec = specs[i];
      if ("error" in spec) {
        tally.record(spec);
        continue;
      }
      tally.record(
        await pooled(opts, pool, targets[i], spec, exportName).catch((e) =>
          asFailure(targets[i], exportName, e)
        ),
      );
    }
  } finally {
    pool.close();
    opts.index?.save();
  }
}

/** The lock's wasm plugins declaring `exportName` (a plugin whose files are missing is kept: it fails). */
async function allTargets(root: string, exportName: string, index?: RunIndex): Promise<LockedPlugin[]> {
  const lock = await runLock(root, index);
  const targets: LockedPlugin[] = [];
  for (const entry of lock.plugins) {
    if (entry.kind !== "wasm") continue;
    const manifest = await installedManifest(root, entry, { index }).catch(() => undefined);
    if (!manifest || manifest.exports.includes(exportName)) targets.push(entry);
  }
  if (targets.length === 0) {
    throw samuelError("SAM-RUN-007", {
      message: `no installed plugin declares the export ${exportName}`,
      fix: "check the exports with `samuel ls`, or install a plugin that provides it",
    });
  }
  return targets;
}

/** The process wall for `--all` when every target can share it, else the Worker pool. */
function sharedWall(specs: (SandboxSpec | PluginRunFailure)[]): Wall {
  const good = specs.filter((s): s is SandboxSpec => !("error" in s));
  if (good.some((s) => s.hosts.length > 0)) {
    return { kind: "worker", reason: "a plugin is granted network hosts" };
  }
  const keys = new Set(good.map((s) => JSON.stringify(wallGrants(s))));
  if (keys.size > 1) return { kind: "worker", reason: "the plugins have different filesystem grants" };
  const why = cannotNarrow();
  return why === undefined ? { kind: "process" } : { kind: "worker", reason: why };
}

/** The sandbox for one plugin's grants; refuses a granted folder that does not exist. */
function specFor(opts: RunOptions, entry: LockedPlugin, exportArg?: string): SandboxSpec {
  const spec = sandboxFromGrants({
    pluginName: entry.name,
    exportName: exportArg ?? "",
    grants: entry.capabilities,
    projectRoot: opts.root,
    getEnv: opts.getEnv,
    hardTimeoutMs: opts.hardTimeoutMs,
  });
  const missing = missingPreopens(spec);
  if (missing.length > 0) {
    const list = missing.map((p) => `${p.guestPath} (${p.hostPath})`).join(", ");
    throw samuelError("SAM-RUN-017", {
      message: `plugin ${entry.name} is granted ${list}, which ${
        missing.length > 1 ? "are" : "is"
      } not an existing folder`,
      fix: `create ${missing.length > 1 ? "them" : "it"} (e.g. \`mkdir -p ${
        missing[0].hostPath
      }\`) and run again`,
    });
  }
  return spec;
}

/** Loads, checks and compiles the plugin's module (everything before the wall). */
async function prepare(
  opts: RunOptions,
  entry: LockedPlugin,
  spec: SandboxSpec,
  grants: WallGrants,
  exportArg: string | undefined,
  t0: number,
  sandboxMs: number,
): Promise<Prepared> {
  let plugin = await loadRunnable(opts.root, entry, { ...opts, hintsFor: exportArg ?? "" });
  const exports = plugin.manifest.exports;
  const exportName = exportArg ?? exports[0];
  if (!exports.includes(exportName)) {
    throw samuelError("SAM-RUN-003", {
      message: `plugin ${entry.name} does not declare an export named ${exportName}`,
      fix: `use one of: ${exports.join(", ")}`,
    });
  }
  spec.args = [entry.name, exportName];
  const compiled = await compilable(plugin, exportName);
  /** Gives up the hints or the profiling copy: the module as cached, compiled. */
  const asCached = () => {
    compiled.recorder?.close();
    Object.assign(compiled, { bytes: plugin.bytes, recorder: undefined, hints: "none" });
    return new WebAssembly.Module(plugin.bytes as Uint8Array<ArrayBuffer>);
  };
  // The cache entry's hash runs off-thread while V8 compiles; nothing runs before it is confirmed.
  let module: WebAssembly.Module;
  try {
    module = new WebAssembly.Module(compiled.bytes as Uint8Array<ArrayBuffer>);
  } catch (e) {
    // The cached module's own compile error propagates as it always did; a hinted or profiling copy that
    // V8 refused would be samuel's bug, not the plugin's: run the module as cached instead.
    if (compiled.bytes === plugin.bytes) throw e;
    module = asCached();
  }
  const confirmed = await confirmRunnable(opts.root, plugin, opts).catch((e) => {
    compiled.recorder?.close();
    throw e;
  });
  if (confirmed !== plugin) {
    // A rebuilt entry is a new one: it runs unhinted and unprofiled this once.
    plugin = confirmed;
    module = asCached();
  }
  return {
    entry,
    spec,
    grants,
    plugin,
    module,
    exportName,
    recorder: compiled.recorder,
    hints: compiled.hints,
    t0,
    sandboxMs,
    loadMs: performance.now() - t0 - sandboxMs,
  };
}

/**
 * The bytes to compile: the module with its export's recorded hints appended; else, when the module is
 * worth hinting, the profiling copy with its recorder (opened now, before the process narrows: behind a
 * Worker the Worker reads the marks and sends them back); else the module as cached. A profiling copy that
 * cannot be made or recorded is not run: the module runs as cached.
 */
async function compilable(
  plugin: RunnablePlugin,
  exportName: string,
): Promise<{ bytes: Uint8Array; recorder?: ProfileRecorder; hints: HintUse }> {
  if (plugin.profile) return { bytes: appendSection(plugin.bytes, plugin.profile), hints: "used" };
  const plain = { bytes: plugin.bytes, hints: "none" as const };
  if (!worthHinting(plugin.bytes.length)) return plain;
  const copy = await profilingCopy(plugin.bytes, entryProfile(plugin.cacheDir, exportName), "");
  return copy ? { ...copy, hints: "recorded" } : plain;
}

/** Narrows the process (the first time) and runs the guest in this isolate. */
async function inProcess(opts: RunOptions, p: Prepared, wall: Wall, narrow: boolean): Promise<PluginRun> {
  const before = performance.now();
  if (narrow) {
    try {
      narrowProcess(p.grants);
    } catch (e) {
      if (!(e instanceof WallError)) throw e;
      throw samuelError("SAM-RUN-019", {
        message: `the outer wall could not be put in place: ${e.message}`,
        cause: "samuel narrows its own process to the plugin's grants before running it, and did not " +
          "manage to; the plugin was not run",
        fix:
          "run samuel with the flags it ships with (scripts/flags.ts: --allow-read=/ --allow-write=/ ...); " +
          "report this with `samuel version` if it persists",
        inner: e,
      });
    }
  }
  const narrowMs = performance.now() - before;
  const recorder = p.recorder;
  let result: InvocationResult;
  let called: number[] | undefined;
  try {
    result = await invoke(p.module, p.plugin.info, {
      spec: p.spec,
      exportName: p.exportName,
      input: opts.input,
      logSink: opts.onLog ? (line) => opts.onLog!(p.entry.name, line) : undefined,
    }, recorder ? { afterRun: (exports) => called = calledFunctions(exports) } : {});
    if (recorder) recordProfile(opts, p, recorder, result, called);
  } finally {
    recorder?.close();
  }
  return finish(p, result, wall, narrowMs);
}

/**
 * Records the functions the profiling copy entered, unless its limits stopped it (`keepsProfile`); a
 * failure only costs the next run its hints. `p.hints` then says `none`: nothing was recorded.
 */
function recordProfile(
  opts: RunOptions,
  p: Prepared,
  recorder: ProfileRecorder,
  result: InvocationResult,
  called: number[] | undefined,
) {
  const ok = recorder.recordRun(result.outcome, called);
  if (!ok) p.hints = "none";
  opts.onDebug?.(
    ok
      ? `compile profile of ${p.entry.name} ${p.exportName} recorded: ${called!.length} functions`
      : `compile profile of ${p.entry.name} ${p.exportName} not recorded (${result.outcome})`,
  );
}

/** Runs the guest in a sandbox Worker (one-shot: closed when it settles). */
async function inWorker(opts: RunOptions, p: Prepared, wall: Wall, sandbox: Sandbox): Promise<PluginRun> {
  return finish(p, await sandboxRun(opts, p, sandbox), wall, 0);
}

/** `--all` behind Workers: the pool's Worker for this plugin's permissions. */
async function pooled(
  opts: RunOptions,
  pool: SandboxPool,
  entry: LockedPlugin,
  spec: SandboxSpec,
  exportName: string,
): Promise<PluginRun> {
  const t0 = performance.now();
  const grants = wallGrants(spec);
  const sandbox = pool.sandbox(spec, grants);
  const p = await prepare(opts, entry, spec, grants, exportName, t0, performance.now() - t0);
  // (The pool's Worker exists already for a repeated permission set: then sandbox_ms is ~0.)
  return finish(p, await sandboxRun(opts, p, sandbox), { kind: "worker", reason: "run --all" }, 0);
}

async function sandboxRun(opts: RunOptions, p: Prepared, sandbox: Sandbox): Promise<InvocationResult> {
  const recorder = p.recorder;
  let called: number[] | undefined;
  try {
    const result = await sandbox.run(p.module, p.plugin.info, {
      spec: p.spec,
      exportName: p.exportName,
      input: opts.input,
    }, {
      onLog: opts.onLog ? (line) => opts.onLog!(p.entry.name, line) : undefined,
      onCalls: recorder ? (functions) => called = functions : undefined,
    });
    if (recorder) recordProfile(opts, p, recorder, result, called);
    return result;
  } catch (e) {
    if (!(e instanceof SandboxError)) throw e;
    throw samuelError("SAM-RUN-015", {
      message: e.message,
      // The Worker's stack trace is for --verbose (via `inner`), not for every reader.
      cause: e.detail?.split("\n")[0],
      fix: "re-run with --verbose; if it persists, report it with the plugin's name and version",
      inner: e,
    });
  } finally {
    recorder?.close();
  }
}

function finish(p: Prepared, result: InvocationResult, wall: Wall, narrowMs: number): PluginRun {
  const round = (ms: number) => Math.round(ms * 100) / 100;
  const error = failure(p.entry.name, p.exportName, result);
  return {
    entry: p.entry,
    exportName: p.exportName,
    result,
    cache: { hit: p.plugin.cacheHit, rebuilt: p.plugin.rebuilt ?? null, hints: p.hints },
    wall,
    timings: {
      sandbox_ms: round(p.sandboxMs),
      load_ms: round(p.loadMs),
      narrow_ms: round(narrowMs),
      ...result.timings,
      total_ms: round(performance.now() - p.t0),
      wall: wall.kind,
    },
    error,
    exit: error ? exitOf(error.code) : Exit.ok,
  };
}

function asFailure(entry: LockedPlugin, exportName: string, e: unknown): PluginRunFailure {
  const error = isSamuelError(e) ? e : samuelError("SAM-RUN-015", { message: String(e), inner: e });
  return { entry, exportName, error };
}

function describeWall(wall: Wall, grants: WallGrants): string {
  if (wall.kind === "worker") return `outer wall: a sandbox Worker (${wall.reason})`;
  const list = (paths: string[]) => paths.length ? paths.join(", ") : "nothing";
  return `outer wall: this process, narrowed to read ${list(grants.read)}; write ${list(grants.write)}; ` +
    "no env, net, sys, run, ffi or import";
}

/** The coded error for an invocation that did not succeed (undefined when it did). */
function failure(name: string, exportName: string, r: InvocationResult): ErrorInfo | undefined {
  switch (r.outcome) {
    case "ok":
      return undefined;
    case "plugin_error":
      return {
        code: "SAM-RUN-010",
        message: `${name} ${exportName} failed: ${r.message}`,
        cause: "the plugin reported a failure (its own code; see its output and stderr)",
        fix: "read the plugin's output above; the return code is the plugin's own",
      };
    case "trap":
      return {
        code: "SAM-RUN-011",
        message: `${name} ${exportName} trapped: ${r.trap?.message ?? r.message}`,
        cause: r.trap?.backtrace.length
          ? `wasm backtrace:\n    ${r.trap.backtrace.join("\n    ")}`
          : r.message,
        fix: "this is a bug in the plugin: report it to its author with the backtrace",
      };
    case "timeout":
      return {
        code: "SAM-RUN-012",
        message: `${name} ${exportName} timed out: ${r.message}`,
        cause: "the plugin kept running past its hard timeout and was stopped",
        fix: "raise [runtime] hard_timeout in the plugin's manifest, or pass --timeout for this run",
      };
    case "fuel_exhausted":
      return {
        code: "SAM-RUN-013",
        message: `${name} ${exportName} ran out of fuel: ${r.message}`,
        cause: "the plugin used its whole deterministic [runtime] fuel budget",
        fix: "raise [runtime] fuel in the plugin's manifest",
      };
    case "output_limit":
      return {
        code: "SAM-RUN-014",
        message: `${name} ${exportName} wrote too much: ${r.message}`,
        cause: "captured output is capped so a runaway plugin cannot exhaust memory",
        fix: "make the plugin write less, or write large results to a granted file instead",
      };
  }
}
