/**
 * Row 3 of issue 8: a whole process, as a user's shell sees it. Per module size (tiny WAT, C reactor, Go
 * reactor), one group of three commands, all run from the same temp project:
 *
 * - `deno run empty.ts` (baseline): Deno's own start-up, the floor of any Deno CLI;
 * - `samuel run <plugin> health`: start-up, argv, project and lock, module cache hit, compile, the
 *   sandbox Worker (the outer wall's extra isolate), WASI, the call, output; goal at most 2x the baseline;
 * - Node 20 running the same module with `node:wasi` in one process (bench/suite/node_wasi_health.mjs).
 *
 * The plugins are installed through the CLI in setup (`samuel init`, `samuel install file://…
 * --allow-unsigned --yes`), which also fills the module cache, so each measured run is a cache hit.
 * Run: `deno bench -A bench/suite/process_bench.ts`.
 */

import { emptyScript } from "../support/process.ts";
import {
  loadFixtures,
  MAIN,
  makeProject,
  NODE_HEALTH_SCRIPT,
  runWithEnv,
  SAMUEL_FLAGS,
  writePluginDir,
} from "./common.ts";

const N = 10;
const WARMUP = 2;
const deno = Deno.execPath();
const empty = emptyScript();
const node = Deno.env.get("NODE_BIN") ?? "node";
const hasNode = await new Deno.Command(node, { args: ["--version"], stdout: "null", stderr: "null" }).output()
  .then((o) => o.success, () => false);
if (!hasNode) console.error(`bench: ${node} not found, the Node rows are skipped`);

const fixtures = await loadFixtures();
const project = await makeProject("process");
const modules = `${project.root}/../modules`;
Deno.mkdirSync(modules);
for (const f of fixtures) {
  const dir = `${project.root}/../plugins/${f.id}`;
  writePluginDir(dir, `bench-${f.id}`, f.bytes, f.maxMemoryMiB);
  await project.install(dir);
  Deno.writeFileSync(`${modules}/${f.id}.wasm`, f.bytes);
}

for (const f of fixtures) {
  const group = `whole process: ${f.label}`;
  Deno.bench(
    { name: `${f.id}: deno run empty.ts`, group, baseline: true, n: N, warmup: WARMUP },
    async () => {
      await runWithEnv(deno, ["run", "-q", empty], project.root, project.env);
    },
  );
  Deno.bench({ name: `${f.id}: samuel run bench-${f.id} health`, group, n: N, warmup: WARMUP }, async () => {
    await runWithEnv(
      deno,
      ["run", "-q", ...SAMUEL_FLAGS, MAIN, "run", `bench-${f.id}`, "health"],
      project.root,
      project.env,
    );
  });
  Deno.bench(
    { name: `${f.id}: node 20 node:wasi (whole process)`, group, n: N, warmup: WARMUP, ignore: !hasNode },
    async () => {
      await runWithEnv(
        node,
        ["--no-warnings", NODE_HEALTH_SCRIPT, `${modules}/${f.id}.wasm`, "health"],
        project.root,
        project.env,
      );
    },
  );
}
