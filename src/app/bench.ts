/**
 * `samuel plugin bench`: how much a plugin costs per invocation, measured the way `samuel run` pays it, so
 * an author can see it against the 50 ms cold-start budget (DESIGN.md section 9).
 *
 * For each declared export (or only `--export`), N cold runs then N warm runs:
 * - cold: compile + start a sandbox Worker + instantiate + lifecycle (`_initialize`/`_start`) + call,
 *   i.e. a first `samuel run` after install (DESIGN.md 9's cold start). Nothing compiled is reused: the
 *   module is pre-processed afresh (memory cap and probes, as install does; timed apart, since install
 *   pays it once, and reported as `preprocess`), and the bytes compiled carry a unique custom section
 *   per run so V8's in-process module cache cannot serve a compile from an earlier run;
 * - warm: the module compiled once and reused, with a fresh sandbox Worker and a fresh instance every
 *   run (the cost of each further invocation once compilation is out of the way).
 * A module large enough for compile hints (runtime/preprocess/compile_hints.ts) is compiled with the
 * export's profile appended, as every `samuel run` after the export's first: one uncounted run of the
 * profiling copy records it first (`compile_hints: "used"` in the result; `none` for a smaller module).
 * Each export's result holds medians, p95 (nearest rank), min, max and the samples of each kind, and
 * whether the cold median is within the budget.
 *
 * The plugin runs with the grants of its own manifest, `/workspace` being the plugin folder (the plugin
 * is the author's own code; bench never installs it). A non-zero return code is a normal outcome for a
 * benchmark (e.g. a linter that found something); traps and timeouts are reported as warnings, since
 * their timings do not measure a complete invocation.
 */

import { samuelError } from "../errors.ts";
import { loadManifest, MANIFEST_FILE, type WasmManifest } from "../manifest/mod.ts";
import { resolvePath } from "../project/paths.ts";
import type { InvocationResult } from "../runtime/invoke.ts";
import type { ModuleInfo } from "../runtime/preprocess/mod.ts";
import { Sandbox } from "../runtime/sandbox.ts";
import { sandboxFromGrants } from "../runtime/sandbox_spec.ts";
import { buildForCache } from "../store/module_check.ts";
import { keepsProfile } from "../store/compile_profile.ts";
import { hintSection, worthHinting } from "../runtime/preprocess/compile_hints.ts";
import { markCalls } from "../runtime/preprocess/call_marks.ts";
import { appendSection, customSection, withSection } from "../runtime/preprocess/custom_section.ts";
import { grantsOf } from "./grants.ts";
import type { Reporter } from "./io.ts";
import { buildHint, checkModuleAgainstManifest, modulePath, readModule } from "./plugin_module.ts";

/** The cold-start budget of one invocation (DESIGN.md section 9: "well under the seed's 50 ms"). */
export const BUDGET_MS = 50;
export const DEFAULT_RUNS = 10;
export const MAX_RUNS = 1000;

export interface Stats {
  median_ms: number;
  p95_ms: number;
  min_ms: number;
  max_ms: number;
  samples_ms: number[];
}

const round = (ms: number) => Math.round(ms * 100) / 100;

/** Median (mean of the two middle values for an even count) and nearest-rank p95 of `samples`. */
export function stats(samples: readonly number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  const median = n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  const p95 = sorted[Math.max(0, Math.ceil(0.95 * n) - 1)];
  return {
    median_ms: round(median),
    p95_ms: round(p95),
    min_ms: round(sorted[0]),
    max_ms: round(sorted[n - 1]),
    samples_ms: samples.map(round),
  };
}

/**
 * `bytes` with a custom section `samuel-bench` holding `tag` appended: the same code under different
 * wire bytes, so each cold compile is a real one.
 */
export function withTag(bytes: Uint8Array, tag: string): Uint8Array<ArrayBuffer> {
  return withSection(bytes, customSection("samuel-bench", new TextEncoder().encode(tag)));
}

interface Target {
  dir: string;
  manifest: WasmManifest;
  source: Uint8Array;
  input: Uint8Array;
}

/** One timed invocation: the wall time from starting the sandbox to its answer. */
async function invokeOnce(
  t: Target,
  exportName: string,
  compile: () => { module: WebAssembly.Module; info: ModuleInfo },
  onCalls?: (functions: number[]) => void,
): Promise<{ ms: number; result: InvocationResult }> {
  const spec = sandboxFromGrants({
    pluginName: t.manifest.name,
    exportName,
    grants: grantsOf(t.manifest),
    projectRoot: t.dir,
    getEnv: (k) => Deno.env.get(k),
  });
  const t0 = performance.now();
  // As in `samuel run`: the Worker boots while the module is prepared.
  const sandbox = new Sandbox(spec);
  let compiled;
  try {
    compiled = compile();
  } catch (e) {
    sandbox.close();
    throw e;
  }
  const result = await sandbox.run(compiled.module, compiled.info, {
    spec,
    exportName,
    input: t.input,
  }, { onCalls });
  return { ms: performance.now() - t0, result };
}

export interface ExportBench {
  export: string;
  cold: Stats;
  warm: Stats;
  /** Pre-processing the module (install-time work, not part of `cold`). */
  preprocess: Stats;
  /** Medians of the in-sandbox phases over the warm runs. */
  guest_warm: { instantiate_ms: number; init_ms: number; call_ms: number };
  /** How many runs ended in each outcome (`ok`, `plugin_error`, `trap`, ...). */
  outcomes: Record<string, number>;
  within_budget: boolean;
  /** Whether the runs were compiled with the export's compile profile, as `samuel run` compiles them. */
  compile_hints: "used" | "none";
}

/**
 * The hint section of one run of `exportName` (its profiling copy, in a sandbox Worker, uncounted), or
 * undefined when the module is too small for hints or the run yields no profile.
 */
async function profileOf(
  t: Target,
  exportName: string,
  built: { bytes: Uint8Array; info: ModuleInfo },
): Promise<Uint8Array | undefined> {
  if (!worthHinting(built.bytes.length)) return undefined;
  const marked = markCalls(built.bytes);
  if (!marked) return undefined;
  let called: number[] | undefined;
  const run = await invokeOnce(
    t,
    exportName,
    () => ({ module: new WebAssembly.Module(marked), info: built.info }),
    (functions) => called = functions,
  );
  return called && keepsProfile(run.result.outcome) ? hintSection(called) : undefined;
}

/** Cold then warm runs of one export. */
export async function benchExport(t: Target, exportName: string, runs: number): Promise<ExportBench> {
  const outcomes: Record<string, number> = {};
  const count = (r: InvocationResult) => outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
  const build = buildForCache(t.manifest.runtime.maxMemoryMiB);
  const profile = await profileOf(t, exportName, build(t.source));
  const hinted = (bytes: Uint8Array) => profile ? appendSection(bytes, profile) : bytes;

  const cold: number[] = [];
  const preprocess: number[] = [];
  for (let i = 0; i < runs; i++) {
    const p0 = performance.now();
    const fresh = build(t.source);
    preprocess.push(performance.now() - p0);
    const bytes = hinted(withTag(fresh.bytes, `${exportName}/${i}/${crypto.randomUUID()}`));
    const run = await invokeOnce(
      t,
      exportName,
      () => ({ module: new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>), info: fresh.info }),
    );
    cold.push(run.ms);
    count(run.result);
  }

  const built = build(t.source);
  const module = new WebAssembly.Module(hinted(built.bytes) as Uint8Array<ArrayBuffer>);
  const warm: number[] = [];
  const phases = { instantiate_ms: [] as number[], init_ms: [] as number[], call_ms: [] as number[] };
  for (let i = 0; i < runs; i++) {
    const run = await invokeOnce(t, exportName, () => ({ module, info: built.info }));
    warm.push(run.ms);
    count(run.result);
    phases.instantiate_ms.push(run.result.timings.instantiate_ms);
    phases.init_ms.push(run.result.timings.init_ms);
    phases.call_ms.push(run.result.timings.call_ms);
  }
  const coldStats = stats(cold);
  return {
    export: exportName,
    cold: coldStats,
    warm: stats(warm),
    preprocess: stats(preprocess),
    guest_warm: {
      instantiate_ms: stats(phases.instantiate_ms).median_ms,
      init_ms: stats(phases.init_ms).median_ms,
      call_ms: stats(phases.call_ms).median_ms,
    },
    outcomes,
    within_budget: coldStats.median_ms <= BUDGET_MS,
    compile_hints: profile ? "used" : "none",
  };
}

export interface BenchRequest {
  cwd: string;
  /** The plugin folder (default: the current folder). */
  path?: string;
  /** Runs of each kind. */
  runs: number;
  /** Bench only this export (default: every declared one). */
  exportName?: string;
  /** A file given as stdin to every run. */
  inputFile?: string;
  out: Reporter;
}

/** What `plugin bench` measured, as the `--json` envelope shows it. */
export interface BenchResult {
  plugin: string;
  version: string;
  module: { path: string; size: number };
  runs: number;
  budget_ms: number;
  exports: ExportBench[];
}

export async function benchPlugin(req: BenchRequest): Promise<BenchResult> {
  const { target, path, exports } = await loadTarget(req);
  const { manifest, source } = target;
  const { out, runs } = req;
  out.note(
    `benchmarking ${manifest.name}@${manifest.version} (${path}, ${source.length} bytes): ` +
      `${runs} cold + ${runs} warm runs per export, /workspace = ${target.dir}`,
  );
  const results: ExportBench[] = [];
  for (const e of exports) {
    const r = await benchExport(target, e, runs);
    results.push(r);
    const bad = Object.entries(r.outcomes).filter(([o]) => o !== "ok" && o !== "plugin_error");
    if (bad.length > 0) {
      out.warn(
        `${e}: ${bad.map(([o, n]) => `${n} run${n === 1 ? "" : "s"} ended in ${o}`).join(", ")}; ` +
          `those timings do not measure a complete invocation (try samuel plugin exec or samuel run)`,
      );
    }
  }
  return {
    plugin: manifest.name,
    version: manifest.version,
    module: { path, size: source.length },
    runs,
    budget_ms: BUDGET_MS,
    exports: results,
  };
}

/** The plugin to bench: a wasm manifest, the exports asked for, and a built module install would take. */
async function loadTarget(req: BenchRequest): Promise<{ target: Target; path: string; exports: string[] }> {
  const loaded = await loadManifest(resolvePath(req.cwd, req.path ?? "."));
  const manifest = loaded.manifest;
  const pluginDir = loaded.file.slice(0, loaded.file.lastIndexOf("/") + 1);
  if (manifest.kind !== "wasm") {
    throw samuelError("SAM-BENCH-001", {
      message: `${manifest.name} is a ${manifest.kind} plugin; only wasm plugins run`,
      fix: 'point plugin bench at a folder whose samuel-plugin.toml has kind = "wasm"',
    });
  }
  const exports = req.exportName !== undefined ? [req.exportName] : manifest.wasm.exports;
  for (const e of exports) {
    if (!manifest.wasm.exports.includes(e)) {
      throw samuelError("SAM-BENCH-004", {
        message: `${manifest.name} does not declare an export named ${e}`,
        fix: `use one of: ${manifest.wasm.exports.join(", ")}`,
      });
    }
  }
  const path = modulePath(pluginDir, manifest);
  const source = await readModule(path);
  if (source === undefined) {
    throw samuelError("SAM-BENCH-002", {
      message: `${path} is not built yet`,
      fix: `build it with ${await buildHint(pluginDir)}, then run samuel plugin bench again`,
    });
  }
  const checked = await checkModuleAgainstManifest(source, manifest, { file: loaded.file, path });
  const errors = checked.problems.filter((p) => p.severity === "error");
  if (errors.length > 0) {
    throw samuelError("SAM-BENCH-003", {
      message: `${path} does not match ${MANIFEST_FILE}: ${errors.map((p) => p.message).join("; ")}`,
      fix: "run `samuel plugin validate` for every problem with its fix",
      details: errors,
    });
  }
  const input = await readInput(req.inputFile, req.cwd);
  return { target: { dir: pluginDir.replace(/\/$/, ""), manifest, source, input }, path, exports };
}

async function readInput(value: string | undefined, cwd: string): Promise<Uint8Array> {
  if (typeof value !== "string") return new Uint8Array();
  try {
    return await Deno.readFile(resolvePath(cwd, value));
  } catch (e) {
    throw samuelError("SAM-BENCH-007", {
      message: `cannot read the input file ${value}: ${e instanceof Error ? e.message : String(e)}`,
      fix: "pass an existing file with --input (the same input is given to every run)",
    });
  }
}
