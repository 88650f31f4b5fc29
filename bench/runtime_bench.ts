/**
 * The `samuel run` path, measured against bare V8 on the same bytes (DESIGN.md section 9, issue 4):
 *
 * - `cold <module>`: one invocation from pre-processed bytes: compile + host set-up + instantiate + WASI
 *   bootstrap (`_initialize`) + call `health`. Every compile sees bytes V8 has not seen (a nonce section),
 *   so V8's in-process module cache cannot help. Baseline: `new WebAssembly.Module` + `instantiate` + the
 *   same calls with stub imports (a minimal WASI shim that lets `_initialize` succeed). Then `invoke`
 *   in-process, and the real thing: a `Sandbox` Worker started first (as run.ts does) + compile + run.
 *   Goal: in-process within 1.5x of the baseline.
 * - `warm <module>`: the module already compiled (a cache hit in a `samuel run` loop): instantiate + call,
 *   bare versus `invoke`, `Sandbox` (a Worker per invocation is the outer wall's price), and a pooled
 *   `Sandbox` as `samuel run --all` uses for plugins with identical grants (the Worker reused).
 * - `process`: whole-process `samuel run <plugin> health` against `deno run empty.ts`. Goal: within 2x.
 * - `limits`: a compute-heavy guest with and without the time probes (the meter). Goal: at most 15%.
 *
 * Modules: a tiny WAT reactor and examples/go-guide-wasm's ~4 MB Go reactor (built by its build.sh; the
 * Go groups are skipped when it is missing).
 */

import { customSection, withSection } from "../src/runtime/preprocess/custom_section.ts";
import { wat2wasm } from "../tests/support/wat.ts";
import { invoke, type InvokeRequest } from "../src/runtime/invoke.ts";
import { Sandbox, SandboxPool } from "../src/runtime/sandbox.ts";
import { type ModuleInfo, preprocess } from "../src/runtime/preprocess/mod.ts";
import { sandboxFromGrants } from "../src/runtime/sandbox_spec.ts";
import { createMeter } from "../src/runtime/host/meter.ts";
import { emptyScript, HERMETIC_ENV, MAIN, SAMUEL_FLAGS } from "./support/process.ts";

const MiB = 1024 * 1024;

/**
 * Registers a benchmark with `deno bench`, and keeps it for the median mode: `deno run -A
 * --unstable-worker-options bench/runtime_bench.ts --medians` runs each one `n` times itself and prints
 * medians and ratios to each group's baseline (`deno bench` reports averages and percentiles).
 */
const registered: Deno.BenchDefinition[] = [];
function bench(def: Deno.BenchDefinition): void {
  registered.push(def);
  Deno.bench(def);
}
const GO_WASM = new URL("../examples/go-guide-wasm/build/plugin.wasm", import.meta.url).pathname;
const GO_DIR = new URL("../examples/go-guide-wasm/", import.meta.url).pathname;

const TINY_WAT = `(module
  (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (func (export "_initialize"))
  (func (export "health") (result i32) (i32.const 0)))`;

interface Subject {
  name: string;
  original: Uint8Array<ArrayBuffer>;
  bytes: Uint8Array<ArrayBuffer>;
  info: ModuleInfo;
  bare: WebAssembly.Module;
  compiled: WebAssembly.Module;
  /** `original` and `bytes` with a trailing nonce section, for cold compiles (see `fresh`). */
  coldOriginal: Uint8Array<ArrayBuffer>;
  coldBytes: Uint8Array<ArrayBuffer>;
}

const NONCE_DIGITS = 12;

/** `bytes` plus a custom section `nonce` whose payload `fresh` rewrites before each cold compile. */
function withNonceSection(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  // The payload is last in the module, so `fresh` finds the nonce's digits at its end.
  return withSection(bytes, customSection("nonce", new Uint8Array(NONCE_DIGITS)));
}

let nonce = 0;
/**
 * The same module under bytes V8 has never seen: V8 keeps compiled code per wire bytes inside a process,
 * so compiling identical bytes again would measure a cache hit, not a cold compile. The Module copies the
 * bytes when compiling, so rewriting the nonce in place afterwards is safe.
 */
function fresh(buf: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  const digits = String(++nonce).padStart(NONCE_DIGITS, "0");
  for (let i = 0; i < NONCE_DIGITS; i++) buf[buf.length - NONCE_DIGITS + i] = digits.charCodeAt(i);
  return buf;
}

function subject(name: string, original: Uint8Array<ArrayBuffer>): Subject {
  const pre = preprocess(original, { maxMemoryBytes: 64 * MiB, meter: true });
  return {
    name,
    original,
    bytes: pre.bytes,
    info: pre.info,
    bare: new WebAssembly.Module(original),
    compiled: new WebAssembly.Module(pre.bytes),
    coldOriginal: withNonceSection(original),
    coldBytes: withNonceSection(pre.bytes),
  };
}

/**
 * The baseline's imports: every import a no-op returning 0, except the few WASI calls a runtime's
 * start-up needs answered for real (clock, random, args/env sizes, end of the preopen list, writes).
 */
function stubImports(module: WebAssembly.Module, memory: () => WebAssembly.Memory): WebAssembly.Imports {
  const view = () => new DataView(memory().buffer);
  const wasi: Record<string, (...a: number[]) => number> = {
    args_sizes_get: (a, b) => (view().setUint32(a, 0, true), view().setUint32(b, 0, true), 0),
    environ_sizes_get: (a, b) => (view().setUint32(a, 0, true), view().setUint32(b, 0, true), 0),
    clock_time_get: (_id, _prec, out) => (view().setBigUint64(out, BigInt(Date.now()) * 1_000_000n, true), 0),
    random_get: (p, n) => (crypto.getRandomValues(new Uint8Array(memory().buffer, p, n)), 0),
    fd_prestat_get: () => 8,
    fd_write: (_fd, iovs, n, out) => {
      let total = 0;
      for (let i = 0; i < n; i++) total += view().getUint32(iovs + 8 * i + 4, true);
      view().setUint32(out, total, true);
      return 0;
    },
  };
  const imports: Record<string, Record<string, unknown>> = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.kind !== "function") continue;
    (imports[imp.module] ??= {})[imp.name] = imp.module === "wasi_snapshot_preview1" && wasi[imp.name]
      ? wasi[imp.name]
      : () => 0;
  }
  return imports as WebAssembly.Imports;
}

function bareRun(module: WebAssembly.Module): number {
  const ref: { instance?: WebAssembly.Instance } = {};
  const instance = ref.instance = new WebAssembly.Instance(
    module,
    stubImports(module, () => ref.instance!.exports.memory as WebAssembly.Memory),
  );
  const ex = instance.exports as Record<string, () => number>;
  ex._initialize?.();
  return ex.health();
}

function request(): InvokeRequest {
  const spec = sandboxFromGrants({
    pluginName: "bench",
    exportName: "health",
    grants: {
      env: [],
      filesystem: { read: ["/workspace"], write: [] },
      network: { hosts: [] },
      maxMemory: 64,
      timeoutMs: 5000,
      hardTimeoutMs: 30000,
    },
    projectRoot: Deno.cwd(),
    getEnv: () => undefined,
  });
  return { spec, exportName: "health", input: new Uint8Array() };
}

async function check(p: Promise<{ outcome: string; message?: string }>): Promise<void> {
  const r = await p;
  if (r.outcome !== "ok") throw new Error(`health: ${r.outcome} ${r.message ?? ""}`);
}

const subjects: Subject[] = [subject("tiny", await wat2wasm(TINY_WAT) as Uint8Array<ArrayBuffer>)];
const goBytes = await Deno.readFile(GO_WASM).catch(() => undefined);
if (goBytes) subjects.push(subject("go-guide-wasm", goBytes as Uint8Array<ArrayBuffer>));
else console.warn(`skipping go-guide-wasm: build it with ${GO_DIR}build.sh`);

const pool = new SandboxPool();
for (const s of subjects) {
  const big = s.original.length > MiB;
  const n = big ? 40 : 200;
  bench({
    name: `bare V8: compile + instantiate + init + health (${s.name})`,
    group: `cold ${s.name}`,
    baseline: true,
    n,
    fn() {
      if (bareRun(new WebAssembly.Module(fresh(s.coldOriginal))) !== 0) throw new Error("health failed");
    },
  });
  bench({
    name: `invoke in-process: compile + WASI/samuel host + instantiate + init + health (${s.name})`,
    group: `cold ${s.name}`,
    n,
    async fn() {
      await check(invoke(new WebAssembly.Module(fresh(s.coldBytes)), s.info, request()));
    },
  });
  bench({
    name: `Sandbox Worker started first, then compile + run (${s.name})`,
    group: `cold ${s.name}`,
    n: big ? 30 : 60,
    async fn() {
      const req = request();
      const sandbox = new Sandbox(req.spec);
      await check(sandbox.run(new WebAssembly.Module(fresh(s.coldBytes)), s.info, req));
    },
  });

  bench({
    name: `bare V8: instantiate + init + health (${s.name})`,
    group: `warm ${s.name}`,
    baseline: true,
    n,
    fn() {
      if (bareRun(s.bare) !== 0) throw new Error("health failed");
    },
  });
  bench({
    name: `invoke in-process, module compiled (${s.name})`,
    group: `warm ${s.name}`,
    n,
    async fn() {
      await check(invoke(s.compiled, s.info, request()));
    },
  });
  bench({
    name: `Sandbox Worker + invoke, module compiled (${s.name})`,
    group: `warm ${s.name}`,
    n: big ? 30 : 60,
    async fn() {
      const req = request();
      await check(new Sandbox(req.spec).run(s.compiled, s.info, req));
    },
  });
  // `samuel run --all`: plugins with identical grants share a Worker (one pool for the whole bench).
  bench({
    name: `pooled Sandbox Worker (run --all) + invoke, module compiled (${s.name})`,
    group: `warm ${s.name}`,
    n,
    async fn() {
      const req = request();
      await check(pool.sandbox(req.spec).run(s.compiled, s.info, req));
    },
  });
}

// Whole process: a project with both plugins installed, its own SAMUEL_HOME (the cache warmed by install).
const project = await Deno.makeTempDir({ prefix: "samuel-bench-run-" });
const env = { ...HERMETIC_ENV, SAMUEL_HOME: `${project}/.home`, NO_COLOR: "1" };
async function samuel(args: string[]): Promise<void> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-q", ...SAMUEL_FLAGS, MAIN, ...args],
    cwd: project,
    env,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`samuel ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
}
await samuel(["init"]);
const tinySrc = `${project}/.src-tiny`;
await Deno.mkdir(tinySrc);
await Deno.writeFile(`${tinySrc}/plugin.wasm`, subjects[0].original);
await Deno.writeTextFile(
  `${tinySrc}/samuel-plugin.toml`,
  `name = "tiny"\nversion = "0.1.0"\nkind = "wasm"\nsummary = "bench"\n[samuel]\nframework = "*"\n` +
    `protocol = "^1.0.0"\n[wasm]\nmodule = "plugin.wasm"\nexports = ["health"]\n` +
    `[capabilities.filesystem]\nread = ["/workspace"]\n`,
);
await samuel(["install", `file://${tinySrc}`, "--allow-unsigned", "--yes"]);
if (goBytes) {
  const goSrc = `${project}/.src-go`;
  await Deno.mkdir(goSrc);
  await Deno.copyFile(`${GO_DIR}samuel-plugin.toml`, `${goSrc}/samuel-plugin.toml`);
  await Deno.writeFile(`${goSrc}/plugin.wasm`, goBytes);
  await samuel(["install", `file://${goSrc}`, "--allow-unsigned", "--yes"]);
}
const empty = emptyScript();

bench({
  name: "deno run empty.ts",
  group: "process",
  baseline: true,
  n: 30,
  async fn() {
    const out = await new Deno.Command(Deno.execPath(), { args: ["run", "-q", empty], stdout: "null" })
      .output();
    if (!out.success) throw new Error("deno run failed");
  },
});
bench({
  name: "samuel run tiny health",
  group: "process",
  n: 30,
  async fn() {
    await samuel(["run", "tiny", "health"]);
  },
});
if (goBytes) {
  bench({
    name: "samuel run go-guide-wasm health",
    group: "process",
    n: 30,
    async fn() {
      await samuel(["run", "go-guide-wasm", "health"]);
    },
  });
}

// Limits overhead: a compute kernel (a hashing loop and a recursive fib) with and without the probes.
const KERNEL_WAT = `(module
  (func $fib (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  (func (export "run") (result i32) (local $i i32) (local $h i32)
    (local.set $h (i32.const 2166136261))
    (loop $l
      (local.set $h (i32.mul (i32.xor (local.get $h) (local.get $i)) (i32.const 16777619)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 20000000))))
    (i32.add (local.get $h) (call $fib (i32.const 27)))))`;
const kernel = await wat2wasm(KERNEL_WAT);
const plain = new WebAssembly.Instance(new WebAssembly.Module(kernel as Uint8Array<ArrayBuffer>));
const meteredPre = preprocess(kernel, { maxMemoryBytes: 64 * MiB, meter: true });
const meteredModule = new WebAssembly.Module(meteredPre.bytes);
bench({
  name: "compute kernel, no probes",
  group: "limits",
  baseline: true,
  n: 20,
  fn() {
    (plain.exports.run as () => number)();
  },
});
bench({
  name: "compute kernel, time probes + meter",
  group: "limits",
  n: 20,
  fn() {
    const meter = createMeter({ hardDeadlineMs: performance.now() + 30_000 });
    const inst = new WebAssembly.Instance(meteredModule, {
      "samuel:meter": { refill: meter.imports.refill },
    });
    (inst.exports.run as () => number)();
  },
});

if (Deno.args.includes("--medians")) {
  globalThis.addEventListener("unload", () => pool.close());
  const groups = new Map<string, { name: string; median: number; baseline: boolean }[]>();
  for (const def of registered) {
    const times: number[] = [];
    const n = def.n ?? 50;
    for (let i = 0; i < n + 3; i++) {
      const t = performance.now();
      await def.fn!({} as Deno.BenchContext);
      if (i >= 3) times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const row = { name: def.name!, median: times[times.length >> 1], baseline: def.baseline === true };
    groups.set(def.group!, [...(groups.get(def.group!) ?? []), row]);
  }
  for (const [group, rows] of groups) {
    const base = rows.find((r) => r.baseline)!;
    console.log(`\n${group}`);
    for (const r of rows) {
      const ms = r.median < 1 ? `${(r.median * 1000).toFixed(0)} µs` : `${r.median.toFixed(2)} ms`;
      console.log(`  ${ms.padStart(10)}  ${(r.median / base.median).toFixed(2).padStart(7)}x  ${r.name}`);
    }
  }
}
