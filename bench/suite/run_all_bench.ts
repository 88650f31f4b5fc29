/**
 * Row 2 of issue 8: warm invocation in a `samuel run --all` loop of 20 plugins (DESIGN.md section 9: "a
 * few milliseconds"). Setup installs 20 copies of the tiny plugin (bench/fixtures/tiny.wat) under distinct
 * names into a temp project through the real CLI; the copies share one module-cache entry, as identical
 * modules do for users.
 *
 * Group "run --all loop, in-process" (each iteration is the whole loop of 20; the report divides by 20):
 * - bare V8, 20 x compile + instantiate + call (baseline);
 * - Deno's `node:wasi`, 20 x the same;
 * - samuel's loop as `samuel run --all` runs it (lock, each manifest, cache hit, compile, invoke): in this
 *   isolate, as it does when the plugins' grants are identical (the process narrows once), and through a
 *   pooled sandbox Worker, as it does when they differ.
 * Group "run --all, whole process" (the shipped bundle): `samuel run bench-01 health` (baseline) against
 * `samuel run --all health` over the 20 (identical grants: the process wall); the report derives the
 * marginal cost of one more plugin as (T20 - T1) / 19.
 * Run: `deno bench -A bench/suite/run_all_bench.ts`.
 */

import { loadConfig } from "../../src/project/config.ts";
import { readLockfile } from "../../src/project/lockfile.ts";
import { installedManifest, loadVerifiedRunnable } from "../../src/store/runnable.ts";
import { invoke } from "../../src/runtime/invoke.ts";
import { SandboxPool } from "../../src/runtime/sandbox.ts";
import { shippedSamuel } from "../support/peers.ts";
import { sandboxFromGrants } from "../../src/runtime/sandbox_spec.ts";
import { loadFixtures, makeProject, runFloor, runNodeWasi, runWithEnv, writePluginDir } from "./common.ts";

const PLUGINS = 20;
const tiny = (await loadFixtures()).find((f) => f.id === "tiny")!;
const project = await makeProject("runall");
const names = Array.from({ length: PLUGINS }, (_, i) => `bench-${String(i + 1).padStart(2, "0")}`);
for (const name of names) {
  const dir = `${project.root}/../plugins/${name}`;
  writePluginDir(dir, name, tiny.bytes, tiny.maxMemoryMiB);
  await project.install(dir);
}
// The in-process loop reads the same cache as the CLI.
Deno.env.set("SAMUEL_HOME", project.home);
const input = new Uint8Array();

/**
 * One `run --all health` loop the way src/app/run.ts runs it: in this isolate (`process`: what it does
 * when every plugin has the same grants, less the one narrowing, which a bench process cannot undo), or
 * through a pooled sandbox Worker (`pool`: what it does when the grants differ).
 */
async function samuelLoop(mode: "process" | "pool"): Promise<void> {
  const root = project.root;
  const config = await loadConfig(root, { optional: true });
  const lock = await readLockfile(root);
  const targets = [];
  for (const entry of lock.plugins) {
    const manifest = await installedManifest(root, entry);
    if (manifest.exports.includes("health")) targets.push(entry);
  }
  if (targets.length !== PLUGINS) throw new Error(`expected ${PLUGINS} plugins, found ${targets.length}`);
  const pool = mode === "pool" ? new SandboxPool() : undefined;
  try {
    for (const entry of targets) {
      const spec = sandboxFromGrants({
        pluginName: entry.name,
        exportName: "health",
        grants: entry.capabilities,
        projectRoot: root,
        getEnv: (k) => Deno.env.get(k),
      });
      const sandbox = pool?.sandbox(spec);
      const plugin = await loadVerifiedRunnable(root, entry, {
        cacheBudget: () => Promise.resolve(config.wasm.cacheBudget),
      });
      if (!plugin.cacheHit) throw new Error("expected a cache hit");
      const module = new WebAssembly.Module(plugin.bytes as Uint8Array<ArrayBuffer>);
      const request = { spec, exportName: "health", input };
      const r = sandbox
        ? await sandbox.run(module, plugin.info, request)
        : await invoke(module, plugin.info, request);
      if (r.outcome !== "ok") throw new Error(`${entry.name}: ${r.outcome} ${r.message ?? ""}`);
    }
  } finally {
    pool?.close();
  }
}

const loop = "run --all loop of 20, in-process (per plugin = median / 20)";
Deno.bench({ name: "run-all: bare V8 x20 (floor)", group: loop, baseline: true, n: 30, warmup: 3 }, () => {
  for (let i = 0; i < PLUGINS; i++) runFloor(tiny.bytes);
});
Deno.bench({ name: "run-all: node:wasi in Deno x20", group: loop, n: 30, warmup: 3 }, () => {
  for (let i = 0; i < PLUGINS; i++) runNodeWasi(tiny.bytes, project.root);
});
Deno.bench(
  {
    name: "run-all: samuel loop x20 in-process (as run --all, identical grants)",
    group: loop,
    n: 20,
    warmup: 2,
  },
  async () => {
    await samuelLoop("process");
  },
);
Deno.bench(
  {
    name: "run-all: samuel loop x20, pooled Worker (as run --all, differing grants)",
    group: loop,
    n: 10,
    warmup: 1,
  },
  async () => {
    await samuelLoop("pool");
  },
);

const whole = "run --all, whole process (per extra plugin = (T20 - T1) / 19)";
// As shipped: the bundle the binary is compiled from.
const shipped = await shippedSamuel();
const cli = (args: string[]) => runWithEnv(Deno.execPath(), [...shipped, ...args], project.root, project.env);
Deno.bench({
  name: "run-all: samuel run bench-01 health (1 plugin)",
  group: whole,
  baseline: true,
  n: 10,
  warmup: 1,
}, async () => {
  await cli(["run", "bench-01", "health"]);
});
Deno.bench(
  { name: "run-all: samuel run --all health (20 plugins)", group: whole, n: 5, warmup: 1 },
  async () => {
    await cli(["run", "--all", "health"]);
  },
);
