/**
 * Where the probes keep the counter, read from the rewritten text, and that each shape still stops and
 * still computes the same: a loop that calls nothing using the counter keeps it in a local (a register);
 * a loop around such calls (how Go compiles every function: one dispatch loop around all its calls)
 * uses the global, with no store and reload around each call; a loop at a function's very start stands
 * in for its entry probe.
 */

import { assert, assertEquals } from "../support/assert.ts";
import { wasm2wat, wat2wasm } from "../support/wat.ts";
import { compile, expectStop, instantiateMetered, rewrite } from "./support.ts";

const SOURCE = await wat2wasm(`(module
  (func $spin_some (export "spin_some") (param i32) (result i32)
    (loop $l (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1))))) (local.get 0))
  (func $dispatch (export "dispatch") (param i32) (result i32)
    (loop $l
      (drop (call $spin_some (i32.const 100)))
      (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
    (local.get 0))
  (func $fib (export "fib") (param i32) (result i32)
    (loop $l (result i32)
      (if (result i32) (i32.lt_u (local.get 0) (i32.const 2)) (then (local.get 0))
        (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                       (call $fib (i32.sub (local.get 0) (i32.const 2)))))))))`);

const rewritten = rewrite(SOURCE);
const text = await wasm2wat(rewritten.bytes);

/** The instructions of function `name`, one per entry, without its signature and locals. */
function body(name: string): string[] {
  const start = text.indexOf(`(func $${name} `);
  assert(start >= 0, `no function ${name} in:\n${text}`);
  const end = text.indexOf("\n  (func ", start + 1);
  return text.slice(start, end < 0 ? undefined : end).split("\n").slice(1)
    // Closing parentheses of the folded signature and module are cut off the last lines.
    .map((l) => l.trim().replace(/\)+$/, ""))
    .filter((l) => l && !l.startsWith("(local"));
}

Deno.test("meter shape: a loop that calls nothing metered keeps the counter in a local", () => {
  const code = body("spin_some");
  assertEquals(code.slice(0, 2), ["global.get $g0", "local.set $l1"], code.join("\n"));
  assertEquals(code.slice(-2), ["local.get $l1", "global.set $g0"], code.join("\n"));
  const inner = code.indexOf("loop $L4");
  assertEquals(code.slice(inner + 1, inner + 5), [
    "local.get $l1",
    "i32.const 1",
    "i32.sub",
    "local.tee $l1",
  ]);
});

Deno.test("meter shape: a loop around metered calls uses the global, with no sync around the call", () => {
  const code = body("dispatch");
  assertEquals(code[0], "loop $L0", "the loop at the start stands in for the entry probe");
  const call = code.indexOf("call $spin_some");
  assertEquals([code[call - 1], code[call + 1]], ["i32.const 100", "drop"], code.join("\n"));
  assert(!code.some((l) => l.startsWith("local.set $l1") || l.startsWith("local.get $l1")), code.join("\n"));
});

Deno.test("meter shape: a recursive function starting with a loop has no separate entry probe", () => {
  const code = body("fib");
  assertEquals(code[0], "loop $L0 (result i32");
  assertEquals(code.filter((l) => l === "call $samuel:meter.refill").length, 1, code.join("\n"));
});

Deno.test("meter shape: each shape computes what the original does, and is stopped at the deadline", async () => {
  const original = (await WebAssembly.instantiate(compile(SOURCE))).exports as Record<
    string,
    (n: number) => number
  >;
  const { exports } = await instantiateMetered(rewritten);
  for (const n of [0, 1, 2, 15, 20]) assertEquals(exports.fib(n), original.fib(n));
  assertEquals(exports.dispatch(1000), original.dispatch(1000));
  assertEquals(exports.spin_some(100_000), original.spin_some(100_000));
  for (const [name, arg] of [["fib", 60], ["dispatch", 0], ["spin_some", 0]] as const) {
    const { exports, meter, deadline } = await instantiateMetered(rewritten, { ms: 50 });
    expectStop(() => exports[name](arg), meter);
    assert(performance.now() - deadline < 1000, `${name} stopped late`);
  }
});
