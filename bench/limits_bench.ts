/**
 * Cost of the time limits on compute-heavy guests: each clang kernel (tests/fixtures/compute) runs
 * original and metered (probes inserted by the pre-processor, a live adaptive meter) in the same process,
 * grouped per kernel with the original as the baseline. Goal (DESIGN.md section 9): at most 1.15x
 * geometric mean. At the end it prints each kernel's median ratio and the geometric mean, both in wall
 * time and in process CPU time: on a shared machine the CPU-time ratio is the stable one (wall-time
 * ratios swing by 2-3x when other jobs take the cores between the two variants).
 *
 * Needs the fixtures: `bash tests/fixtures/compute/build.sh` (or `deno task fixtures`).
 */

import process from "node:process";
import { preprocess } from "../src/runtime/preprocess/mod.ts";
import { createMeter } from "../src/runtime/host/meter.ts";

const path = new URL("../tests/fixtures/compute/build/kernels.wasm", import.meta.url);
const bytes = Deno.readFileSync(path);
const { bytes: metered } = preprocess(bytes, { maxMemoryBytes: 64 << 20, meter: true });

type Kernel = (n: number) => number;
const original = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as Record<string, Kernel>;
// One meter for the whole run with a far deadline: refills happen at the adaptive rate, as in a real run.
const meter = createMeter({ hardDeadlineMs: Infinity });
const rewritten = new WebAssembly.Instance(new WebAssembly.Module(metered), { "samuel:meter": meter.imports })
  .exports as Record<string, Kernel>;

/** Kernel and argument, sized for a few milliseconds per call. */
const KERNELS: [string, number][] = [
  ["matmul", 4],
  ["sieve", 1_000_000],
  ["sha_mix", 10_000],
  ["fib", 25],
  ["memcpy_loop", 60],
  ["sort", 60_000],
  ["crc32", 600],
  ["bulk", 1_000],
];

interface Samples {
  original: number[];
  metered: number[];
  originalCpu: number[];
  meteredCpu: number[];
}
const samples = new Map<string, Samples>();

for (const [name, n] of KERNELS) {
  const expect = original[name](n);
  if (rewritten[name](n) !== expect) throw new Error(`${name}: metered result differs`);
  const s: Samples = { original: [], metered: [], originalCpu: [], meteredCpu: [] };
  samples.set(name, s);
  for (
    const [variant, fn, into, intoCpu] of [
      ["original", original[name], s.original, s.originalCpu],
      ["metered", rewritten[name], s.metered, s.meteredCpu],
    ] as const
  ) {
    Deno.bench({
      name: `${name} ${variant}`,
      group: name,
      baseline: variant === "original",
      fn() {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        fn(n);
        into.push(performance.now() - t0);
        const c = process.cpuUsage(c0);
        intoCpu.push((c.user + c.system) / 1000);
      },
    });
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

globalThis.addEventListener("unload", () => {
  let logWall = 0, logCpu = 0, count = 0;
  const rows: string[] = [];
  for (const [name, s] of samples) {
    if (s.original.length === 0 || s.metered.length === 0) continue;
    const a = median(s.original), b = median(s.metered);
    const ac = median(s.originalCpu), bc = median(s.meteredCpu);
    logWall += Math.log(b / a);
    logCpu += Math.log(bc / ac);
    count++;
    rows.push(
      `  ${name.padEnd(12)} ${a.toFixed(3).padStart(8)} ms ${b.toFixed(3).padStart(8)} ms  ${
        (b / a).toFixed(3)
      }x wall   ${(bc / ac).toFixed(3)}x cpu`,
    );
  }
  if (count === 0) return;
  console.log(`\nprobe overhead (median per call, original vs metered):\n${rows.join("\n")}`);
  console.log(
    `  geometric mean: ${Math.exp(logWall / count).toFixed(3)}x wall, ${
      Math.exp(logCpu / count).toFixed(3)
    }x cpu (goal <= 1.15x); refills: ${meter.refills}`,
  );
});
