/**
 * A measurement of the shipped `--no-lazy` V8 flag (scripts/flags.ts; bench/RESULTS.md, "Eager JavaScript
 * compilation"): whole `samuel run` processes of the shipped bundle, with the shipped flags and with the
 * same flags less `--no-lazy`, interleaved round by round with `deno run empty.ts`, on a module-cache hit
 * of the tiny and the C plugin. Deno writes a module's V8 code cache right after compiling it, before it
 * runs, so what the flag changes is how much of samuel that cache holds: each variant gets its own
 * `DENO_DIR` (a cache written under other flags is refused and rewritten), warmed first, and the size of its
 * entry for the bundle is printed with the medians.
 *
 * Not a bench file (the suite does not run it): `deno run -A bench/eager_js_probe.ts [ROUNDS]`.
 */

import { RUN_FLAGS } from "../scripts/flags.ts";
import { buildBundle } from "../scripts/bundle.ts";
import { median } from "./report.ts";
import { emptyScript } from "./support/process.ts";
import { codeCacheBytes, LAZY_RUN_FLAGS } from "../tests/support/code_cache.ts";
import { loadFixtures, makeProject, runWithEnv, writePluginDir } from "./suite/common.ts";

const rounds = Number(Deno.args[0] ?? 30);
const deno = Deno.execPath();
const base = Deno.makeTempDirSync({ prefix: "samuel-eager-probe-" });
globalThis.addEventListener("unload", () => Deno.removeSync(base, { recursive: true }));
const bundle = `${base}/bundle`;
await buildBundle(bundle);
const entry = `${bundle}/bundle_main.js`;

const project = await makeProject("eager");
for (const f of (await loadFixtures()).filter((f) => f.id !== "go")) {
  const dir = `${project.root}/../plugins/${f.id}`;
  writePluginDir(dir, `bench-${f.id}`, f.bytes, f.maxMemoryMiB);
  await project.install(dir);
}

if (LAZY_RUN_FLAGS.join(" ") === RUN_FLAGS.join(" ")) throw new Error("the shipped flags have no --no-lazy");
const variants = [
  { name: "deno run empty.ts", denoDir: `${base}/deno-empty`, args: ["run", "-q", emptyScript()] },
  ...["tiny", "c"].flatMap((id) => [
    {
      name: `${id}: shipped flags (--no-lazy)`,
      denoDir: `${base}/deno-eager`,
      args: ["run", "-q", "--no-config", ...RUN_FLAGS, entry, "run", `bench-${id}`, "health"],
    },
    {
      name: `${id}: without --no-lazy`,
      denoDir: `${base}/deno-lazy`,
      args: ["run", "-q", "--no-config", ...LAZY_RUN_FLAGS, entry, "run", `bench-${id}`, "health"],
    },
  ]),
];

const run = (v: (typeof variants)[number]) =>
  runWithEnv(deno, v.args, project.root, { ...project.env, DENO_DIR: v.denoDir });
for (let i = 0; i < 3; i++) for (const v of variants) await run(v);
const times = variants.map(() => [] as number[]);
for (let r = 0; r < rounds; r++) {
  for (let i = 0; i < variants.length; i++) {
    const t0 = performance.now();
    await run(variants[i]);
    times[i].push(performance.now() - t0);
  }
}

const floor = median(times[0]);
console.log(`${rounds} interleaved rounds, medians (ratio to deno run empty.ts):`);
for (let i = 0; i < variants.length; i++) {
  const m = median(times[i]);
  console.log(`  ${variants[i].name.padEnd(34)} ${m.toFixed(1).padStart(6)} ms  ${(m / floor).toFixed(2)}x`);
}
console.log(
  `V8 code cache of bundle_main.js: ${
    Math.round(codeCacheBytes(`${base}/deno-eager`, `file://${entry}`) / 1024)
  } KiB with --no-lazy, ` +
    `${Math.round(codeCacheBytes(`${base}/deno-lazy`, `file://${entry}`) / 1024)} KiB without`,
);
