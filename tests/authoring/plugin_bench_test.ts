/**
 * `samuel plugin bench [DIR] [-n N] [--export E]`: cold and warm runs of each export with medians and
 * p95 against the 50 ms budget. On a WAT reactor through `run()` (fast; checks the counts, outcomes, the
 * per-run unique compile bytes, `/workspace` = the plugin folder and the usage errors), and on the
 * go-guide-wasm example through the CLI (`-n 2`).
 */

import { assert, assertEquals, assertRejects, assertStringIncludes } from "../support/assert.ts";
import { runCli } from "../support/cli.ts";
import { wat2wasm } from "../support/wat.ts";
import { BUDGET_MS, stats, withTag } from "../../src/app/bench.ts";
import { run } from "../../src/cli/commands/plugin_bench.ts";
import { SamuelError } from "../../src/errors.ts";
import { EXAMPLE, GO, invocation, sh } from "./helpers.ts";
import { needs } from "../support/needs.ts";

/** The SamuelError `fn` rejects with. */
async function rejection(fn: () => Promise<unknown>): Promise<SamuelError> {
  const e = await assertRejects(fn);
  assert(e instanceof SamuelError, String(e));
  return e;
}

const MANIFEST = `name = "benchy"
version = "0.2.0"
kind = "wasm"
summary = "A bench fixture."
[samuel]
framework = "*"
protocol = "^1.0.0"
[wasm]
module = "plugin.wasm"
exports = ["fast", "fails", "sees_workspace"]
[runtime]
max_memory = 4
[capabilities.filesystem]
read = ["/workspace"]
`;

/**
 * A reactor: `fast` returns 0, `fails` returns 3, `sees_workspace` returns 0 only when preopen fd 3 is
 * named `/workspace` (the grant bench gives it) and holds the plugin's own samuel-plugin.toml.
 */
const WAT = `(module
  (import "wasi_snapshot_preview1" "fd_prestat_dir_name" (func $dir_name (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 200) "samuel-plugin.toml")
  (func (export "_initialize"))
  (func (export "fast") (result i32) (i32.const 0))
  (func (export "fails") (result i32) (i32.const 3))
  (func (export "sees_workspace") (result i32)
    (if (call $dir_name (i32.const 3) (i32.const 100) (i32.const 10)) (then (return (i32.const 10))))
    ;; "/workspace" little-endian: "/wor" "kspa" "ce"
    (if (i32.ne (i32.load (i32.const 100)) (i32.const 0x726f772f)) (then (return (i32.const 11))))
    (if (i32.ne (i32.load (i32.const 104)) (i32.const 0x6170736b)) (then (return (i32.const 12))))
    (if (i32.ne (i32.load16_u (i32.const 108)) (i32.const 0x6563)) (then (return (i32.const 13))))
    ;; ... and it is the plugin folder: its manifest opens for reading (rights: fd_read).
    (if (call $path_open (i32.const 3) (i32.const 0) (i32.const 200) (i32.const 18) (i32.const 0)
          (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 300))
      (then (return (i32.const 14))))
    (i32.const 0)))`;

async function withPlugin(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "samuel-bench-" }));
  try {
    await Deno.writeTextFile(`${dir}/samuel-plugin.toml`, MANIFEST);
    await Deno.writeFile(`${dir}/plugin.wasm`, await wat2wasm(WAT));
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

// deno-lint-ignore no-explicit-any
type Data = any;

Deno.test("stats: median (even and odd counts) and nearest-rank p95", () => {
  assertEquals(stats([3, 1, 2]).median_ms, 2);
  assertEquals(stats([4, 1, 3, 2]).median_ms, 2.5);
  const twenty = Array.from({ length: 20 }, (_, i) => i + 1);
  assertEquals(stats(twenty).p95_ms, 19);
  assertEquals(stats([7]).p95_ms, 7);
  assertEquals(stats([5, 1]).samples_ms, [5, 1]);
});

Deno.test("withTag: appends a custom section, so the bytes differ but the module still validates", async () => {
  const bytes = await wat2wasm(WAT);
  const a = withTag(bytes, "a");
  const b = withTag(bytes, "b");
  assert(WebAssembly.validate(a) && WebAssembly.validate(b));
  assert(a.some((x, i) => x !== b[i]));
  assertEquals(WebAssembly.Module.customSections(new WebAssembly.Module(a), "samuel-bench").length, 1);
});

Deno.test("bench: every export runs N cold and N warm; outcomes counted; /workspace is the plugin folder", async () => {
  await withPlugin(async (dir) => {
    const result = await run(invocation(dir, { runs: "3" }));
    const data = result.data as Data;
    assertEquals(data.plugin, "benchy");
    assertEquals(data.runs, 3);
    assertEquals(data.budget_ms, BUDGET_MS);
    assertEquals(data.module.size, (await Deno.stat(`${dir}/plugin.wasm`)).size);
    assertEquals(data.exports.map((e: Data) => e.export), ["fast", "fails", "sees_workspace"]);
    for (const e of data.exports) {
      assertEquals(e.cold.samples_ms.length, 3);
      assertEquals(e.warm.samples_ms.length, 3);
      assertEquals(e.preprocess.samples_ms.length, 3);
      assert(e.cold.median_ms > 0 && e.cold.p95_ms >= e.cold.median_ms && e.cold.max_ms >= e.cold.p95_ms);
      assert(e.warm.min_ms > 0);
      assertEquals(typeof e.guest_warm.call_ms, "number");
      assertEquals(e.within_budget, e.cold.median_ms <= BUDGET_MS);
      // A small module: compiled as it is, as `samuel run` compiles it.
      assertEquals(e.compile_hints, "none");
    }
    assertEquals(data.exports[0].outcomes, { ok: 6 });
    // A non-zero return is a normal benchmark outcome, not an error.
    assertEquals(data.exports[1].outcomes, { plugin_error: 6 });
    assertEquals(data.exports[2].outcomes, { ok: 6 });
  });
});

Deno.test("bench: --export selects one export; unknown export, bad -n, missing module are exit 2", async () => {
  await withPlugin(async (dir) => {
    const one = await run(invocation(dir, { runs: "1", export: "fast" }));
    assertEquals((one.data as Data).exports.map((e: Data) => e.export), ["fast"]);

    const unknown = await rejection(() => run(invocation(dir, { export: "nope" })));
    assertEquals([unknown.code, unknown.exit], ["SAM-BENCH-004", 2]);
    assertStringIncludes(unknown.fix ?? "", "fast, fails, sees_workspace");

    for (const n of ["0", "x", "1.5", "1001"]) {
      const bad = await rejection(() => run(invocation(dir, { runs: n })));
      assertEquals(bad.code, "SAM-BENCH-005", n);
    }

    await Deno.writeTextFile(`${dir}/Makefile`, "wasm:\n");
    await Deno.remove(`${dir}/plugin.wasm`);
    const missing = await rejection(() => run(invocation(dir)));
    assertEquals([missing.code, missing.exit], ["SAM-BENCH-002", 2]);
    assertStringIncludes(missing.fix ?? "", "make wasm");
  });
});

Deno.test("bench: a module that does not match its manifest is refused before anything runs", async () => {
  await withPlugin(async (dir) => {
    await Deno.writeFile(`${dir}/plugin.wasm`, await wat2wasm(WAT.replace(`(export "fails")`, "")));
    const e = await rejection(() => run(invocation(dir)));
    assertEquals([e.code, e.exit], ["SAM-BENCH-003", 2]);
    assertStringIncludes(e.message, "fails: not exported by the module");
  });
});

Deno.test({
  ...needs(
    "bench (CLI): go-guide-wasm prints a table with the budget and --json data for lint and health",
    GO === undefined && "Go not installed",
  ),
  async fn() {
    const env = { PATH: `${GO!.replace(/\/go$/, "")}:${Deno.env.get("PATH") ?? ""}` };
    const built = await sh("bash", [`${EXAMPLE}/build.sh`], { env });
    assertEquals(built.code, 0, built.stderr);

    const json = await runCli(["plugin", "bench", EXAMPLE, "-n", "2", "--json"]);
    assertEquals(json.code, 0, json.stderr);
    const data = json.json.data;
    assertEquals(data.plugin, "go-guide-wasm");
    assertEquals(data.exports.map((e: Data) => e.export), ["lint", "health"]);
    for (const e of data.exports) {
      assertEquals(e.cold.samples_ms.length, 2);
      assertEquals(Object.keys(e.outcomes).every((o) => o === "ok" || o === "plugin_error"), true);
    }

    const human = await runCli(["plugin", "bench", "-n", "1", "--export", "health"], { cwd: EXAMPLE });
    assertEquals(human.code, 0, human.stderr);
    const lines = human.stdout.split("\n");
    assert(
      /^export\s+cold median\s+cold p95\s+warm median\s+warm p95\s+guest \(warm\)\s+budget$/.test(lines[0]),
    );
    assert(
      /^health\s+[\d.]+ ms\s+[\d.]+ ms\s+[\d.]+ ms\s+[\d.]+ ms\s+[\d.]+ ms\s+(ok \(≤ 50 ms\)|OVER 50 ms)$/
        .test(lines[1]),
      lines[1],
    );
    assertStringIncludes(human.stdout, "Budget: cold median ≤ 50 ms");
    assertStringIncludes(human.stderr, "1 cold + 1 warm runs per export");
  },
});
