/**
 * Fuzzes what install and `plugin validate` do with a plugin's `.wasm` in-process (`cli_fuzz_test.ts`
 * runs a sample through the CLI): valid modules mutated by byte flips, truncation, broken LEB128 lengths,
 * copied and deleted byte runs and appended sections. Install's checks (`checkModule`), the pre-processor
 * as the module cache builds with it, and plugin validate's report (`checkModuleAgainstManifest`) must
 * each accept the module or refuse it with a SamuelError carrying a SAM code, within a time bound.
 */

import { assert } from "../support/assert.ts";
import { wat2wasm } from "../support/wat.ts";
import { isSamuelError } from "../../src/errors.ts";
import { parseManifest, type WasmManifest } from "../../src/manifest/mod.ts";
import { buildForCache, checkModule } from "../../src/store/module_check.ts";
import { checkModuleAgainstManifest } from "../../src/app/plugin_module.ts";
import { caseRng, cases, FUZZ_SEED, mutateWasm, SAM_CODE, saveCase } from "./mutate.ts";

const CASE_BOUND_MS = 3_000;

/** A reactor with most sections: types, imports, a table, globals, loops, calls, data, elements, start. */
const RICH = `(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (import "samuel" "deadline_ms" (func $d (result i64)))
  (memory (export "memory") 1 4)
  (table 2 funcref)
  (global $g (mut i32) (i32.const 0))
  (data (i32.const 16) "hello fuzz\\n")
  (elem (i32.const 0) $lint $health)
  (func $loop (param $n i32) (result i32) (local $i i32)
    (block $out (loop $top
      (br_if $out (i32.ge_u (local.get $i) (local.get $n)))
      (global.set $g (i32.add (global.get $g) (local.get $i)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $top)))
    (global.get $g))
  (func (export "_initialize") (drop (call $d)))
  (func $lint (export "lint") (result i32)
    (drop (call $loop (i32.const 10)))
    (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 11))
    (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call_indirect (result i32) (i32.const 1)))
  (func $health (export "health") (result i32) (i32.const 0))
  (func (export "samuel_protocol_version") (result i32) (i32.const 1)))`;

const fixtures = new URL("../fixtures/prebuilt/", import.meta.url);
const MODULES = [
  await Deno.readFile(new URL("smoke_plugin.wasm", fixtures)),
  await Deno.readFile(new URL("hello.wasm", fixtures)),
  await wat2wasm(RICH, "rich.wat"),
];

const MANIFEST = (await parseManifest(
  `name = "fz"\nversion = "0.1.0"\nkind = "wasm"\nsummary = "s"\n[samuel]\nframework = "*"\nprotocol = "^1.0.0"\n` +
    `[wasm]\nmodule = "plugin.wasm"\nexports = ["lint"]\n[runtime]\nmax_memory = 16\n`,
)).manifest as WasmManifest;

function refusal(e: unknown): string | undefined {
  if (!isSamuelError(e)) return `threw ${e instanceof Error ? e.stack : String(e)}`;
  if (!SAM_CODE.test(e.code)) return `threw ${e.code}: ${e.message}`;
  return undefined;
}

Deno.test("fuzz: mutated .wasm modules pass install's checks and the pre-processor or are refused with a SAM code", async () => {
  assert(MANIFEST !== undefined);
  const failures: string[] = [];
  for (const i of cases(600)) {
    const r = caseRng("wasm", i);
    const base = MODULES[i % MODULES.length];
    const { bytes, steps } = mutateWasm(base, r);
    const started = performance.now();
    let error: string | undefined;
    for (
      const [what, step] of [
        ["checkModule", () => checkModule(bytes, MANIFEST, "plugin.wasm")],
        ["buildForCache", () => buildForCache(16)(bytes)],
        ["plugin validate", async () => {
          const checked = await checkModuleAgainstManifest(bytes, MANIFEST, {
            file: "samuel-plugin.toml",
            path: "plugin.wasm",
          });
          const bad = checked.problems.find((p) => !SAM_CODE.test(p.code));
          if (bad) throw new Error(`problem without a SAM code: ${JSON.stringify(bad)}`);
        }],
      ] as const
    ) {
      try {
        await step();
      } catch (e) {
        const why = refusal(e);
        if (why) error = `${what}: ${why}`;
      }
      if (error) break;
    }
    const ms = performance.now() - started;
    if (!error && ms > CASE_BOUND_MS) error = `took ${ms.toFixed(0)} ms (bound ${CASE_BOUND_MS} ms)`;
    if (error) {
      failures.push(
        `case ${i} (module ${i % MODULES.length}): ${steps.join("; ")}\n  ${error}\n  input: ${await saveCase(
          "wasm",
          i,
          bytes,
          "wasm",
        )}`,
      );
      if (failures.length >= 5) break;
    }
  }
  assert(
    failures.length === 0,
    `${failures.length} failing case(s) (SAMUEL_FUZZ_SEED=${FUZZ_SEED}, replay with SAMUEL_FUZZ_CASE=<i>):\n${
      failures.join("\n")
    }`,
  );
});
