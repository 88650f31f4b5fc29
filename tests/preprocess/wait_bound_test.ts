/**
 * `memory.atomic.wait32/64` cannot be interrupted by a probe, so the rewriter replaces each wait with a
 * call to a wrapper that waits in slices of at most WAIT_SLICE_NS and asks the meter between slices. What
 * must hold: an infinite wait (looping or not) traps at the hard deadline; a finite wait keeps its
 * meaning (returns 2 after no less than its own timeout, however long); a not-equal wait returns 1 at
 * once; fuel spent by a wait depends only on its timeout; modules without waits are rewritten as before.
 */

import { assert, assertEquals } from "../support/assert.ts";
import { wat2wasm } from "../support/wat.ts";
import { expectStop, instantiateMetered, rewrite } from "./support.ts";
import { WAIT_SLICE_NS } from "../../src/runtime/preprocess/meter_probes.ts";

const SLICE_MS = Number(WAIT_SLICE_NS) / 1e6;

/**
 * wat2wasm for a module whose only memory is `(memory 1 1)`, made shared: the wabt build we use refuses
 * `shared` ("memories may not be shared") although threads are enabled, so the limits flag is patched.
 */
async function withSharedMemory(wat: string): Promise<Uint8Array> {
  const bytes = await wat2wasm(wat);
  // The memory section: id 5, size 4, one memory, flags 0x01 (has maximum), min 1, max 1.
  const section = [5, 4, 1, 1, 1, 1];
  const at = bytes.findIndex((_, i) => section.every((b, j) => bytes[i + j] === b));
  assert(at > 0, "memory section not found");
  bytes[at + 3] = 0x03; // has maximum | shared
  return bytes;
}

// $flag (address 0) is 0 and nothing ever changes it: there is no other thread to notify.
const WAITS = await withSharedMemory(`(module
  (memory 1 1)
  (func $helper (result i32) (i32.const 7))
  (func (export "loop32") (result i32)
    (loop $l (br_if $l (i32.ne (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const -1)) (i32.const 0))))
    (call $helper))
  (func (export "once32") (result i32)
    (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const -1)))
  (func (export "loop64") (result i32)
    (loop $l (br_if $l (i32.ne (memory.atomic.wait64 offset=8 (i32.const 0) (i64.const 0) (i64.const -1)) (i32.const 0))))
    (i32.const 0))
  (func (export "once64") (result i32)
    (memory.atomic.wait64 offset=8 (i32.const 0) (i64.const 0) (i64.const -1)))
  (func (export "timed32") (param i64) (result i32)
    (memory.atomic.wait32 (i32.const 0) (i32.const 0) (local.get 0)))
  (func (export "timed64") (param i64) (result i32)
    (memory.atomic.wait64 offset=8 (i32.const 0) (i64.const 0) (local.get 0)))
  (func (export "not_equal") (result i32)
    (memory.atomic.wait32 (i32.const 0) (i32.const 1) (i64.const -1)))
  (func (export "helper") (result i32) (call $helper)))`);

const rewritten = rewrite(WAITS);
const DEADLINE = 100;
/** Upper bound on a single stop's lateness, generous for a loaded CI machine (as in stop_test.ts). */
const SLACK = 1000;

for (const name of ["loop32", "once32", "loop64", "once64"]) {
  Deno.test(`wait: ${name} (infinite timeout) traps at the hard deadline`, async () => {
    const { exports, meter, deadline } = await instantiateMetered(rewritten, { ms: DEADLINE });
    expectStop(() => exports[name](), meter);
    const late = performance.now() - deadline;
    assert(late >= 0, `stopped ${-late} ms before the deadline`);
    assert(late < SLACK, `stopped ${late.toFixed(1)} ms after the deadline`);
  });
}

Deno.test("wait: the median stop comes within about one slice of the deadline", async () => {
  const lates: number[] = [];
  for (let i = 0; i < 7; i++) {
    const { exports, meter, deadline } = await instantiateMetered(rewritten, { ms: 20 });
    expectStop(() => exports.once32(), meter);
    lates.push(performance.now() - deadline);
  }
  lates.sort((a, b) => a - b);
  assert(
    lates[3] < SLICE_MS + 20,
    `median lateness ${lates[3].toFixed(1)} ms (all: ${lates.map((x) => x.toFixed(1))})`,
  );
});

Deno.test("wait: finite timeouts keep their meaning, shorter and longer than a slice", async () => {
  const { exports, meter } = await instantiateMetered(rewritten);
  for (const name of ["timed32", "timed64"]) {
    for (const ms of [0, 2, 3 * SLICE_MS + 5]) {
      const t0 = performance.now();
      assertEquals(exports[name](BigInt(ms * 1e6)), 2, `${name}(${ms} ms)`);
      const took = performance.now() - t0;
      // Never shorter than asked (allowing for clock granularity); not much longer either.
      assert(took >= ms - 1, `${name}(${ms} ms) returned after ${took.toFixed(1)} ms`);
      assert(took < ms + 200, `${name}(${ms} ms) returned after ${took.toFixed(1)} ms`);
    }
  }
  assertEquals(exports.not_equal(), 1);
  assertEquals(exports.helper(), 7);
  assertEquals(meter.stopped, null);
});

Deno.test("wait: fuel spent by a wait depends only on its timeout; an endless wait runs out of fuel", async () => {
  // 3.5 slices: three timed-out slices ask the meter, the last half slice returns.
  for (let run = 0; run < 2; run++) {
    const { exports, meter } = await instantiateMetered(rewritten, { fuel: 100 });
    assertEquals(exports.timed32(WAIT_SLICE_NS * 7n / 2n), 2);
    assertEquals(meter.refills, 3);
  }
  const { exports, meter } = await instantiateMetered(rewritten, { fuel: 3 });
  expectStop(() => exports.once32(), meter, "fuel");
});

Deno.test("wait: one wrapper per distinct wait (opcode and memarg), appended after the defined functions", () => {
  // 9 defined functions; waits: wait32 offset 0 (five sites), wait64 offset 8 (three sites).
  assertEquals(rewritten.info.definedFunctions, 9 + 2);
  assertEquals(rewritten.info.importedFunctions, 1);
  // Exports keep their functions (indices shifted by the meter import only).
  const helper = rewritten.info.exports.find((e) => e.name === "helper")!;
  assertEquals(helper.index, 1 + 8);
});

Deno.test("wait: a module without waits gains no function", async () => {
  const bytes = await withSharedMemory(`(module
    (memory 1 1)
    (func (export "f") (result i32)
      (loop $l (br_if $l (i32.eqz (i32.atomic.load (i32.const 0)))))
      (memory.atomic.notify (i32.const 0) (i32.const 1))))`);
  const r = rewrite(bytes);
  assertEquals(r.info.definedFunctions, 1);
  assertEquals(r.info.importedFunctions, 1);
});
