/**
 * `invoke` in-process: the pieces of its contract the CLI tests do not pin down precisely. The meter
 * import it provides is the one the pre-processor adds; the sandbox Worker's module graph does not load
 * the rewriter (a start-up cost); timings are per phase; the output cap turns into `output_limit`.
 */

import { assert, assertEquals } from "../support/assert.ts";
import { wat2wasm } from "../support/wat.ts";
import { invoke, METER_IMPORT } from "../../src/runtime/invoke.ts";
import { METER_FIELD, METER_MODULE, preprocess } from "../../src/runtime/preprocess/mod.ts";
import { ungrantedSpec } from "./_helpers.ts";
import { loadedModules } from "../support/module_graph.ts";

Deno.test("invoke provides exactly the meter import the pre-processor adds", () => {
  assertEquals(METER_IMPORT, { module: METER_MODULE, field: METER_FIELD });
});

Deno.test("the sandbox Worker's module graph does not include the rewriter or the CLI", async () => {
  // What the Worker loads at run time: walk the graph from its root along code (not type-only) imports.
  const loaded = await loadedModules(
    new URL("../../src/runtime/sandbox_worker.ts", import.meta.url).pathname,
  );
  const heavy = [...loaded].filter((s) =>
    /\/preprocess\/(?!mod\.ts$)|\/cli\/|\/store\/|\/manifest\//.test(s)
  );
  assertEquals(heavy, []);
  assert(![...loaded].some((s) => s.endsWith("/preprocess/mod.ts")), "preprocess/mod.ts is loaded");
});

Deno.test("timings per phase, and a stdout cap turns into output_limit", async () => {
  const pre = preprocess(
    await wat2wasm(`(module
      (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "_initialize"))
      (func (export "say") (result i32)
        (i32.store (i32.const 0) (i32.const 64)) (i32.store (i32.const 4) (i32.const 1000))
        (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
        (i32.const 0)))`),
    { maxMemoryBytes: 16 << 20, meter: true },
  );
  const module = new WebAssembly.Module(pre.bytes);
  const spec = ungrantedSpec("t", "say", 1000, 100);
  const r = await invoke(module, pre.info, { spec, exportName: "say", input: new Uint8Array() });
  assertEquals(r.outcome, "output_limit");
  assertEquals(r.stdout.length, 100);
  assertEquals(r.report.stdout_bytes_total, 1000);
  for (const k of ["instantiate_ms", "init_ms", "call_ms"] as const) {
    assert(r.timings[k] >= 0 && r.timings[k] < 1000, `${k}: ${r.timings[k]}`);
  }
  assertEquals(r.report.peak_memory_bytes, 65536);
});
