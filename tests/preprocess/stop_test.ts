/**
 * The hard stop: spinning guests of every shape are stopped by the probes with a trap shortly after the
 * deadline, guests cannot swallow the stop, and the stop is deterministic under fuel.
 */

import { assert, assertEquals, assertThrows } from "../support/assert.ts";
import { wat2wasm } from "../support/wat.ts";
import { compile, expectStop, instantiateMetered, rewrite } from "./support.ts";

const DEADLINE = 50;
/**
 * Upper bound on lateness for a single stop. Generous because a loaded 2-core CI machine can deschedule
 * the process for hundreds of milliseconds; the typical latency (~0.1-1 ms) is checked by the median test.
 */
const SLACK = 1000;

const SPINNERS = await wat2wasm(`(module
  (import "env" "tick" (func $tick))
  (memory 2)
  (tag $e)
  (table $t 4 funcref)
  (elem (table $t) (i32.const 0) func $nop $rec $even $odd)
  (func $nop)
  (type $v (func))
  (type $ii (func (param i32) (result i32)))
  (func (export "tight") (loop $l (br $l)))
  (func (export "tight_counter") (result i32) (local i32)
    (loop $l (local.set 0 (i32.add (local.get 0) (i32.const 1))) (br_if $l (i32.ne (local.get 0) (i32.const 0))))
    (local.get 0))
  (func $rec (export "recurse") (call $rec))
  (func $deep (export "deep") (param i32) (result i32)
    ;; binary recursion: bounded depth, exponential time
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2)) (then (local.get 0))
      (else (i32.add (call $deep (i32.sub (local.get 0) (i32.const 1))) (call $deep (i32.sub (local.get 0) (i32.const 2)))))))
  (func $even (export "even") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 1)) (else (return_call $odd (i32.sub (local.get 0) (i32.const 1))))))
  (func $odd (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0)) (else (return_call $even (i32.sub (local.get 0) (i32.const 1))))))
  (func (export "return_call_forever") (param i32) (result i32) (return_call $even (i32.const -1)))
  (func $tc (export "return_call_indirect_forever") (param i32) (result i32) (return_call_indirect $t (type $ii) (local.get 0) (i32.const 2)))
  (func (export "catch_all_legacy")
    (loop $l (try (do (loop $inner (br $inner))) (catch_all)) (br $l)))
  (func (export "memory_fill_loop")
    (loop $l (memory.fill (i32.const 0) (i32.const 7) (i32.const 131072)) (br $l)))
  (func (export "memory_copy_loop")
    (loop $l (memory.copy (i32.const 0) (i32.const 65536) (i32.const 65536)) (br $l)))
  (func (export "br_table_loop") (param i32)
    (loop $a (block $b (block $c (br_table $a $b $c (i32.and (local.get 0) (i32.const 1))))
      (local.set 0 (i32.add (local.get 0) (i32.const 2))) (br $a))
      (br $a)))
  (func (export "nested") (local i32 i32)
    (loop $o (local.set 0 (i32.const 0))
      (loop $m (local.set 1 (i32.const 0))
        (loop $i (local.set 1 (i32.add (local.get 1) (i32.const 1))) (br_if $i (i32.lt_u (local.get 1) (i32.const 1000))))
        (local.set 0 (i32.add (local.get 0) (i32.const 1))) (br_if $m (i32.lt_u (local.get 0) (i32.const 1000))))
      (br $o)))
  (func (export "calls_import") (loop $l (call $tick) (br $l)))
  (func (export "loop_with_params") (result i32)
    (i32.const 0)
    (loop $l (param i32) (result i32) (i32.add (i32.const 1)) (br $l)))
  (func (export "call_indirect_loop") (loop $l (call_indirect $t (type $v) (i32.const 0)) (br $l)))
  (func (export "mutual_indirect") (call_indirect $t (type $v) (i32.const 1)))
  (func (export "throw_loop") (loop $l (try (do (throw $e)) (catch $e)) (br $l)))
)`);

// V8 refuses a module that mixes legacy and new exception handling, so try_table lives apart.
const NEW_EH = await wat2wasm(`(module
  (tag $e)
  (func (export "catch_all_try_table")
    (loop $l (block $h (try_table (catch_all $h) (loop $inner (br $inner)))) (br $l)))
  (func (export "try_table_throw_loop") (result i32) (local i32)
    (loop $l
      (block $h (try_table (catch $e $h) (throw $e)))
      (local.set 0 (i32.add (local.get 0) (i32.const 1)))
      (br_if $l (i32.ne (local.get 0) (i32.const 0))))
    (local.get 0)))`);

const rewritten = rewrite(SPINNERS);
const rewrittenNewEh = rewrite(NEW_EH);
const imports = { env: { tick: () => {} } };

for (
  const [name, ...args] of [
    ["tight"],
    ["tight_counter"],
    ["deep", 60],
    ["even", -1],
    ["return_call_forever", 0],
    ["return_call_indirect_forever", -1],
    ["catch_all_legacy"],
    ["catch_all_try_table"],
    ["try_table_throw_loop"],
    ["memory_fill_loop"],
    ["memory_copy_loop"],
    ["br_table_loop", 0],
    ["br_table_loop", 1],
    ["nested"],
    ["calls_import"],
    ["loop_with_params"],
    ["call_indirect_loop"],
    ["throw_loop"],
  ] as [string, ...number[]][]
) {
  Deno.test(`stop: ${name}(${args.join(",")}) traps shortly after the hard deadline`, async () => {
    const target = name.includes("try_table") ? rewrittenNewEh : rewritten;
    const { exports, meter, deadline } = await instantiateMetered(target, { ms: DEADLINE, imports });
    expectStop(() => exports[name](...args), meter);
    const late = performance.now() - deadline;
    assert(late >= 0, `stopped ${-late} ms before the deadline`);
    assert(late < SLACK, `stopped ${late} ms after the deadline`);
  });
}

// A call tree that is finite but exponential: 40 levels, each calling the next twice, no loops, no
// recursion. Only the call-graph work bound puts probes in it.
const DAG_LEVELS = 40;
const DAG = await wat2wasm(`(module
  (func $f0 (result i32) (i32.const 1))
  ${
  Array.from({ length: DAG_LEVELS }, (_, k) =>
    `(func $f${k + 1} ${k + 1 === DAG_LEVELS ? `(export "top")` : ""} (result i32)
      (i32.add (call $f${k}) (call $f${k})))`).join("\n")
}
  (func (export "small") (result i32) (call $f10)))`);

Deno.test("stop: an exponential call tree without loops or recursion is stopped", async () => {
  const { exports, meter, deadline } = await instantiateMetered(rewrite(DAG), { ms: DEADLINE });
  assertEquals(exports.small(), 1024);
  expectStop(() => exports.top(), meter);
  assert(performance.now() - deadline < SLACK);
});

Deno.test("stop: unbounded recursion ends (stack overflow or stop), and the next call still works", async () => {
  const { exports, meter } = await instantiateMetered(rewritten, { ms: DEADLINE, imports });
  assertThrows(() => exports.recurse());
  assertThrows(() => exports.mutual_indirect());
  assertEquals(meter.stopped, null, "stack overflow comes first; the meter did not need to act");
  assertEquals(exports.even(10), 1);
});

Deno.test("stop: after a stop every refill says stop, so a guest cannot resume by calling again", async () => {
  const { exports, meter } = await instantiateMetered(rewritten, { ms: DEADLINE, imports });
  expectStop(() => exports.tight(), meter);
  assertThrows(() => exports.tight_counter(), (e) => assert(e instanceof WebAssembly.RuntimeError));
  assertEquals(meter.imports.refill(), 0);
});

Deno.test("stop: a JS exception from an import would be caught by catch_all; the trap is not", async () => {
  // Prove the premise: catch_all catches a JS exception thrown by an import.
  const src = await wat2wasm(`(module
    (import "env" "boom" (func $boom))
    (func (export "swallow") (result i32) (try (result i32) (do (call $boom) (i32.const 0)) (catch_all (i32.const 1)))))`);
  const instance = await WebAssembly.instantiate(compile(src), {
    env: {
      boom: () => {
        throw new Error("stop");
      },
    },
  });
  assertEquals((instance.exports.swallow as () => number)(), 1);
});

Deno.test("fuel: the same guest uses the same number of refills on every run, and fuel stops it", async () => {
  const counts: number[] = [];
  for (let run = 0; run < 3; run++) {
    const { exports, meter } = await instantiateMetered(rewritten, { fuel: 1_000_000, imports });
    exports.deep(22);
    counts.push(meter.refills);
  }
  assert(counts[0] > 1, `expected several refills, got ${counts[0]}`);
  assertEquals(new Set(counts).size, 1, `refill counts differ: ${counts}`);
  const { exports, meter } = await instantiateMetered(rewritten, { fuel: 5, imports });
  expectStop(() => exports.tight(), meter, "fuel");
  assertEquals(meter.refills, 5);
});

Deno.test("meter: without a deadline pressure the metered guest computes the same results", async () => {
  const { exports } = await instantiateMetered(rewritten, { imports });
  const instance = await WebAssembly.instantiate(compile(SPINNERS), imports);
  const orig = instance.exports as Record<string, (...a: number[]) => number>;
  for (const n of [0, 1, 2, 10, 20]) assertEquals(exports.deep(n), orig.deep(n));
  assertEquals(exports.even(1001), orig.even(1001));
});

Deno.test("fuel: work in callees that keep the counter in a local is charged to the caller's budget", async () => {
  // inner() loops n times with the counter in a local; outer() calls it 1000 times. If inner() did not
  // store its count back, the 5 million iterations would cost almost no fuel.
  const bytes = await wat2wasm(`(module
    (func $inner (param i32) (result i32) (local i32)
      (loop $l (local.set 1 (i32.add (local.get 1) (i32.const 1)))
        (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
      (local.get 1))
    (func (export "outer") (result i32) (local i32 i32)
      (loop $l (local.set 1 (i32.add (local.get 1) (call $inner (i32.const 5000))))
        (br_if $l (i32.ne (local.tee 0 (i32.add (local.get 0) (i32.const 1))) (i32.const 1000))))
      (local.get 1)))`);
  const { exports, meter } = await instantiateMetered(rewrite(bytes), { fuel: 10_000 });
  assertEquals(exports.outer(), 5_000_000);
  // 5 001 000 units at 10 000 per refill.
  assert(meter.refills >= 500 && meter.refills <= 502, `refills: ${meter.refills}`);
});

Deno.test("stop: median latency past the deadline is within a few milliseconds", async () => {
  const lates: number[] = [];
  for (let i = 0; i < 15; i++) {
    const { exports, meter, deadline } = await instantiateMetered(rewritten, { ms: 10, imports });
    expectStop(() => exports.nested(), meter);
    lates.push(performance.now() - deadline);
  }
  lates.sort((a, b) => a - b);
  assert(lates[7] < 20, `median lateness ${lates[7].toFixed(2)} ms (all: ${lates.map((x) => x.toFixed(1))})`);
});
