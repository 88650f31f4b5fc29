/**
 * The profiling copy (src/runtime/preprocess/call_marks.ts) on real modules: it marks exactly the
 * functions a run entered (imports counted in the index space, so the marks are the hints' indices),
 * computes what the original computes, works when the module imports its memory, and refuses a module
 * that already exports `samuel:calls`.
 */

import { assertEquals } from "../support/assert.ts";
import { wat2wasm } from "../support/wat.ts";
import { markCalls } from "../../src/runtime/preprocess/call_marks.ts";
import { calledFunctions, CALLS_EXPORT as READ_NAME } from "../../src/runtime/call_marks_read.ts";
import { CALLS_EXPORT } from "../../src/runtime/preprocess/compile_hints.ts";

// Function indices: 0 the import, 1 $double, 2 $unused, 3 $twice, 4 run.
const CALLS = `(module
  (import "env" "log" (func $log (param i32)))
  (memory (export "memory") 1)
  (func $double (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
  (func $unused (result i32) (i32.const 99))
  (func $twice (param i32) (result i32) (local i32)
    (local.set 1 (call $double (local.get 0)))
    (call $double (local.get 1)))
  (func (export "run") (param i32) (result i32)
    (call $log (local.get 0))
    (call $twice (local.get 0))))`;

function instantiate(bytes: Uint8Array, imports: WebAssembly.Imports = {}) {
  const logged: number[] = [];
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>), {
    env: { log: (x: number) => logged.push(x) },
    ...imports,
  });
  return { exports: instance.exports, logged };
}

Deno.test("markCalls: the marks name the functions the run entered, and the result is the original's", async () => {
  const original = await wat2wasm(CALLS);
  const marked = markCalls(original)!;
  const plain = instantiate(original);
  const copy = instantiate(marked);
  assertEquals(calledFunctions(copy.exports), []); // nothing has run yet
  assertEquals(
    (copy.exports.run as (x: number) => number)(5),
    (plain.exports.run as (x: number) => number)(5),
  );
  assertEquals(copy.logged, plain.logged);
  assertEquals(calledFunctions(copy.exports), [1, 3, 4]);
  // The original has no marks to read.
  assertEquals(calledFunctions(plain.exports), undefined);
});

Deno.test("markCalls: a module importing its memory gets the marks' memory as its second", async () => {
  const original = await wat2wasm(`(module
    (import "env" "memory" (memory 1))
    (func $store (i32.store (i32.const 0) (i32.const 7)))
    (func (export "run") (result i32) (call $store) (i32.load (i32.const 0))))`);
  const memory = new WebAssembly.Memory({ initial: 1 });
  const instance = new WebAssembly.Instance(
    new WebAssembly.Module(markCalls(original)!),
    { env: { memory } },
  );
  assertEquals((instance.exports.run as () => number)(), 7);
  assertEquals(new Uint8Array(memory.buffer)[0], 7);
  assertEquals(calledFunctions(instance.exports), [0, 1]);
});

Deno.test("markCalls: nothing to mark, or the name taken, is no profiling copy", async () => {
  assertEquals(markCalls(await wat2wasm(`(module (memory (export "memory") 1))`)), undefined);
  const taken = await wat2wasm(`(module
    (memory (export "samuel:calls") 1)
    (func (export "run")))`);
  assertEquals(markCalls(taken), undefined);
});

Deno.test("the Worker's reader and the rewriter agree on the marks' export name", () => {
  assertEquals(READ_NAME, CALLS_EXPORT);
});
