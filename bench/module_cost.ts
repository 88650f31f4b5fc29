/**
 * What each module of the `samuel run` path costs at start-up (issue 12 point 7): for every module a
 * cache-hit run loads in source form (the runtime graph of main.ts plus src/cli/commands/run.ts, from
 * `deno info`), a script that only imports it is run as a whole process, interleaved round by round with
 * an empty script; the figure is the median extra time over the empty script. A module's figure includes
 * the modules it imports (so the leaves tell what one module costs by itself, and main.ts/run.ts what
 * the whole graph costs). The last rows compare the whole graph with the shipped bundle's one file.
 *
 *   deno run -A bench/module_cost.ts [--rounds 9] [--json OUT]
 *
 * bench/report.ts runs it and renders the table; it is not a `deno bench` file because each sample is a
 * fresh process.
 */

import { loadedModules } from "../tests/support/module_graph.ts";
import { shippedSamuel } from "./support/peers.ts";

const ROOT = new URL("../", import.meta.url).href;

function flag(name: string, fallback: string): string {
  const i = Deno.args.indexOf(name);
  return i >= 0 && Deno.args[i + 1] !== undefined ? Deno.args[i + 1] : fallback;
}

export interface ModuleCost {
  module: string;
  /** Local modules in its graph (itself included). */
  modules: number;
  bytes: number;
  /** Median whole-process time of importing it, minus the empty script's. */
  extraMs: number;
}

async function timeOnce(args: string[]): Promise<number> {
  const t0 = performance.now();
  const o = await new Deno.Command(Deno.execPath(), { args, stdout: "null", stderr: "piped" }).output();
  if (!o.success) throw new Error(`deno ${args.join(" ")}: ${new TextDecoder().decode(o.stderr)}`);
  return performance.now() - t0;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function main(): Promise<void> {
  const rounds = Number(flag("--rounds", "9"));
  const out = flag("--json", "");
  const graph = new Set<string>([
    ...await loadedModules(new URL("main.ts", ROOT).pathname),
    ...await loadedModules(new URL("src/cli/commands/run.ts", ROOT).pathname),
  ]);
  const local = [...graph].filter((s) => s.startsWith(ROOT)).sort();
  const npm = [...graph].filter((s) => s.startsWith("npm:")).sort();
  const dir = Deno.makeTempDirSync({ prefix: "samuel-module-cost-" });
  try {
    const empty = `${dir}/empty.ts`;
    Deno.writeTextFileSync(empty, "// empty\n");
    const targets = [...local, ...npm];
    const scripts = targets.map((spec, i) => {
      const path = `${dir}/m${i}.ts`;
      Deno.writeTextFileSync(path, `import ${JSON.stringify(spec)};\n`);
      return path;
    });
    const shipped = await shippedSamuel();
    const bundleFile = shipped.at(-1)!;
    const flags = ["run", "-q", "-A", "--no-config", "--lock", new URL("deno.lock", ROOT).pathname];
    const base: number[] = [];
    const times = targets.map(() => [] as number[]);
    for (let r = 0; r < rounds + 1; r++) {
      const b = await timeOnce([...flags, empty]);
      if (r > 0) base.push(b);
      for (let i = 0; i < scripts.length; i++) {
        const t = await timeOnce([...flags, scripts[i]]);
        if (r > 0) times[i].push(t);
      }
    }
    const baseMs = median(base);
    const results: ModuleCost[] = [];
    for (let i = 0; i < targets.length; i++) {
      const spec = targets[i];
      const sub = spec.startsWith(ROOT) ? await loadedModules(new URL(spec).pathname) : new Set([spec]);
      const subLocal = [...sub].filter((s) => s.startsWith(ROOT));
      let bytes = 0;
      for (const s of subLocal) bytes += Deno.statSync(new URL(s)).size;
      results.push({
        module: spec.startsWith(ROOT) ? spec.slice(ROOT.length) : spec,
        modules: subLocal.length,
        bytes,
        extraMs: Math.round((median(times[i]) - baseMs) * 100) / 100,
      });
    }
    results.sort((a, b) => b.extraMs - a.extraMs);
    const bundleTimes: number[] = [];
    for (let r = 0; r < rounds; r++) bundleTimes.push(await timeOnce([...shipped, "version"]));
    const summary = {
      empty_ms: Math.round(baseMs * 100) / 100,
      run_graph_modules: local.length,
      npm_packages: npm,
      shipped_version_ms: Math.round(median(bundleTimes) * 100) / 100,
      bundle_bytes: Deno.statSync(bundleFile).size,
      modules: results,
    };
    if (out) Deno.writeTextFileSync(out, JSON.stringify(summary, null, 2) + "\n");
    else console.log(JSON.stringify(summary, null, 2));
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

if (import.meta.main) await main();
