/**
 * The cold-start CI gate's decision (bench/gate.ts `evaluateGate`): median of odd and even sample counts,
 * a median exactly at the threshold passes, one above fails with a message that names the median, the
 * threshold and how to reproduce, and a broken measurement (no samples, NaN, infinite, negative) is an
 * error rather than a pass. Also the report's own median and ratio bookkeeping (bench/report.ts).
 */

import { DEFAULT_RUNS, DEFAULT_THRESHOLD_MS, evaluateGate, GateError } from "../../bench/gate.ts";
import {
  annotate,
  type BenchResult,
  collect,
  median,
  mergePasses,
  parseBenchJson,
  salvage,
  spliceResults,
} from "../../bench/report.ts";
import { assert, assertEquals, assertStringIncludes, assertThrows } from "../support/assert.ts";

Deno.test("gate: the issue's numbers: 10 runs, 150 ms (3x the seed's 50 ms)", () => {
  assertEquals(DEFAULT_RUNS, 10);
  assertEquals(DEFAULT_THRESHOLD_MS, 150);
});

Deno.test("gate: median of an odd count is the middle sample, whatever the order", () => {
  const v = evaluateGate([90, 10, 200, 40, 60], 150);
  assertEquals(v.medianMs, 60);
  assert(v.ok);
});

Deno.test("gate: median of an even count is the mean of the two middle samples", () => {
  // Sorted: 10 40 | 60 200 -> (40 + 60) / 2; one slow outlier does not fail the gate.
  const v = evaluateGate([200, 60, 10, 40], 150);
  assertEquals(v.medianMs, 50);
  assert(v.ok);
  // Sorted: 100 140 | 170 400 -> 155: above.
  const w = evaluateGate([400, 100, 170, 140], 150);
  assertEquals(w.medianMs, 155);
  assert(!w.ok);
});

Deno.test("gate: a median exactly at the threshold passes (the gate fails when the median passes it)", () => {
  const v = evaluateGate([150, 150, 149, 151, 150], 150);
  assertEquals(v.medianMs, 150);
  assert(v.ok);
  assertStringIncludes(v.message, "passed");
  // Even count landing exactly on it.
  assert(evaluateGate([140, 160], 150).ok);
});

Deno.test("gate: a median just above fails; the message names median, threshold, how to reproduce", () => {
  const v = evaluateGate([150.2, 150.1, 151, 10, 300, 150.3, 149, 150.1, 150.2, 150.4], 150);
  assert(!v.ok);
  assertEquals(v.medianMs, 150.2);
  assertStringIncludes(v.message, "FAILED");
  assertStringIncludes(v.message, "median 150.2 ms");
  assertStringIncludes(v.message, "threshold 150 ms");
  assertStringIncludes(v.message, "10 runs");
  assertStringIncludes(v.message, "deno run -A bench/gate.ts");
});

Deno.test("gate: one sample is its own median", () => {
  assertEquals(evaluateGate([151], 150).ok, false);
  assertEquals(evaluateGate([0], 150).ok, true);
});

Deno.test("gate: no samples, NaN, infinite or negative samples are an error, never a pass", () => {
  for (const samples of [[], [NaN], [10, NaN, 20], [Infinity], [10, -1, 20]]) {
    assertThrows(() => evaluateGate(samples, 150), (e) => assert(e instanceof GateError, String(e)));
  }
  assertThrows(() => evaluateGate([10], NaN), (e) => assert(e instanceof GateError));
  assertThrows(() => evaluateGate([10], 0), (e) => assert(e instanceof GateError));
});

Deno.test("gate: the input samples are not reordered", () => {
  const samples = [3, 1, 2];
  evaluateGate(samples, 150);
  assertEquals(samples, [3, 1, 2]);
});

Deno.test("report: median, JSON after noise, samples vs average, ratios and per-plugin times", () => {
  assertEquals(median([3, 1, 2]), 2);
  assertEquals(median([4, 1, 3, 2]), 2.5);
  assert(Number.isNaN(median([])));

  const ok = (avgNs: number, n: number) => ({
    ok: { n, min: avgNs, max: avgNs, avg: avgNs, p75: avgNs, p99: avgNs },
  });
  const stdout = "a bench printed this\n" + JSON.stringify(
    {
      version: 1,
      benches: [
        { name: "floor", group: "g", baseline: true, results: [ok(2e6, 3)] },
        { name: "ours", group: "g", baseline: false, results: [ok(5e6, 3)] },
        { name: "fast", group: null, baseline: false, results: [ok(1e3, 1000)] },
        { name: "broken", group: null, baseline: false, results: [{ failed: { message: "boom" } }] },
      ],
    },
    null,
    2,
  );
  const report = parseBenchJson(stdout);
  assert(report);
  const spec = { path: "bench/suite/cold_start_bench.ts", row: 1, owner: "suite" as const, capSeconds: 10 };
  // Warm-up samples come first and are dropped: only the last n count.
  const { results, failures } = collect(spec, report, {
    floor: [50, 1, 2, 3],
    ours: [90, 3, 3, 30],
    fast: [0.001],
  });
  assertEquals(failures, ["broken: boom"]);
  const byName = (n: string) => results.find((r) => r.name === n) as BenchResult;
  assertEquals(byName("floor").medianMs, 2);
  assertEquals(byName("floor").medianSource, "samples");
  assertEquals(byName("ours").medianMs, 3);
  // Too fast for the wrapper's clock: deno's average stands in.
  assertEquals(byName("fast").medianSource, "avg");
  assertEquals(byName("fast").medianMs, 0.001);
  annotate(results);
  assertEquals(byName("ours").ratio, 1.5);
  assertEquals(byName("floor").ratio, 1);
  assertEquals(byName("fast").ratio, null);

  const loop = { path: "bench/suite/run_all_bench.ts", row: 2, owner: "suite" as const, capSeconds: 10 };
  const r2 = collect(
    loop,
    {
      benches: [
        { name: "samuel one (1 plugin)", group: "w", baseline: true, results: [ok(100e6, 2)] },
        { name: "samuel run --all (20 plugins)", group: "w", baseline: false, results: [ok(290e6, 2)] },
        { name: "samuel loop x20 (as run --all)", group: "l", baseline: false, results: [ok(60e6, 2)] },
      ],
    },
    {},
  ).results;
  annotate(r2);
  assertEquals(r2[1].perPluginMs, 10);
  assertEquals(r2[1].pass, false);
  assertEquals(r2[2].perPluginMs, 3);
  assertEquals(r2[2].pass, true);
  // The baseline and benches that are not `run --all` itself carry no goal.
  assertEquals(r2[0].goal, undefined);
});

Deno.test("report: RESULTS.md keeps the hand-written text around the generated block", () => {
  const first = spliceResults(undefined, "TABLE 1");
  assertStringIncludes(first, "TABLE 1");
  const edited = first.replace("(Written by hand", "Our analysis.\n(Written by hand");
  const second = spliceResults(edited, "TABLE 2");
  assertStringIncludes(second, "TABLE 2");
  assertStringIncludes(second, "Our analysis.");
  assert(!second.includes("TABLE 1"));
});

/** Runs bench/gate.ts on the tiny bench module (fast), returning exit code and output. */
async function runGate(args: string[]): Promise<{ code: number; out: string }> {
  const { wat2wasm } = await import("../support/wat.ts");
  const dir = await Deno.makeTempDir({ prefix: "samuel-gate-test-" });
  try {
    const wat = await Deno.readTextFile(new URL("../../bench/fixtures/tiny.wat", import.meta.url));
    await Deno.writeFile(`${dir}/tiny.wasm`, await wat2wasm(wat));
    const o = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-q",
        "-A",
        new URL("../../bench/gate.ts", import.meta.url).pathname,
        "--module",
        `${dir}/tiny.wasm`,
        ...args,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    return { code: o.code, out: dec.decode(o.stdout) + dec.decode(o.stderr) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("gate end to end: fresh-process runs, exit 0 under the threshold and 1 above it", async () => {
  const pass = await runGate(["--runs", "3", "--threshold-ms", "100000"]);
  assertEquals(pass.code, 0, pass.out);
  assertStringIncludes(pass.out, "cold-start gate passed");
  assertStringIncludes(pass.out, "over 3 runs");
  const fail = await runGate(["--runs", "1", "--threshold-ms", "0.001"]);
  assertEquals(fail.code, 1, fail.out);
  assertStringIncludes(fail.out, "cold-start gate FAILED");
  assertStringIncludes(fail.out, "threshold 0.001 ms");
});

Deno.test("gate end to end: a missing module is a measurement error (exit 2), not a pass", async () => {
  const o = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-q",
      "-A",
      new URL("../../bench/gate.ts", import.meta.url).pathname,
      "--module",
      "/nonexistent.wasm",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(o.code, 2);
  assertStringIncludes(new TextDecoder().decode(o.stderr), "is missing");
});

Deno.test("report: a file stopped at its cap still yields medians from the recorded samples", () => {
  const spec = { path: "bench/x_bench.ts", row: 5, owner: "peer" as const, capSeconds: 1 };
  const results = salvage(spec, {
    // Warm-up first (one by default, or the definition's count), then the measured calls.
    base: { group: "k", baseline: true, warmup: null, samples: [99, 10, 10, 12, 11] },
    probed: { group: "k", baseline: false, warmup: 2, samples: [99, 99, 11, 12, 13, 14, 15] },
    cut: { group: "k", baseline: false, warmup: null, samples: [99, 5, 5] }, // too few after warm-up
  });
  assertEquals(results.map((r) => r.name), ["base", "probed"]);
  assertEquals(results[0].medianMs, 10.5);
  assertEquals(results[0].n, 4);
  assertEquals(results[1].medianMs, 13);
  annotate(results);
  assertEquals(results[1].ratio, 13 / 10.5);
  // limits_bench's goal applies by file name; this file has none.
  assertEquals(results[1].goal, undefined);
});

Deno.test("report: a row measured in interleaved passes is joined back into one row, median of all its calls", () => {
  const ok = (avgNs: number, n: number) => ({
    ok: { n, min: avgNs, max: avgNs, avg: avgNs, p75: avgNs, p99: avgNs },
  });
  const bench = (name: string, baseline: boolean) => ({ name, group: "g", baseline, results: [ok(5e6, 2)] });
  const spec = { path: "bench/suite/process_bench.ts", row: 3, owner: "suite" as const, capSeconds: 10 };
  const { results } = collect(spec, {
    benches: [
      bench("floor [pass 1/2]", true),
      bench("ours [pass 1/2]", false),
      bench("floor [pass 2/2]", false),
      bench("ours [pass 2/2]", false),
      bench("plain", false),
    ],
  }, {
    // The warm-up call first: only each pass's last n = 2 count.
    "floor [pass 1/2]": [99, 10, 12],
    "ours [pass 1/2]": [99, 15, 17],
    "floor [pass 2/2]": [99, 20, 22],
    "ours [pass 2/2]": [99, 25, 27],
    "plain": [1, 6, 6],
  });
  assertEquals(results.map((r) => r.name), ["floor", "ours", "plain"]);
  const [floor, ours] = results;
  assertEquals([floor.n, floor.medianMs, floor.minMs, floor.baseline], [4, 16, 10, true]);
  assertEquals([ours.n, ours.medianMs, ours.baseline], [4, 21, false]);
  assertEquals(results.some((r) => "samples" in r && r.samples !== undefined), false);
  annotate(results);
  assertEquals(ours.ratio, 21 / 16);
  // A file stopped at its cap: the passes that ran are joined the same way.
  const salvaged = mergePasses(salvage(spec, {
    "ours [pass 1/2]": { group: "g", baseline: false, warmup: 1, samples: [99, 1, 2, 3] },
    "ours [pass 2/2]": { group: "g", baseline: false, warmup: 1, samples: [99, 7, 8, 9] },
  }));
  assertEquals(salvaged.map((r) => [r.name, r.n, r.medianMs]), [["ours", 6, 5]]);
});
