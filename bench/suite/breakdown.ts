/**
 * Where the time of a whole-process `samuel run <plugin> health` goes (the analysis in bench/RESULTS.md
 * rests on it). Runs, interleaved so that the shared machine's noise hits each step alike, N rounds of:
 *
 * 1. `deno run empty.ts`: Deno's own start-up;
 * 2. `deno run` of a script that starts one empty Worker with narrowed permissions and waits for it: the
 *    cost of a second isolate;
 * 3. the same with a Worker that imports src/runtime/invoke.ts: the second isolate plus loading the
 *    runtime's module graph inside it (what src/runtime/sandbox_worker.ts does on every invocation);
 * 4. `samuel version`: the CLI's start-up (argv, command table, output);
 * 5. `deno run` of a script importing the `run` command's module graph, doing nothing;
 * 6. `samuel run bench-tiny health` (a 218-byte plugin, cache hit);
 * 7. `samuel run bench-go health` (the 3.7 MB Go plugin, cache hit);
 *
 * and prints each step's median. With `--in-process`, it instead splits one cold invocation per module
 * size into its parts, interleaved with the floor (bare V8) and node:wasi on fresh nonce'd modules: cache
 * load (read + sha256 + touch + stats), compile, and `invoke` (instantiate, `_initialize`, the call), plus
 * the floor run on the metered bytes (the probes' share). Not a bench file (the suite does not run it):
 *   deno run -A bench/suite/breakdown.ts [ROUNDS] [--in-process]
 */

import {
  benchGrants,
  floorImports,
  loadFixtures,
  MAIN,
  makeProject,
  runFloor,
  runNodeWasi,
  runWithEnv,
  SAMUEL_FLAGS,
  withNonce,
  writePluginDir,
} from "./common.ts";
import { median } from "../report.ts";
import { ModuleCache } from "../../src/store/module_cache.ts";
import { buildForCache, cacheVariant } from "../../src/store/module_check.ts";
import { invoke } from "../../src/runtime/invoke.ts";
import { sandboxFromGrants } from "../../src/runtime/sandbox_spec.ts";
import type { ModuleInfo } from "../../src/runtime/preprocess/mod.ts";

const rounds = Number(Deno.args.find((a) => /^\d+$/.test(a)) ?? 15);

/** The in-process split of one cold invocation per module size (see the header). */
async function inProcess(): Promise<void> {
  const base = Deno.makeTempDirSync({ prefix: "samuel-breakdown-ip-" });
  const cache = new ModuleCache(`${base}/cache`, 4 * 1024 ** 3);
  for (const f of await loadFixtures()) {
    const variant = cacheVariant(f.maxMemoryMiB);
    const build = buildForCache(f.maxMemoryMiB);
    const t: Record<string, number[]> = {};
    const add = (k: string, v: number) => (t[k] ??= []).push(v);
    let nonce = 0;
    for (let i = 0; i < rounds + 1; i++) {
      const keep = i > 0;
      let t0 = performance.now();
      runFloor(withNonce(f.bytes, nonce++));
      if (keep) add("floor: bare V8 compile+instantiate+call", performance.now() - t0);
      t0 = performance.now();
      runNodeWasi(withNonce(f.bytes, nonce++), base);
      if (keep) add("node:wasi in Deno", performance.now() - t0);
      const metered = (await cache.getOrBuild(withNonce(f.bytes, nonce++), variant, build)).bytes;
      t0 = performance.now();
      const mm = new WebAssembly.Module(metered as Uint8Array<ArrayBuffer>);
      let inst: WebAssembly.Instance | undefined = undefined;
      const imports = floorImports(mm, () => inst!.exports.memory as WebAssembly.Memory) as Record<
        string,
        Record<string, unknown>
      >;
      // The probes' host call hands out a large budget, as the real meter does between clock reads.
      for (const name of Object.keys(imports["samuel:meter"] ?? {})) {
        imports["samuel:meter"][name] = () => 1 << 30;
      }
      inst = new WebAssembly.Instance(mm, imports as WebAssembly.Imports);
      (inst.exports._initialize as (() => void) | undefined)?.();
      (inst.exports.health as () => number)();
      if (keep) add("floor on the metered bytes", performance.now() - t0);
      const sha = (await cache.getOrBuild(withNonce(f.bytes, nonce++), variant, build)).meta.sourceSha256;
      t0 = performance.now();
      const found = await cache.load(sha, variant);
      cache.record("h");
      const t1 = performance.now();
      const module = new WebAssembly.Module(found.entry!.bytes as Uint8Array<ArrayBuffer>);
      const t2 = performance.now();
      const spec = sandboxFromGrants({
        pluginName: "x",
        exportName: "health",
        grants: benchGrants(f.maxMemoryMiB),
        projectRoot: base,
        getEnv: () => undefined,
      });
      const r = await invoke(module, found.entry!.meta.info as ModuleInfo, {
        spec,
        exportName: "health",
        input: new Uint8Array(),
      });
      const t3 = performance.now();
      if (!keep) continue;
      add("samuel hit: total", t3 - t0);
      add("  cache load (read, sha256, touch, stats)", t1 - t0);
      add("  compile (new WebAssembly.Module)", t2 - t1);
      add("  invoke", t3 - t2);
      add("    instantiate (hosts + instance)", r.timings.instantiate_ms);
      add("    _initialize", r.timings.init_ms);
      add("    health", r.timings.call_ms);
    }
    console.log(`${f.label}: median of ${rounds} interleaved rounds`);
    for (const [k, v] of Object.entries(t)) {
      console.log(`  ${k.padEnd(46)} ${median(v).toFixed(2).padStart(8)} ms`);
    }
  }
  Deno.removeSync(base, { recursive: true });
}

if (Deno.args.includes("--in-process")) {
  await inProcess();
  Deno.exit(0);
}
const deno = Deno.execPath();
const config = new URL("../../deno.json", import.meta.url).pathname;
const dir = Deno.makeTempDirSync({ prefix: "samuel-breakdown-" });
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));

const invokeUrl = new URL("../../src/runtime/invoke.ts", import.meta.url).href;
const runCommandUrl = new URL("../../src/cli/commands/run.ts", import.meta.url).href;
const files: Record<string, string> = {
  "empty.ts": "// intentionally empty\n",
  "empty_worker.ts": "self.onmessage = () => self.postMessage(0);\n",
  "runtime_worker.ts": `import ${JSON.stringify(invokeUrl)};\nself.onmessage = () => self.postMessage(0);\n`,
  "imports_run.ts": `import ${JSON.stringify(runCommandUrl)};\n`,
};
for (const [name, text] of Object.entries(files)) Deno.writeTextFileSync(`${dir}/${name}`, text);
const spawner = (worker: string) => {
  const path = `${dir}/spawn_${worker}`;
  Deno.writeTextFileSync(
    path,
    `const permissions = { read: false, write: false, net: false, env: false, run: false, ffi: false, ` +
      `sys: false, import: false };\n` +
      `const w = new Worker(new URL("./${worker}", import.meta.url), ` +
      `{ type: "module", deno: { permissions } });\n` +
      `await new Promise((r) => { w.onmessage = r; w.postMessage(0); });\nw.terminate();\n`,
  );
  return path;
};
const spawnEmpty = spawner("empty_worker.ts");
const spawnRuntime = spawner("runtime_worker.ts");

const project = await makeProject("breakdown");
for (const f of (await loadFixtures()).filter((f) => f.id === "tiny" || f.id === "go")) {
  const plugin = `${project.root}/../plugins/${f.id}`;
  writePluginDir(plugin, `bench-${f.id}`, f.bytes, f.maxMemoryMiB);
  await project.install(plugin);
}

const steps: [string, string[]][] = [
  ["deno run empty.ts", ["run", "-q", `${dir}/empty.ts`]],
  ["deno run + 1 empty Worker", ["run", "-q", "-A", "--config", config, spawnEmpty]],
  ["deno run + 1 Worker importing the runtime", ["run", "-q", "-A", "--config", config, spawnRuntime]],
  ["samuel version", ["run", "-q", ...SAMUEL_FLAGS, MAIN, "version"]],
  ["deno run importing the run command's graph", [
    "run",
    "-q",
    "-A",
    "--config",
    config,
    `${dir}/imports_run.ts`,
  ]],
  ["samuel run bench-tiny health", ["run", "-q", ...SAMUEL_FLAGS, MAIN, "run", "bench-tiny", "health"]],
  ["samuel run bench-go health", ["run", "-q", ...SAMUEL_FLAGS, MAIN, "run", "bench-go", "health"]],
];
const times: number[][] = steps.map(() => []);
for (let round = 0; round < rounds + 1; round++) {
  for (const [i, [, args]] of steps.entries()) {
    const t0 = performance.now();
    await runWithEnv(deno, args, project.root, project.env);
    if (round > 0) times[i].push(performance.now() - t0); // round 0 warms Deno's caches
  }
}
console.log(`median of ${rounds} interleaved rounds (load average now ${Deno.loadavg().join(" ")}):`);
for (const [i, [name]] of steps.entries()) {
  console.log(`  ${name.padEnd(46)} ${median(times[i]).toFixed(1).padStart(7)} ms`);
}
