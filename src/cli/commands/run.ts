/**
 * `samuel run PLUGIN [EXPORT] [--input FILE|-] [--timeout D]` and `samuel run --all EXPORT`: run
 * installed plugins' exports in the sandbox (DESIGN.md sections 4 and 5).
 *
 * Human output: the guest's stdout on stdout, its stderr and log lines (`[plugin] level: msg`) on stderr,
 * and a one-line error when it fails. `--json` data for one plugin:
 * `{ plugin, export, outcome, return_code, exit_code, output, stdout, stderr, trap, cache: { hit },
 *    timings: { sandbox_ms, load_ms, instantiate_ms, init_ms, call_ms, total_ms }, report }`
 * where `output` is stdout parsed as JSON when it is JSON (else the text), and `report` holds denials,
 * log lines, dropped log lines, network calls and peak memory. With `--all`: `{ export, results: [...],
 * summary: { ok, failed, timed_out } }`.
 *
 * Exit codes: 0 ok; 6 the plugin failed (non-zero return, trap, fuel, output cap); 7 it timed out; 2 it
 * cannot run as installed (not installed, unknown export, a granted folder missing, a grant in samuel.lock
 * that is not a normalised path); 4 its module no longer matches samuel.lock. With
 * `--all`, every plugin runs even when one fails; the exit code is 6 if any failed, else 7 if any timed
 * out, else 0. `--all` runs plugins whose grants are identical in one shared sandbox Worker (a fresh
 * instance and fresh hosts each time; sandbox.ts `SandboxPool`), which saves ~20 ms per plugin.
 */

import type { CommandModule, CommandResult, Invocation } from "../command.ts";
import { writeAll } from "../output.ts";
import { type ErrorInfo, Exit, invalidInput, SamuelError } from "../../errors.ts";
import { parseDuration } from "../../manifest/duration.ts";
import { loadConfig } from "../../project/config.ts";
import { readLockfile } from "../../project/lockfile.ts";
import { findProjectRoot } from "../../project/paths.ts";
import {
  installedManifest,
  loadRunnable,
  lockedPlugin,
  RunCode,
  type RunnablePlugin,
} from "../../store/runnable.ts";
import type { LockedPlugin } from "../../project/lockfile.ts";
import type { ProjectConfig } from "../../project/config.ts";
import type { InvocationResult } from "../../runtime/invoke.ts";
import { Sandbox, SandboxError, SandboxPool } from "../../runtime/sandbox.ts";
import { missingPreopens, sandboxFromGrants } from "../../runtime/sandbox_spec.ts";
import { formatLogLine } from "../../runtime/host/log.ts";

const FailCode = {
  failed: "SAM-RUN-010",
  trap: "SAM-RUN-011",
  timeout: "SAM-RUN-012",
  fuel: "SAM-RUN-013",
  output: "SAM-RUN-014",
  sandbox: "SAM-RUN-015",
  grantMissing: "SAM-RUN-017",
  noneDeclares: "SAM-RUN-007",
} as const;

const decoder = new TextDecoder();

interface RunContext {
  inv: Invocation;
  root: string;
  config: ProjectConfig;
  input: Uint8Array;
  hardTimeoutMs?: number;
  /** `--all`: plugins with identical grants share a sandbox Worker (sandbox.ts, `SandboxPool`). */
  pool?: SandboxPool;
}

interface PluginRun {
  data: Record<string, unknown>;
  error?: ErrorInfo;
  exit: number;
}

export const run: CommandModule["run"] = async (inv) => {
  const all = inv.flags["all"] === true;
  const [first, second, ...extra] = inv.args;
  if (all ? (first === undefined || second !== undefined) : (first === undefined || extra.length > 0)) {
    throw invalidInput(
      "SAM-CLI-004",
      all ? "run --all takes exactly one EXPORT" : "run takes a PLUGIN and at most one EXPORT",
      all ? "e.g. `samuel run --all health`" : "e.g. `samuel run go-guide-wasm lint`",
    );
  }
  const root = findProjectRoot(inv.cwd) ?? inv.cwd;
  const ctx: RunContext = {
    inv,
    root,
    config: await loadConfig(root, { optional: true }),
    input: await readInput(inv.flags["input"], inv.cwd),
    hardTimeoutMs: timeoutFlag(inv.flags["timeout"]),
  };
  if (!all) {
    const entry = await lockedPlugin(root, first);
    const r = await runOne(ctx, entry, second);
    return { data: r.data, error: r.error, exit: r.exit };
  }
  return await runAll(ctx, first);
};

async function runAll(ctx: RunContext, exportName: string): Promise<CommandResult> {
  const lock = await readLockfile(ctx.root);
  const targets: LockedPlugin[] = [];
  for (const entry of lock.plugins) {
    if (entry.kind !== "wasm") continue;
    const manifest = await installedManifest(ctx.root, entry).catch(() => undefined);
    // A plugin whose files are missing is still attempted, so its failure is reported, not skipped.
    if (!manifest || manifest.exports.includes(exportName)) targets.push(entry);
  }
  if (targets.length === 0) {
    throw invalidInput(
      FailCode.noneDeclares,
      `no installed plugin declares the export ${exportName}`,
      "check the exports with `samuel ls`, or install a plugin that provides it",
    );
  }
  const results: Record<string, unknown>[] = [];
  const summary = { ok: 0, failed: 0, timed_out: 0 };
  ctx.pool = new SandboxPool();
  try {
    await runEach(ctx, targets, exportName, results, summary);
  } finally {
    ctx.pool.close();
  }
  const exit = summary.failed > 0 ? Exit.pluginFailed : summary.timed_out > 0 ? Exit.timeout : Exit.ok;
  const data = { export: exportName, results, summary };
  if (exit === Exit.ok) return { data };
  return {
    data,
    exit,
    error: {
      code: exit === Exit.timeout ? FailCode.timeout : FailCode.failed,
      message: `${
        summary.failed + summary.timed_out
      } of ${targets.length} plugins did not succeed on ${exportName}`,
      cause: `${summary.failed} failed, ${summary.timed_out} timed out, ${summary.ok} ok`,
      fix: "see each plugin's result above (or in data.results with --json)",
    },
  };
}

/** Runs every target in order, reporting each; one plugin's failure never stops the loop. */
async function runEach(
  ctx: RunContext,
  targets: LockedPlugin[],
  exportName: string,
  results: Record<string, unknown>[],
  summary: { ok: number; failed: number; timed_out: number },
): Promise<void> {
  for (const entry of targets) {
    if (!ctx.inv.out.json) ctx.inv.out.note(ctx.inv.out.style(`== ${entry.name} ${exportName}`, "bold"));
    let r: PluginRun;
    try {
      r = await runOne(ctx, entry, exportName);
    } catch (e) {
      // One plugin's broken install must not stop the loop: report it as that plugin's failure.
      const err = e instanceof SamuelError ? e : new SamuelError({
        code: FailCode.sandbox,
        exit: Exit.unexpected,
        message: String(e),
      });
      ctx.inv.out.error(err.toInfo());
      r = {
        data: { plugin: entry.name, export: exportName, outcome: "error" },
        error: err.toInfo(),
        exit: err.exit,
      };
    }
    // The single-plugin path leaves the error to main.ts; here each plugin's failure is shown as it
    // happens (the envelope carries it per result).
    if (r.error && r.data.outcome !== "error") ctx.inv.out.error(r.error);
    results.push({ ...r.data, error: r.error ?? null });
    if (r.exit === Exit.ok) summary.ok++;
    else if (r.exit === Exit.timeout) summary.timed_out++;
    else summary.failed++;
  }
}

async function runOne(ctx: RunContext, entry: LockedPlugin, exportArg?: string): Promise<PluginRun> {
  const { inv } = ctx;
  const t0 = performance.now();
  // The sandbox's permissions depend only on the grants: start its Worker first, so it boots while the
  // module is loaded and compiled here.
  const spec = sandboxFromGrants({
    pluginName: entry.name,
    exportName: exportArg ?? "",
    grants: entry.capabilities,
    projectRoot: ctx.root,
    getEnv: (k) => Deno.env.get(k),
    hardTimeoutMs: ctx.hardTimeoutMs,
  });
  const missing = missingPreopens(spec);
  if (missing.length > 0) {
    const list = missing.map((p) => `${p.guestPath} (${p.hostPath})`).join(", ");
    throw invalidInput(
      FailCode.grantMissing,
      `plugin ${entry.name} is granted ${list}, which ${
        missing.length > 1 ? "are" : "is"
      } not an existing folder`,
      `create ${missing.length > 1 ? "them" : "it"} (e.g. \`mkdir -p ${missing[0].hostPath}\`) and run again`,
    );
  }
  const sandbox = ctx.pool ? ctx.pool.sandbox(spec) : new Sandbox(spec);
  // `new Worker` blocks this thread while the Worker's isolate is created: reported on its own, so
  // load_ms is the lock, manifest, cache and compile work only.
  const sandboxMs = performance.now() - t0;
  let result: InvocationResult;
  let plugin: RunnablePlugin;
  let exportName: string;
  let loadMs: number;
  try {
    plugin = await loadRunnable(ctx.root, entry, ctx.config);
    const exports = plugin.manifest.exports;
    exportName = exportArg ?? exports[0];
    if (!exports.includes(exportName)) {
      throw invalidInput(
        RunCode.unknownExport,
        `plugin ${entry.name} does not declare an export named ${exportName}`,
        `use one of: ${exports.join(", ")}`,
      );
    }
    spec.args = [entry.name, exportName];
    const module = new WebAssembly.Module(plugin.bytes as Uint8Array<ArrayBuffer>);
    loadMs = performance.now() - t0 - sandboxMs;
    result = await sandbox.run(module, plugin.info, { spec, exportName, input: ctx.input }, {
      onLog: (line) => {
        if (!inv.out.json) {
          writeAll(Deno.stderr, inv.out.style(formatLogLine(entry.name, line), "dim") + "\n");
        }
      },
    });
  } catch (e) {
    // A pooled sandbox stays for the next plugin (a failed one is dead already and gets replaced).
    if (!ctx.pool) sandbox.close();
    if (!(e instanceof SandboxError)) throw e;
    throw new SamuelError({
      code: FailCode.sandbox,
      exit: Exit.unexpected,
      message: e.message,
      // The Worker's stack trace is for --verbose (via `inner`), not for every reader.
      cause: e.detail?.split("\n")[0],
      fix: "re-run with --verbose; if it persists, report it with the plugin's name and version",
      inner: e,
    });
  }
  const totalMs = performance.now() - t0;
  if (!inv.out.json) {
    writeAll(Deno.stdout, result.stdout);
    writeAll(Deno.stderr, result.stderr);
    if (result.report.log_dropped > 0) {
      inv.out.note(
        `[${entry.name}] ${result.report.log_dropped} log lines dropped (rate limit: 10 per second)`,
      );
    }
    for (const denial of result.report.denials) inv.out.note(`[${entry.name}] ${denial}`);
  }
  const round = (ms: number) => Math.round(ms * 100) / 100;
  const data: Record<string, unknown> = {
    plugin: entry.name,
    version: entry.version,
    export: exportName,
    outcome: result.outcome,
    return_code: result.returnCode ?? null,
    exit_code: result.exitCode ?? null,
    output: parseOutput(result.stdout),
    stdout: decoder.decode(result.stdout),
    stderr: decoder.decode(result.stderr),
    trap: result.trap ?? null,
    cache: { hit: plugin.cacheHit, rebuilt: plugin.rebuilt ?? null },
    timings: {
      sandbox_ms: round(sandboxMs),
      load_ms: round(loadMs),
      ...result.timings,
      total_ms: round(totalMs),
    },
    report: result.report,
  };
  const error = failure(entry.name, exportName, result);
  return { data, error, exit: error ? exitFor(result) : Exit.ok };
}

function exitFor(result: InvocationResult): number {
  return result.outcome === "timeout" ? Exit.timeout : Exit.pluginFailed;
}

function failure(name: string, exportName: string, r: InvocationResult): ErrorInfo | undefined {
  switch (r.outcome) {
    case "ok":
      return undefined;
    case "plugin_error":
      return {
        code: FailCode.failed,
        message: `${name} ${exportName} failed: ${r.message}`,
        cause: "the plugin reported a failure (its own code; see its output and stderr)",
        fix: "read the plugin's output above; the return code is the plugin's own",
      };
    case "trap":
      return {
        code: FailCode.trap,
        message: `${name} ${exportName} trapped: ${r.trap?.message ?? r.message}`,
        cause: r.trap?.backtrace.length
          ? `wasm backtrace:\n    ${r.trap.backtrace.join("\n    ")}`
          : r.message,
        fix: "this is a bug in the plugin: report it to its author with the backtrace",
      };
    case "timeout":
      return {
        code: FailCode.timeout,
        message: `${name} ${exportName} timed out: ${r.message}`,
        cause: "the plugin kept running past its hard timeout and was stopped",
        fix: "raise [runtime] hard_timeout in the plugin's manifest, or pass --timeout for this run",
      };
    case "fuel_exhausted":
      return {
        code: FailCode.fuel,
        message: `${name} ${exportName} ran out of fuel: ${r.message}`,
        cause: "the plugin used its whole deterministic [runtime] fuel budget",
        fix: "raise [runtime] fuel in the plugin's manifest",
      };
    case "output_limit":
      return {
        code: FailCode.output,
        message: `${name} ${exportName} wrote too much: ${r.message}`,
        cause: "captured output is capped so a runaway plugin cannot exhaust memory",
        fix: "make the plugin write less, or write large results to a granted file instead",
      };
  }
}

function parseOutput(stdout: Uint8Array): unknown {
  const text = decoder.decode(stdout);
  const trimmed = text.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      return JSON.parse(trimmed);
    } catch { /* not JSON after all */ }
  }
  return text;
}

function timeoutFlag(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  const d = parseDuration(value);
  if (!d.ok) {
    throw invalidInput(
      "SAM-RUN-008",
      `--timeout ${value}: ${d.reason}`,
      "use a duration such as 500ms, 5s or 2m",
    );
  }
  return d.ms;
}

async function readInput(value: unknown, cwd: string): Promise<Uint8Array> {
  if (typeof value !== "string") return new Uint8Array();
  if (value === "-") return new Uint8Array(await new Response(Deno.stdin.readable).arrayBuffer());
  const path = value.startsWith("/") ? value : `${cwd}/${value}`;
  try {
    return await Deno.readFile(path);
  } catch (e) {
    throw invalidInput(
      "SAM-RUN-009",
      `cannot read the input file ${value}`,
      "pass an existing file, or - to read standard input",
      e instanceof Error ? e.message : String(e),
    );
  }
}
