/**
 * The module cache's worth (DESIGN.md sections 7 and 9): cold start of a whole `samuel run <plugin> health`
 * process with a cache miss (the entry is deleted before each run, so the module is read, hashed against
 * samuel.lock, pre-processed and stored) against a cache hit, in the same group so the ratio survives a
 * noisy machine; then the same comparison in-process for `loadRunnable` alone (the part the cache saves).
 *
 * Plugins: the demo sample `examples/hello-wasm` (a few KiB, assembled from its WAT here) and the realistic
 * `examples/go-guide-wasm/build/plugin.wasm` (built by `examples/go-guide-wasm/build.sh` with Go; its
 * groups are skipped with a note when the file is missing).
 *
 * Run: `deno bench --allow-all --unstable-worker-options bench/cache_bench.ts`; or
 * `deno run --allow-all --unstable-worker-options bench/cache_bench.ts --report [ROUNDS]` for a table of
 * medians, miss and hit side by side with their ratio (the rounds interleave miss and hit, so drift on a
 * shared machine hits both alike).
 */

import wabtInit from "wabt";
import { loadConfig } from "../src/project/config.ts";
import { readLockfile } from "../src/project/lockfile.ts";
import { loadVerifiedRunnable } from "../src/store/runnable.ts";
import { HERMETIC_ENV } from "./support/process.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const MAIN = `${ROOT}main.ts`;
const GO_GUIDE_WASM = `${ROOT}examples/go-guide-wasm/build/plugin.wasm`;
/** The permissions of the `samuel` task in deno.json: what a user's `samuel run` starts with. */
const FLAGS = [
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-net",
  "--allow-run",
  "--allow-sys",
  "--unstable-worker-options",
];
const decoder = new TextDecoder();

async function samuel(cwd: string, home: string, args: string[]): Promise<void> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-q", ...FLAGS, MAIN, ...args],
    cwd,
    env: { ...HERMETIC_ENV, SAMUEL_HOME: home, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(
      `samuel ${args.join(" ")} exited ${code}:\n${decoder.decode(stdout)}${decoder.decode(stderr)}`,
    );
  }
}

async function assemble(wat: string): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const m = wabt.parseWat("plugin.wat", wat);
  try {
    m.validate();
    return new Uint8Array(m.toBinary({}).buffer);
  } finally {
    m.destroy();
  }
}

/** One project with both plugins installed; `runHome` is the module cache the benches use. */
const project = await Deno.makeTempDir({ prefix: "samuel-cache-bench-" });
const installHome = await Deno.makeTempDir({ prefix: "samuel-cache-bench-install-" });
const runHome = await Deno.makeTempDir({ prefix: "samuel-cache-bench-run-" });
await samuel(project, installHome, ["init"]);

async function installFrom(name: string, manifestFile: string, wasm: Uint8Array): Promise<void> {
  const src = await Deno.makeTempDir({ prefix: `samuel-cache-bench-${name}-` });
  await Deno.copyFile(manifestFile, `${src}/samuel-plugin.toml`);
  await Deno.writeFile(`${src}/plugin.wasm`, wasm);
  await samuel(project, installHome, ["install", `file://${src}`, "--allow-unsigned", "--yes"]);
}

const plugins: { name: string; bytes: number }[] = [];
const helloWasm = await assemble(await Deno.readTextFile(`${ROOT}examples/hello-wasm/plugin.wat`));
await installFrom("hello-wasm", `${ROOT}examples/hello-wasm/samuel-plugin.toml`, helloWasm);
plugins.push({ name: "hello-wasm", bytes: helloWasm.length });
try {
  const goGuide = await Deno.readFile(GO_GUIDE_WASM);
  await installFrom("go-guide-wasm", `${ROOT}examples/go-guide-wasm/samuel-plugin.toml`, goGuide);
  plugins.push({ name: "go-guide-wasm", bytes: goGuide.length });
} catch (e) {
  if (!(e instanceof Deno.errors.NotFound)) throw e;
  console.error(
    `note: ${GO_GUIDE_WASM} is missing; its groups are skipped (build it with examples/go-guide-wasm/build.sh)`,
  );
}

const lock = await readLockfile(project);
const config = await loadConfig(project);
const budget = { cacheBudget: () => Promise.resolve(config.wasm.cacheBudget) };
const entryOf = (name: string) => lock.plugins.find((p) => p.name === name)!;
const modulesDir = `${runHome}/cache/wasm/modules`;

/** Deletes a plugin's cache entries (all variants), so the next load is a miss. */
async function evict(name: string): Promise<void> {
  await Deno.remove(`${modulesDir}/${entryOf(name).sha256.module}`, { recursive: true }).catch(() => {});
}

// In-process loads read SAMUEL_HOME through homePaths().
Deno.env.set("SAMUEL_HOME", runHome);

for (const { name, bytes } of plugins) {
  const kib = `${Math.round(bytes / 1024)} KiB`;
  const group = `samuel run ${name} health (${kib}), whole process`;
  Deno.bench({
    name: `${name}: cache hit`,
    group,
    baseline: true,
    n: 20,
    warmup: 2,
    async fn() {
      await samuel(project, runHome, ["run", name, "health"]);
    },
  });
  Deno.bench({
    name: `${name}: cache miss`,
    group,
    n: 20,
    warmup: 2,
    async fn(b) {
      await evict(name);
      b.start();
      await samuel(project, runHome, ["run", name, "health"]);
      b.end();
    },
  });

  const inProcess = `loadRunnable ${name} (${kib}), in-process`;
  Deno.bench({
    name: `${name}: loadRunnable hit`,
    group: inProcess,
    baseline: true,
    n: 50,
    async fn() {
      const r = await loadVerifiedRunnable(project, entryOf(name), budget);
      if (!r.cacheHit) throw new Error("expected a cache hit");
    },
  });
  Deno.bench({
    name: `${name}: loadRunnable miss`,
    group: inProcess,
    n: 50,
    async fn(b) {
      await evict(name);
      b.start();
      const r = await loadVerifiedRunnable(project, entryOf(name), budget);
      b.end();
      if (r.cacheHit) throw new Error("expected a cache miss");
    },
  });
}

// Warm the cache once so the first "hit" iteration after set-up is one (warm-up runs also do this).
for (const { name } of plugins) await samuel(project, runHome, ["run", name, "health"]);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

if (Deno.args[0] === "--report") {
  const rounds = Number(Deno.args[1] ?? 15);
  const empty = `${project}/empty.ts`;
  await Deno.writeTextFile(empty, "// intentionally empty\n");
  const bare: number[] = [];
  for (let i = 0; i < rounds; i++) {
    bare.push(await timed(() => new Deno.Command(Deno.execPath(), { args: ["run", "-q", empty] }).output()));
  }
  console.log(`${rounds} rounds, medians (deno run empty.ts: ${median(bare).toFixed(1)} ms)`);
  console.log("plugin                 size      measure                     miss        hit    miss/hit");
  for (const { name, bytes } of plugins) {
    const whole = { miss: [] as number[], hit: [] as number[] };
    const load = { miss: [] as number[], hit: [] as number[] };
    for (let i = 0; i < rounds; i++) {
      await evict(name);
      whole.miss.push(await timed(() => samuel(project, runHome, ["run", name, "health"])));
      whole.hit.push(await timed(() => samuel(project, runHome, ["run", name, "health"])));
      await evict(name);
      load.miss.push(await timed(() => loadVerifiedRunnable(project, entryOf(name), budget)));
      load.hit.push(await timed(() => loadVerifiedRunnable(project, entryOf(name), budget)));
    }
    const row = (what: string, r: { miss: number[]; hit: number[] }) => {
      const miss = median(r.miss), hit = median(r.hit);
      console.log(
        `${name.padEnd(22)} ${`${Math.round(bytes / 1024)} KiB`.padStart(8)}  ${what.padEnd(26)}` +
          `${miss.toFixed(2).padStart(8)} ms ${hit.toFixed(2).padStart(8)} ms ${
            (miss / hit).toFixed(2).padStart(7)
          }x`,
      );
    };
    row("samuel run health (proc)", whole);
    row("loadRunnable (in-process)", load);
  }
}
