/**
 * `samuel run PLUGIN [EXPORT] [--input FILE|-] [--timeout D]` and `samuel run --all EXPORT`: argv to
 * options for the run use case (src/app/run.ts), and its results rendered.
 *
 * Human output: the guest's stdout on stdout, its stderr and log lines (`[plugin] level: msg`) on stderr,
 * and a one-line error when it fails; `--verbose` also says which outer wall the guest ran behind. `--json`
 * data for one plugin:
 * `{ plugin, export, outcome, return_code, exit_code, output, stdout, stderr, trap,
 *    cache: { hit, rebuilt, hints },
 *    timings: { wall, sandbox_ms, load_ms, narrow_ms, instantiate_ms, init_ms, call_ms, total_ms }, report }`
 * where `output` is stdout parsed as JSON when it is JSON (else the text), `timings.wall` is `"process"`
 * (the process narrowed itself to the grants) or `"worker"` (a sandbox Worker), `cache.hints` is
 * `"used"`, `"recorded"` or `"none"` (compile hints: src/runtime/preprocess/compile_hints.ts), and `report` holds denials,
 * log lines, dropped log lines, network calls and peak memory. With `--all`:
 * `{ export, wall, results: [...], summary: { ok, failed, timed_out } }`.
 *
 * Exit codes: 0 ok; 6 the plugin failed (non-zero return, trap, fuel, output cap); 7 it timed out; 2 it
 * cannot run as installed (not installed, unknown export, a granted folder missing, a grant in samuel.lock
 * that is not a normalised path); 4 its installed module or manifest no longer matches samuel.lock. With
 * `--all`, every plugin runs even when one fails; the exit code is 6 if any failed, else 7 if any timed
 * out, else 0.
 */

import { codeUrl } from "../../code_url.ts";
import type { CommandModule, CommandResult, Invocation } from "../command.ts";
import { writeAll } from "../output.ts";
import { type ErrorInfo, Exit, samuelError } from "../../errors.ts";
import { parseDuration } from "../../manifest/duration.ts";
import { findProjectRoot } from "../../project/paths.ts";
import { type PluginRun, type PluginRunFailure, runAll, type RunOptions, runPlugin } from "../../app/run.ts";
import { formatLogLine } from "../../runtime/host/log.ts";

const decoder = new TextDecoder();

export const run: CommandModule["run"] = async (inv) => {
  const all = inv.flags["all"] === true;
  const [first, second, ...extra] = inv.args;
  if (all ? (first === undefined || second !== undefined) : (first === undefined || extra.length > 0)) {
    throw samuelError("SAM-CLI-004", {
      message: all ? "run --all takes exactly one EXPORT" : "run takes a PLUGIN and at most one EXPORT",
      fix: all ? "e.g. `samuel run --all health`" : "e.g. `samuel run go-guide-wasm lint`",
    });
  }
  const root = findProjectRoot(inv.cwd) ?? inv.cwd;
  const opts: RunOptions = {
    root,
    input: await readInput(inv.flags["input"], inv.cwd),
    hardTimeoutMs: timeoutFlag(inv.flags["timeout"]),
    // Not envGet: a process without --allow-env asked to pass a granted variable must fail loudly
    // (NotCapable), not run the plugin without it.
    getEnv: (key) => Deno.env.get(key),
    // samuel.toml is read only when the module cache must store (a miss): a hit never needs it.
    cacheBudget: async () => {
      const { loadConfig } = await import(
        codeUrl("project/config")
      ) as typeof import("../../project/config.ts");
      return (await loadConfig(root, { optional: true })).wasm.cacheBudget;
    },
    onLog: inv.out.json ? undefined : (plugin, line) => {
      writeAll(Deno.stderr, inv.out.style(formatLogLine(plugin, line), "dim") + "\n");
    },
    onDebug: inv.out.verbose && !inv.out.json
      ? (text) => inv.out.note(inv.out.style(text, "dim"))
      : undefined,
  };
  if (!all) {
    const r = await runPlugin(opts, first, second);
    render(inv, r);
    return { data: pluginData(r), error: r.error, exit: r.exit };
  }
  const result = await runAll(opts, first, {
    onStart: (entry) => {
      if (!inv.out.json) inv.out.note(inv.out.style(`== ${entry.name} ${first}`, "bold"));
    },
    onDone: (r) => {
      // The single-plugin path leaves the error to main.ts; here each plugin's failure is shown as it
      // happens (the envelope carries it per result).
      if ("result" in r) {
        render(inv, r);
        if (r.error) inv.out.error(r.error);
      } else inv.out.error(r.error.toInfo());
    },
  });
  const data = {
    export: result.exportName,
    wall: result.wall.kind,
    results: result.results.map((r) => ({ ...resultData(r), error: errorOf(r) ?? null })),
    summary: result.summary,
  };
  return result.exit === Exit.ok ? { data } : { data, exit: result.exit, error: result.error };
};

function errorOf(r: PluginRun | PluginRunFailure): ErrorInfo | undefined {
  return "result" in r ? r.error : r.error.toInfo();
}

function resultData(r: PluginRun | PluginRunFailure): Record<string, unknown> {
  if ("result" in r) return pluginData(r);
  return { plugin: r.entry.name, export: r.exportName, outcome: "error" };
}

/** The guest's stdout and stderr, dropped log lines and denials, for humans. */
function render(inv: Invocation, r: PluginRun): void {
  if (inv.out.json) return;
  const { result } = r;
  writeAll(Deno.stdout, result.stdout);
  writeAll(Deno.stderr, result.stderr);
  if (result.report.log_dropped > 0) {
    inv.out.note(
      `[${r.entry.name}] ${result.report.log_dropped} log lines dropped (rate limit: 10 per second)`,
    );
  }
  for (const denial of result.report.denials) inv.out.note(`[${r.entry.name}] ${denial}`);
}

function pluginData(r: PluginRun): Record<string, unknown> {
  const { result } = r;
  return {
    plugin: r.entry.name,
    version: r.entry.version,
    export: r.exportName,
    outcome: result.outcome,
    return_code: result.returnCode ?? null,
    exit_code: result.exitCode ?? null,
    output: parseOutput(result.stdout),
    stdout: decoder.decode(result.stdout),
    stderr: decoder.decode(result.stderr),
    trap: result.trap ?? null,
    cache: r.cache,
    timings: r.timings,
    report: result.report,
  };
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
    throw samuelError("SAM-RUN-008", {
      message: `--timeout ${value}: ${d.reason}`,
      fix: "use a duration such as 500ms, 5s or 2m",
    });
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
    throw samuelError("SAM-RUN-009", {
      message: `cannot read the input file ${value}`,
      cause: e instanceof Error ? e.message : String(e),
      fix: "pass an existing file, or - to read standard input",
    });
  }
}

export type { CommandResult };
