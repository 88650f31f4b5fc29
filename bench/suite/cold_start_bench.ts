/**
 * Row 1 of issue 8: cold start per invocation (cache load or compile + host set-up + instantiate + WASI
 * bootstrap + the call, DESIGN.md section 9) for three module sizes: a tiny WAT reactor, the ~36 KB C
 * reactor (bench/fixtures/build.sh) and the ~3.7 MB Go wasip1 reactor (examples/go-guide-wasm/build.sh).
 * Each size is one group:
 *
 * - bare V8 (baseline, the floor): `new WebAssembly.Module` + instantiate + `_initialize` + `health` with
 *   no WASI host (common.ts `floorImports`; with no /workspace, the Go plugin's `health` returns 1 early,
 *   so its floor is a little lower than the same call with a filesystem would be);
 * - Deno's `node:wasi` running the same module the same way;
 * - samuel in-process, cache miss: sha256 + pre-process (memory cap, meter probes) + store in the module
 *   cache + compile + `invoke` (WASI host, samuel host, meter, lifecycle, call);
 * - samuel in-process, cache hit: load + verify the cache entry + compile + `invoke`;
 * - samuel behind the outer wall, cache hit: the same plus the sandbox Worker (`runInSandbox`), which is
 *   what `samuel run` does per invocation.
 *
 * "Cold" means the module: every iteration compiles a module V8 has never seen (a nonce'd copy, see
 * `withNonce`), and every hit loads its own entry, built outside the timing; each iteration's entry is
 * dropped after it, so the cache holds about one entry (its LRU scan on store grows with the entry
 * count). The host's own JavaScript is warm here; a fresh process is measured by bench/gate.ts and the
 * whole-process rows. The goal: samuel's cache hit within 1.5x of the floor.
 * Run: `deno bench -A bench/suite/cold_start_bench.ts`.
 */

import { ModuleCache } from "../../src/store/module_cache.ts";
import { buildForCache, cacheVariant } from "../../src/store/module_check.ts";
import { invoke } from "../../src/runtime/invoke.ts";
import { runInSandbox } from "../../src/runtime/sandbox.ts";
import { sandboxFromGrants } from "../../src/runtime/sandbox_spec.ts";
import type { ModuleInfo } from "../../src/runtime/preprocess/mod.ts";
import { benchGrants, type Fixture, loadFixtures, runFloor, runNodeWasi, withNonce } from "./common.ts";

const base = Deno.makeTempDirSync({ prefix: "samuel-bench-cold-" });
const workspace = `${base}/workspace`;
Deno.mkdirSync(workspace);
for (const f of ["go.mod", "main.go", "README.md"]) Deno.writeTextFileSync(`${workspace}/${f}`, "x\n");
globalThis.addEventListener("unload", () => Deno.removeSync(base, { recursive: true }));
const cache = new ModuleCache(`${base}/home/cache/wasm`, 4 * 1024 ** 3);
const input = new Uint8Array();

/** Iterations per size: the Go reactor's start-up is ~100x the tiny one's, so it gets fewer. */
function counts(f: Fixture): { n: number; warmup: number } {
  return f.id === "go" ? { n: 15, warmup: 2 } : { n: 40, warmup: 5 };
}

/**
 * A fresh nonce'd copy per call (made outside the timed part). Deno treats `n` as a suggestion for fast
 * benches and may run more iterations, so copies are made on demand rather than from a fixed pool.
 */
function copies(f: Fixture, salt: number): () => Uint8Array {
  let next = 0;
  return () => withNonce(f.bytes, salt + next++);
}

/** The cache entry of one iteration, dropped after it so the cache stays one entry small throughout. */
function dropEntry(f: Fixture, sha: string): void {
  Deno.removeSync(cache.entryDir(sha, cacheVariant(f.maxMemoryMiB)), { recursive: true });
}

function spec(f: Fixture) {
  return sandboxFromGrants({
    pluginName: `bench-${f.id}`,
    exportName: "health",
    grants: benchGrants(f.maxMemoryMiB),
    projectRoot: workspace,
    getEnv: () => undefined,
  });
}

function check(outcome: string, message?: string): void {
  if (outcome !== "ok") throw new Error(`health did not succeed: ${outcome} ${message ?? ""}`);
}

/** Loads a cache entry as `loadRunnable` does on a hit (verify, touch, count). */
async function loadHit(f: Fixture, sha: string): Promise<{ bytes: Uint8Array; info: ModuleInfo }> {
  const found = await cache.load(sha, cacheVariant(f.maxMemoryMiB));
  if (!found.entry) throw new Error("bench cache entry missing");
  cache.record("h");
  return { bytes: found.entry.bytes, info: found.entry.meta.info as ModuleInfo };
}

for (const f of await loadFixtures()) {
  const group = `cold start: ${f.label}`;
  const { n, warmup } = counts(f);
  const floorNext = copies(f, 1_000_000);
  const nodeNext = copies(f, 2_000_000);
  const missNext = copies(f, 3_000_000);
  const hitNext = copies(f, 4_000_000);
  const wallNext = copies(f, 5_000_000);
  const variant = cacheVariant(f.maxMemoryMiB);
  const build = buildForCache(f.maxMemoryMiB);
  /** Fills the cache with a module V8 has not compiled yet (outside the timing), returning its key. */
  const fill = async (next: () => Uint8Array) =>
    (await cache.getOrBuild(next(), variant, build)).meta.sourceSha256;

  Deno.bench(
    { name: `${f.id}: bare V8 compile+instantiate+call (floor)`, group, baseline: true, n, warmup },
    (b) => {
      const bytes = floorNext();
      b.start();
      runFloor(bytes);
      b.end();
      // Any return code: with no WASI there is no /workspace, and the Go plugin's health says so with 1.
    },
  );

  Deno.bench({ name: `${f.id}: node:wasi in Deno`, group, n, warmup }, (b) => {
    const bytes = nodeNext();
    b.start();
    const rc = runNodeWasi(bytes, workspace);
    b.end();
    if (rc !== 0) throw new Error(`node:wasi health returned ${rc}`);
  });

  Deno.bench({ name: `${f.id}: samuel invoke, cache miss`, group, n, warmup }, async (b) => {
    const source = missNext();
    b.start();
    const built = await cache.getOrBuild(source, cacheVariant(f.maxMemoryMiB), buildForCache(f.maxMemoryMiB));
    const module = new WebAssembly.Module(built.bytes as Uint8Array<ArrayBuffer>);
    const r = await invoke(module, built.meta.info as ModuleInfo, {
      spec: spec(f),
      exportName: "health",
      input,
    });
    b.end();
    if (built.hit) throw new Error("expected a cache miss");
    check(r.outcome, r.message);
  });

  Deno.bench({ name: `${f.id}: samuel invoke, cache hit`, group, n, warmup }, async (b) => {
    const sha = await fill(hitNext);
    b.start();
    const { bytes, info } = await loadHit(f, sha);
    const module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
    const r = await invoke(module, info, { spec: spec(f), exportName: "health", input });
    b.end();
    dropEntry(f, sha);
    check(r.outcome, r.message);
  });

  Deno.bench({ name: `${f.id}: samuel sandbox Worker, cache hit`, group, n, warmup }, async (b) => {
    const sha = await fill(wallNext);
    b.start();
    const { bytes, info } = await loadHit(f, sha);
    const module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
    const r = await runInSandbox(module, info, { spec: spec(f), exportName: "health", input });
    b.end();
    dropEntry(f, sha);
    check(r.outcome, r.message);
  });
}
