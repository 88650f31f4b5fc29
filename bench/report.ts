/**
 * `deno task bench`: runs the whole benchmark suite and writes the results (issue 8).
 *
 * Every `bench/*_bench.ts` and `bench/suite/*_bench.ts` runs in its own `deno bench --json` subprocess
 * with a time cap; a file that is missing, fails to load, times out or has failing benches is reported with
 * a note and the rest goes on. Medians come from the samples the preload wrapper records
 * (bench/suite/samples_preload.ts: the last `n` calls, `n` being deno's measured iterations); for a bench
 * faster than 20 µs per call, or when no samples came back, deno's own average stands in (marked `~`).
 * Ratios are against the `baseline: true` bench of the same file and group, measured in the same process
 * minutes apart, which is what survives a noisy shared machine.
 *
 * Writes `bench/out/results.json` (everything, machine and versions included) and the generated part of
 * `bench/RESULTS.md` (between the `generated` markers; the hand-written analysis around it is kept).
 *
 *   deno run -A bench/report.ts [--only FILE_SUBSTRING] [--budget SECONDS] [--cap SECONDS_PER_FILE]
 */

const ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");
const OUT_DIR = `${ROOT}/bench/out`;
const RESULTS_MD = `${ROOT}/bench/RESULTS.md`;
const PRELOAD = `${ROOT}/bench/suite/samples_preload.ts`;
const RSS_JSON = `${OUT_DIR}/rss.json`;
const START = "<!-- generated:start (bench/report.ts replaces this part) -->";
const END = "<!-- generated:end -->";

/** Per-call time below which deno's average is more trustworthy than the wrapper's samples. */
const SAMPLE_FLOOR_MS = 0.02;

/** A bench file of the suite: which issue row it serves, its time cap, and the goals of its benches. */
interface FileSpec {
  path: string;
  row: number;
  owner: "suite" | "peer";
  capSeconds: number;
  /** Passed to `deno bench --filter`, to keep a file within the suite's time budget. */
  filter?: string;
}

/** A goal on a bench's ratio to its group baseline, or on a derived per-plugin time. */
interface Goal {
  /** Which benches it applies to (file substring and name pattern). */
  file: string;
  name: RegExp;
  text: string;
  ratioMax?: number;
  perPluginMaxMs?: number;
}

/** The files of the suite, in the order they run (rows 1 to 6, then the rest). */
export const FILES: FileSpec[] = [
  // This issue's own rows first, then the other rows' files, then the ones that repeat rows already
  // covered (so that, on a slow day, what the suite budget cuts is a duplicate).
  { path: "bench/suite/cold_start_bench.ts", row: 1, owner: "suite", capSeconds: 75 },
  { path: "bench/suite/run_all_bench.ts", row: 2, owner: "suite", capSeconds: 60 },
  // 90 s: 25 rounds of 17 process rows took 24 s on a quiet day and 49 s on a slow one (2026-12-08).
  { path: "bench/suite/process_bench.ts", row: 3, owner: "suite", capSeconds: 90 },
  { path: "bench/wasi_io_bench.ts", row: 4, owner: "peer", capSeconds: 30 },
  { path: "bench/limits_bench.ts", row: 5, owner: "peer", capSeconds: 25 },
  { path: "bench/verify_bench.ts", row: 6, owner: "peer", capSeconds: 25 },
  { path: "bench/install_bench.ts", row: 6, owner: "peer", capSeconds: 25 },
  { path: "bench/startup_bench.ts", row: 3, owner: "peer", capSeconds: 15 },
  { path: "bench/cache_bench.ts", row: 1, owner: "peer", capSeconds: 35 },
  { path: "bench/runtime_bench.ts", row: 1, owner: "peer", capSeconds: 35 },
  { path: "bench/host_bench.ts", row: 7, owner: "peer", capSeconds: 15 },
];

export const ROWS: Record<number, string> = {
  1: "Cold start per invocation (cache miss and hit) against bare V8 and node:wasi",
  2: "Warm invocation in a `samuel run --all` loop of 20 plugins",
  3: "Whole process: `samuel run` against `deno run empty.ts`, Node 20 and (Go) wazero",
  4: "WASI throughput against node:wasi",
  5: "Overhead of the time limits on a compute-heavy guest",
  6: "Verify and install",
  7: "Other benches",
};

export const GOALS: Goal[] = [
  { file: "suite/cold_start", name: /samuel invoke, cache hit/, text: "≤ 1.5x floor", ratioMax: 1.5 },
  // Only what `samuel run --all` really does (the loop without the Worker is shown for comparison).
  {
    file: "suite/run_all",
    name: /as run --all|samuel run --all/,
    text: "≤ 5 ms per plugin",
    perPluginMaxMs: 5,
  },
  // Issue 12: the shipped form (the bundle the binary is compiled from); the source rows are shown beside.
  { file: "suite/process", name: /^tiny: samuel run .*shipped/, text: "≤ 1.5x deno run", ratioMax: 1.5 },
  { file: "suite/process", name: /^c: samuel run .*shipped/, text: "≤ 1.6x deno run", ratioMax: 1.6 },
  {
    file: "suite/process",
    name: /^go: samuel (run|plugin exec) .*shipped/,
    text: "≤ 0.9x wazero",
    ratioMax: 0.9,
  },
  { file: "startup_bench", name: /samuel/, text: "≤ 1.3x deno run (issue 2)", ratioMax: 1.3 },
  { file: "wasi_io_bench", name: /^samuel/, text: "≤ 1.0x node:wasi", ratioMax: 1.0 },
  { file: "limits_bench", name: /.*/, text: "≤ 1.15x unlimited", ratioMax: 1.15 },
];

export interface BenchResult {
  file: string;
  row: number;
  group: string | null;
  name: string;
  baseline: boolean;
  n: number;
  medianMs: number;
  /** "samples" (median of the recorded calls) or "avg" (deno's average stands in). */
  medianSource: "samples" | "avg";
  avgMs: number;
  minMs: number;
  p75Ms: number;
  p99Ms: number;
  ratio: number | null;
  /** Derived per-plugin time (row 2). */
  perPluginMs?: number;
  goal?: string;
  pass?: boolean;
  /** A pass's measured calls' times, until `mergePasses` joins them (not kept in the results). */
  samples?: number[];
}

/** A bench name's pass suffix: ` [pass 2/5]` (a row measured in interleaved passes, `mergePasses`). */
const PASS_SUFFIX = / \[pass \d+\/\d+\]$/;

/**
 * Joins the passes of a row into one result: a bench file may define each row as several benches named
 * `<row> [pass k/K]`, defined round-robin (row A pass 1, row B pass 1, ..., row A pass 2, ...), so that
 * every row's calls spread over the same minutes and a slow spell of a shared machine weighs on all rows
 * of a group alike instead of on whichever ran then. The merged row's median, mean and percentiles come
 * from all its passes' measured calls; it is the baseline when one of its passes is.
 */
export function mergePasses(results: BenchResult[]): BenchResult[] {
  const out: BenchResult[] = [];
  const merged = new Map<string, { result: BenchResult; samples: number[] }>();
  for (const r of results) {
    if (!PASS_SUFFIX.test(r.name)) {
      out.push(r);
      continue;
    }
    const name = r.name.replace(PASS_SUFFIX, "");
    const key = `${r.file}\u0000${r.group ?? ""}\u0000${name}`;
    const kept = r.samples ?? [];
    const seen = merged.get(key);
    if (seen) {
      seen.samples.push(...kept);
      seen.result.baseline ||= r.baseline;
      continue;
    }
    const result: BenchResult = { ...r, name };
    merged.set(key, { result, samples: [...kept] });
    out.push(result);
  }
  for (const { result, samples } of merged.values()) {
    if (samples.length === 0) continue;
    const sorted = [...samples].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    Object.assign(result, {
      n: samples.length,
      medianMs: median(samples),
      medianSource: "samples",
      avgMs: samples.reduce((a, b) => a + b, 0) / samples.length,
      minMs: sorted[0],
      p75Ms: at(0.75),
      p99Ms: at(0.99),
    });
  }
  for (const r of out) delete r.samples;
  return out;
}

export interface FileRun {
  file: string;
  row: number;
  status: "ok" | "partial" | "missing" | "failed" | "timeout";
  seconds: number;
  /** 1-minute load average when the file started and ended: how contended its numbers are. */
  load?: [number, number];
  note?: string;
}

/** Median of a list of numbers (mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

// deno-lint-ignore no-explicit-any
type Json = any;

/** What bench/suite/samples_preload.ts writes, per bench name. */
export interface Recorded {
  group: string | null;
  baseline: boolean;
  warmup: number | null;
  samples: number[];
}

/**
 * Results recovered from the recorded samples alone, for a file stopped at its cap (deno's report is
 * lost then). Deno's warm-up calls come first: the definition's `warmup` (at least 1, deno always warms
 * up once) are dropped; a bench needs 3 samples left to count. Its last bench may have been cut short.
 */
export function salvage(spec: FileSpec, recorded: Record<string, Recorded>): BenchResult[] {
  const out: BenchResult[] = [];
  for (const [name, r] of Object.entries(recorded)) {
    const kept = r.samples.slice(Math.max(1, r.warmup ?? 1));
    if (kept.length < 3) continue;
    const sorted = [...kept].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    out.push({
      file: spec.path,
      row: spec.row,
      group: r.group,
      name,
      baseline: r.baseline,
      n: kept.length,
      medianMs: median(kept),
      medianSource: "samples",
      avgMs: kept.reduce((a, b) => a + b, 0) / kept.length,
      minMs: sorted[0],
      p75Ms: at(0.75),
      p99Ms: at(0.99),
      ratio: null,
      samples: PASS_SUFFIX.test(name) ? kept : undefined,
    });
  }
  return out;
}

/** Extracts deno's JSON report from stdout (a bench may print before it). */
export function parseBenchJson(stdout: string): Json | undefined {
  const at = stdout.indexOf('{\n  "version"');
  if (at < 0) return undefined;
  try {
    return JSON.parse(stdout.slice(at));
  } catch {
    return undefined;
  }
}

/** Turns one file's deno report and recorded samples into results (ratios and goals not yet set). */
export function collect(
  spec: FileSpec,
  report: Json,
  samples: Record<string, number[]>,
): { results: BenchResult[]; failures: string[] } {
  const results: BenchResult[] = [];
  const failures: string[] = [];
  for (const b of report.benches ?? []) {
    const r = b.results?.[0];
    if (!r?.ok) {
      if (r?.failed) failures.push(`${b.name}: ${r.failed.message ?? r.failed.exceptionMessage ?? "failed"}`);
      continue;
    }
    const ok = r.ok;
    const ns = (v: number) => v / 1e6;
    const recorded = samples[b.name] ?? [];
    const useSamples = recorded.length >= ok.n && ns(ok.avg) >= SAMPLE_FLOOR_MS;
    results.push({
      file: spec.path,
      row: spec.row,
      group: b.group ?? null,
      name: b.name,
      baseline: b.baseline === true,
      n: ok.n,
      medianMs: useSamples ? median(recorded.slice(-ok.n)) : ns(ok.avg),
      medianSource: useSamples ? "samples" : "avg",
      avgMs: ns(ok.avg),
      minMs: ns(ok.min),
      p75Ms: ns(ok.p75),
      p99Ms: ns(ok.p99),
      ratio: null,
      samples: useSamples && PASS_SUFFIX.test(b.name) ? recorded.slice(-ok.n) : undefined,
    });
  }
  return { results: mergePasses(results), failures };
}

/** Sets ratios against each (file, group) baseline, row 2's per-plugin times, and goals. */
export function annotate(results: BenchResult[]): void {
  const key = (r: BenchResult) => `${r.file}\u0000${r.group ?? ""}`;
  const baselines = new Map<string, BenchResult>();
  for (const r of results) if (r.baseline) baselines.set(key(r), r);
  for (const r of results) {
    const base = baselines.get(key(r));
    if (base && base.medianMs > 0) r.ratio = r.medianMs / base.medianMs;
    if (r.file.endsWith("run_all_bench.ts")) {
      if (/x20/.test(r.name)) r.perPluginMs = r.medianMs / 20;
      if (/20 plugins/.test(r.name) && base) r.perPluginMs = (r.medianMs - base.medianMs) / 19;
    }
    const goal = GOALS.find((g) => r.file.includes(g.file) && g.name.test(r.name));
    if (!goal || r.baseline) continue;
    if (goal.ratioMax !== undefined && r.ratio !== null) {
      r.goal = goal.text;
      r.pass = r.ratio <= goal.ratioMax;
    } else if (goal.perPluginMaxMs !== undefined && r.perPluginMs !== undefined) {
      r.goal = goal.text;
      r.pass = r.perPluginMs <= goal.perPluginMaxMs;
    }
  }
}

async function capture(cmd: string, args: string[]): Promise<string> {
  try {
    const o = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
    return new TextDecoder().decode(o.stdout).trim() || new TextDecoder().decode(o.stderr).trim();
  } catch {
    return "not found";
  }
}

/** The machine and tool versions the numbers were taken on. */
export async function machine(): Promise<Record<string, unknown>> {
  let cpu = "unknown";
  try {
    cpu = Deno.readTextFileSync("/proc/cpuinfo").match(/^model name\s*:\s*(.+)$/m)?.[1] ?? cpu;
  } catch { /* not Linux */ }
  let os = `${Deno.build.os} ${Deno.osRelease()}`;
  try {
    const pretty = Deno.readTextFileSync("/etc/os-release").match(/^PRETTY_NAME="?([^"\n]+)"?$/m)?.[1];
    if (pretty) os = `${pretty} (kernel ${Deno.osRelease()})`;
  } catch { /* keep the kernel only */ }
  return {
    date: new Date().toISOString(),
    cores: navigator.hardwareConcurrency,
    memory_gib: Math.round(Deno.systemMemoryInfo().total / 1024 ** 3 * 10) / 10,
    os,
    arch: Deno.build.arch,
    cpu,
    loadavg_at_start: Deno.loadavg(),
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    typescript: Deno.version.typescript,
    node: await capture(Deno.env.get("NODE_BIN") ?? "node", ["--version"]),
    go: (await capture(Deno.env.get("GO_BIN") ?? "/usr/local/go/bin/go", ["version"])).replace(
      /^go version /,
      "",
    ),
    clang: (await capture("clang", ["--version"])).split("\n")[0],
  };
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Bench files present on disk that FILES does not list yet (run them too, as "other"). */
function unlisted(): FileSpec[] {
  const listed = new Set(FILES.map((f) => f.path));
  const found: FileSpec[] = [];
  for (const dir of ["bench", "bench/suite"]) {
    for (const e of Deno.readDirSync(`${ROOT}/${dir}`)) {
      const path = `${dir}/${e.name}`;
      if (e.isFile && /_bench\.ts$/.test(e.name) && !listed.has(path)) {
        found.push({ path, row: 7, owner: "peer", capSeconds: 20 });
      }
    }
  }
  return found.sort((a, b) => a.path.localeCompare(b.path));
}

/** Runs one bench file under its cap; never throws. */
async function runFile(
  spec: FileSpec,
  capSeconds: number,
): Promise<{ run: FileRun; results: BenchResult[] }> {
  const t0 = performance.now();
  const seconds = () => Math.round((performance.now() - t0) / 100) / 10;
  if (!exists(`${ROOT}/${spec.path}`)) {
    return {
      run: { file: spec.path, row: spec.row, status: "missing", seconds: 0, note: "file not present (yet)" },
      results: [],
    };
  }
  const samplesFile = Deno.makeTempFileSync({ prefix: "samuel-bench-samples-", suffix: ".json" });
  const args = ["bench", "--allow-all", "--json", "--preload", PRELOAD];
  if (spec.filter) args.push("--filter", spec.filter);
  args.push(spec.path);
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env: { SAMUEL_BENCH_SAMPLES: samplesFile, SAMUEL_BENCH_RSS_OUT: RSS_JSON, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  }, capSeconds * 1000);
  const out = await child.output();
  clearTimeout(timer);
  const stdout = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  let recorded: Record<string, Recorded> = {};
  try {
    recorded = JSON.parse(Deno.readTextFileSync(samplesFile) || "{}");
  } catch { /* the process died before writing them */ }
  for (const f of [samplesFile, `${samplesFile}.tmp`]) {
    try {
      Deno.removeSync(f);
    } catch { /* not there */ }
  }
  if (timedOut) {
    const results = mergePasses(salvage(spec, recorded));
    return {
      run: {
        file: spec.path,
        row: spec.row,
        status: "timeout",
        seconds: seconds(),
        note: `stopped at its ${capSeconds} s cap; ` +
          (results.length
            ? `${results.length} benches recovered from the recorded samples (the last may be cut short)`
            : "nothing recorded; lower its n or add a filter"),
      },
      results,
    };
  }
  const samples = Object.fromEntries(Object.entries(recorded).map(([k, v]) => [k, v.samples]));
  const report = parseBenchJson(stdout);
  if (!report) {
    const why = stderr.split("\n").map((l) => l.trim()).filter(Boolean).slice(-3).join(" | ");
    return {
      run: {
        file: spec.path,
        row: spec.row,
        status: "failed",
        seconds: seconds(),
        note: `no results: ${why}`,
      },
      results: [],
    };
  }
  const { results, failures } = collect(spec, report, samples);
  const ignored = (report.benches ?? []).length === 0 ? "no benches registered (all ignored?)" : "";
  const note = [failures.length ? `failed: ${failures.join("; ")}` : "", ignored].filter(Boolean).join("; ");
  return {
    run: {
      file: spec.path,
      row: spec.row,
      status: failures.length ? "partial" : "ok",
      seconds: seconds(),
      note: note || undefined,
    },
    results,
  };
}

const fmtMs = (ms: number) =>
  ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms >= 0.1 ? ms.toFixed(2) : ms.toFixed(4);

const loads = (v: unknown) => (v as number[]).map((x) => x.toFixed(2)).join(" ");

/** The generated Markdown: machine, one table per row and file, file statuses. */
export function renderMarkdown(
  info: Record<string, unknown>,
  runs: FileRun[],
  results: BenchResult[],
  totalSeconds: number,
  extras: Extras = {},
): string {
  const lines: string[] = [];
  lines.push(
    `Generated by \`deno task bench\` (bench/report.ts) on ${info.date}; the whole suite took ` +
      `${totalSeconds.toFixed(0)} s. Raw numbers: \`bench/out/results.json\`.`,
    "",
    `- Machine: ${info.cores} cores, ${info.memory_gib} GiB, ${info.cpu}, ${info.os} (${info.arch}).`,
    `- Load average (1, 5, 15 min) at start ${loads(info.loadavg_at_start)}` +
      (info.loadavg_at_end ? `, at end ${loads(info.loadavg_at_end)}` : "") + ".",
    `- Versions: Deno ${info.deno}, V8 ${info.v8}, TypeScript ${info.typescript}, Node ${info.node}, ` +
      `${info.go}, ${info.clang}.`,
    "",
    "Median per iteration (`~` = deno's average where no samples apply); ratio = median / the group's " +
      "baseline (marked **base**), same process, same run.",
  );
  for (const row of Object.keys(ROWS).map(Number)) {
    const rowResults = results.filter((r) => r.row === row);
    const rowRuns = runs.filter((r) => r.row === row);
    if (rowRuns.length === 0) continue;
    lines.push("", `### ${row}. ${ROWS[row]}`, "");
    for (const file of [...new Set(rowResults.map((r) => r.file))]) {
      const fileResults = rowResults.filter((r) => r.file === file);
      const perPlugin = fileResults.some((r) => r.perPluginMs !== undefined);
      lines.push(
        `\`${file}\`:`,
        "",
        `| group | bench | median ms | ratio |${perPlugin ? " per plugin ms |" : ""} goal | pass |`,
        `|---|---|---:|---:|${perPlugin ? "---:|" : ""}---|---|`,
      );
      for (const r of fileResults) {
        const med = `${r.medianSource === "avg" ? "~" : ""}${fmtMs(r.medianMs)}`;
        const ratio = r.baseline ? "**base**" : r.ratio === null ? "" : `${r.ratio.toFixed(2)}x`;
        const pp = perPlugin ? ` ${r.perPluginMs === undefined ? "" : fmtMs(r.perPluginMs)} |` : "";
        const pass = r.pass === undefined ? "" : r.pass ? "pass" : "**FAIL**";
        lines.push(`| ${r.group ?? ""} | ${r.name} | ${med} | ${ratio} |${pp} ${r.goal ?? ""} | ${pass} |`);
      }
      lines.push("");
    }
    for (const run of rowRuns.filter((r) => r.status !== "ok")) {
      lines.push("", `- \`${run.file}\`: ${run.status}${run.note ? ` (${run.note})` : ""}`);
    }
  }
  lines.push(...renderExtras(extras));
  lines.push(
    "",
    "Files run (load: the 1-minute load average when the file started → ended; above ~2 on these 2 cores, " +
      "other work competed with the benches):",
    "",
    "| file | row | status | seconds | load | note |",
    "|---|---:|---|---:|---|---|",
  );
  for (const r of runs) {
    const load = r.load ? `${r.load[0].toFixed(1)} → ${r.load[1].toFixed(1)}` : "";
    const note = (r.note ?? "").replaceAll("|", "\\|");
    lines.push(`| ${r.file} | ${r.row} | ${r.status} | ${r.seconds} | ${load} | ${note} |`);
  }
  return lines.join("\n");
}

const TEMPLATE = `# Benchmark results

${START}
${END}

## Reading these numbers

(Written by hand: why we are behind where we are, and what would close it.)
`;

/** Replaces the generated block of RESULTS.md, keeping the hand-written text around it. */
export function spliceResults(existing: string | undefined, generated: string): string {
  const text = existing && existing.includes(START) && existing.includes(END) ? existing : TEMPLATE;
  const a = text.indexOf(START) + START.length;
  const b = text.indexOf(END);
  return `${text.slice(0, a)}\n${generated}\n${text.slice(b)}`;
}

/** Peak RSS rows written by bench/suite/process_bench.ts. */
export interface RssRow {
  group: string;
  name: string;
  baseline: boolean;
  kib: number;
}

/** Measurements that are not `deno bench` files: peak memory, the gate, per-module start-up cost. */
export interface Extras {
  rss?: RssRow[];
  gate?: { samuel_ms: number; floor_ms: number; ratio: number; ok: boolean };
  modules?: {
    empty_ms: number;
    run_graph_modules: number;
    shipped_version_ms: number;
    bundle_bytes: number;
    modules: { module: string; modules: number; bytes: number; extraMs: number }[];
  };
}

/** Peak-RSS goals (issue 12): the shipped run against the group's baseline. */
const RSS_GOALS: { name: RegExp; max: number; text: string }[] = [
  { name: /^tiny: samuel run .*shipped/, max: 1.5, text: "≤ 1.5x deno run" },
  { name: /^go: samuel (run|plugin exec) .*shipped/, max: 1.5, text: "≤ 1.5x wazero" },
];

/** Runs a script of the suite that prints JSON (to `out`), under a cap; undefined when it fails. */
async function runJsonScript(args: string[], out: string, capSeconds: number): Promise<unknown> {
  try {
    Deno.removeSync(out);
  } catch { /* not there */ }
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
  }, capSeconds * 1000);
  const o = await child.output();
  clearTimeout(timer);
  const stdout = new TextDecoder().decode(o.stdout).trim();
  try {
    return JSON.parse(exists(out) ? Deno.readTextFileSync(out) : stdout.split("\n").pop() ?? "");
  } catch {
    console.error(
      `bench: ${args.join(" ")} gave no result: ${new TextDecoder().decode(o.stderr).slice(-400)}`,
    );
    return undefined;
  }
}

function renderExtras(extras: Extras): string[] {
  const lines: string[] = [];
  if (extras.rss?.length) {
    lines.push(
      "",
      "### Peak memory of the whole-process rows (`/usr/bin/time -f %M`, median of 5)",
      "",
      "| group | command | peak RSS MiB | ratio | goal | pass |",
      "|---|---|---:|---:|---|---|",
    );
    for (const group of [...new Set(extras.rss.map((r) => r.group))]) {
      const rows = extras.rss.filter((r) => r.group === group);
      const base = rows.find((r) => r.baseline);
      for (const r of rows) {
        const ratio = base && !r.baseline ? r.kib / base.kib : undefined;
        const goal = RSS_GOALS.find((g) => g.name.test(r.name));
        const pass = goal && ratio !== undefined ? (ratio <= goal.max ? "pass" : "**FAIL**") : "";
        lines.push(
          `| ${group} | ${r.name} | ${(r.kib / 1024).toFixed(1)} | ${
            r.baseline ? "**base**" : ratio === undefined ? "" : `${ratio.toFixed(2)}x`
          } | ${goal?.text ?? ""} | ${pass} |`,
        );
      }
    }
  }
  if (extras.gate) {
    const g = extras.gate;
    lines.push(
      "",
      "### Per invocation with the wall in place (`bench/gate.ts`, fresh processes, Go plugin, cache hit)",
      "",
      "| measure | median ms | ratio | goal | pass |",
      "|---|---:|---:|---|---|",
      `| bare V8 compile + instantiate + \`_initialize\` + \`health\`, same bytes (floor) | ${
        fmtMs(g.floor_ms)
      } | **base** | | |`,
      `| samuel \`runPlugin\` behind the process wall (lock, checks, cache, compile, narrow, hosts, init, call) | ${
        fmtMs(g.samuel_ms)
      } | ${g.ratio.toFixed(2)}x | ≤ 1.3x floor | ${g.ratio <= 1.3 ? "pass" : "**FAIL**"} |`,
      `| the CI gate: samuel median ≤ 150 ms | ${fmtMs(g.samuel_ms)} | | ≤ 150 ms | ${
        g.ok ? "pass" : "**FAIL**"
      } |`,
    );
  }
  if (extras.modules) {
    const m = extras.modules;
    lines.push(
      "",
      "### Start-up cost of each module on the `samuel run` path (`bench/module_cost.ts`)",
      "",
      `A whole process that only imports the module, minus \`deno run\` of an empty script (${
        fmtMs(m.empty_ms)
      } ms), median; a module's figure includes what it imports. The source run path loads ` +
        `${m.run_graph_modules} local modules; the shipped bundle is one file of ${
          Math.round(m.bundle_bytes / 1024)
        } KiB for the same path, and \`samuel version\` from it takes ${
          fmtMs(m.shipped_version_ms)
        } ms in all.`,
      "",
      "| module | modules in its graph | KiB | extra ms |",
      "|---|---:|---:|---:|",
    );
    for (const r of m.modules.slice(0, 40)) {
      lines.push(
        `| \`${r.module}\` | ${r.modules} | ${Math.round(r.bytes / 1024)} | ${r.extraMs.toFixed(2)} |`,
      );
    }
    if (m.modules.length > 40) lines.push(`| (${m.modules.length - 40} more, each below the last) | | | |`);
  }
  return lines;
}

function flag(name: string): string | undefined {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1] : undefined;
}

/** Builds the suite's own fixtures when missing or stale (each build script skips fresh outputs). */
async function buildFixtures(): Promise<void> {
  const steps: [string, string][] = [["bench/fixtures/build.sh", "C reactor"]];
  if (!exists(`${ROOT}/examples/go-guide-wasm/build/plugin.wasm`)) {
    steps.push(["examples/go-guide-wasm/build.sh", "Go plugin"]);
  }
  for (const [script, what] of steps) {
    const o = await new Deno.Command("bash", { args: [script], cwd: ROOT, stdout: "null", stderr: "piped" })
      .output().catch(() => undefined);
    if (!o?.success) {
      console.error(`bench: building the ${what} failed (${script}); its rows will be skipped`);
    }
  }
}

async function main(): Promise<void> {
  const t0 = performance.now();
  await buildFixtures();
  const budget = Number(flag("--budget") ?? 280);
  const only = flag("--only");
  const capOverride = flag("--cap") === undefined ? undefined : Number(flag("--cap"));
  const info = await machine();
  const files = [...FILES, ...unlisted()].filter((f) => !only || f.path.includes(only));
  const runs: FileRun[] = [];
  const results: BenchResult[] = [];
  for (const spec of files) {
    const left = budget - (performance.now() - t0) / 1000;
    if (left < 10) {
      runs.push({
        file: spec.path,
        row: spec.row,
        status: "timeout",
        seconds: 0,
        note: "suite budget spent",
      });
      continue;
    }
    const cap = Math.min(capOverride ?? spec.capSeconds, Math.floor(left));
    console.error(`bench: ${spec.path} (cap ${cap} s)`);
    const loadBefore = Deno.loadavg()[0];
    const r = await runFile(spec, cap);
    r.run.load = [loadBefore, Deno.loadavg()[0]];
    console.error(
      `bench: ${spec.path}: ${r.run.status} in ${r.run.seconds} s${r.run.note ? ` (${r.run.note})` : ""}`,
    );
    runs.push(r.run);
    results.push(...r.results);
  }
  annotate(results);
  const extras: Extras = {};
  try {
    extras.rss = JSON.parse(Deno.readTextFileSync(RSS_JSON));
  } catch { /* the process bench did not run */ }
  if (!only || "bench/gate.ts".includes(only)) {
    console.error("bench: bench/gate.ts (cap 120 s)");
    extras.gate = await runJsonScript(
      ["run", "-A", "bench/gate.ts", "--json", "--runs", "9"],
      "",
      120,
    ) as Extras["gate"];
  }
  if (!only || "bench/module_cost.ts".includes(only)) {
    console.error("bench: bench/module_cost.ts (cap 120 s)");
    const out = `${OUT_DIR}/module_cost.json`;
    extras.modules = await runJsonScript(
      ["run", "-A", "bench/module_cost.ts", "--rounds", "9", "--json", out],
      out,
      120,
    ) as Extras["modules"];
  }
  info.loadavg_at_end = Deno.loadavg();
  const totalSeconds = (performance.now() - t0) / 1000;
  Deno.mkdirSync(OUT_DIR, { recursive: true });
  Deno.writeTextFileSync(
    `${OUT_DIR}/results.json`,
    JSON.stringify({ machine: info, total_seconds: totalSeconds, files: runs, results, extras }, null, 2) +
      "\n",
  );
  const md = renderMarkdown(info, runs, results, totalSeconds, extras);
  let existing: string | undefined;
  try {
    existing = Deno.readTextFileSync(RESULTS_MD);
  } catch { /* first run */ }
  Deno.writeTextFileSync(RESULTS_MD, spliceResults(existing, md));
  // Keep `deno task check` (deno fmt --check) clean: fmt wraps the prose and aligns the tables.
  await new Deno.Command(Deno.execPath(), { args: ["fmt", "-q", RESULTS_MD], cwd: ROOT }).output();
  console.log(md);
  console.error(`bench: wrote bench/out/results.json and bench/RESULTS.md in ${totalSeconds.toFixed(0)} s`);
}

if (import.meta.main) await main();
