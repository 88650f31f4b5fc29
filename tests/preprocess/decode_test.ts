/**
 * The decoder/encoder and the index renumbering: LEB128 edge cases, byte-identical re-assembly, every
 * instruction family decodes and re-encodes to a valid module, function indices stay right everywhere
 * (calls, element segments of every form, ref.func in globals and tables, exports, start, names), and
 * what cannot be rewritten is refused with SAM-PREPROCESS-00N.
 */

import { assert, assertEquals, assertMatch, assertThrows } from "../support/assert.ts";
import { wat2wasm } from "../support/wat.ts";
import type { SamuelError } from "../../src/errors.ts";
import {
  inspectModule,
  missingExports,
  preprocess,
  PREPROCESSOR_VERSION,
  unknownImports,
} from "../../src/runtime/preprocess/mod.ts";
import { Reader } from "../../src/runtime/preprocess/reader.ts";
import { Writer } from "../../src/runtime/preprocess/writer.ts";
import { assemble, splitSections } from "../../src/runtime/preprocess/sections.ts";
import { compile, fixture, instantiateMetered, rewrite } from "./support.ts";

Deno.test("reader/writer: LEB128 round trips at the edges", () => {
  const w = new Writer(4);
  const u = [0, 1, 127, 128, 255, 16383, 16384, 2 ** 21, 2 ** 28 - 1, 2 ** 28, 2 ** 32 - 1];
  const s = [0, 1, -1, 63, 64, -64, -65, 8191, -8192, 2 ** 31 - 1, -(2 ** 31)];
  for (const v of u) w.u32(v);
  for (const v of s) w.s32(v);
  const r = new Reader(w.finish());
  for (const v of u) assertEquals(r.u32(), v);
  for (const v of s) assertEquals(r.s32(), v);
  assert(r.atEnd());
  // Over-long and truncated encodings are malformed, not silently accepted.
  for (const bad of [[0x80, 0x80, 0x80, 0x80, 0x80, 0x00], [0x80], [0xff, 0xff, 0xff, 0xff, 0x1f]]) {
    const e = assertThrows(() => new Reader(new Uint8Array(bad)).u32()) as SamuelError;
    assertEquals(e.code, "SAM-PREPROCESS-001");
  }
});

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

Deno.test("sections: split + assemble is byte-identical (modulo padded section sizes) on real modules", () => {
  for (const name of ["kernels.wasm", "simd.wasm", "hello_wasi.wasm", "gohello.wasm"]) {
    const bytes = fixture(name);
    if (!bytes) continue;
    const once = assemble(splitSections(bytes));
    // Go pads section sizes to 5-byte LEB128; the encoder writes minimal ones, so compare the second pass.
    if (name === "gohello.wasm") {
      assert(sameBytes(assemble(splitSections(once)), once) && WebAssembly.validate(once));
    } else assert(sameBytes(once, bytes), name);
  }
});

Deno.test("preprocess: a module without memory, unmetered, comes out unchanged", async () => {
  const bytes = await wat2wasm(`(module (func (export "f") (result i32) (i32.const 7)))`);
  assertEquals(preprocess(bytes, { maxMemoryBytes: 1 << 20, meter: false }).bytes, bytes);
  assertEquals(PREPROCESSOR_VERSION.length > 0, true);
});

const FEATURES = {
  simd: `(module (memory 1)
    (func (export "f") (param i32) (result i32)
      (local v128)
      (local.set 1 (v128.load offset=16 align=4 (local.get 0)))
      (local.set 1 (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 (local.get 1) (v128.const i32x4 1 2 3 4)))
      (local.set 1 (v128.load32_lane 2 (local.get 0) (local.get 1)))
      (v128.store64_lane 1 (local.get 0) (local.get 1))
      (local.set 1 (i32x4.replace_lane 3 (local.get 1) (i32.const 9)))
      (local.set 1 (f32x4.relaxed_madd (local.get 1) (local.get 1) (local.get 1)))
      (local.set 1 (i32x4.relaxed_trunc_f32x4_s (local.get 1)))
      (loop $l (br_if $l (i32.ne (local.tee 0 (i32.sub (local.get 0) (i32.const 1))) (i32.const 0))))
      (i32x4.extract_lane 0 (v128.load64_zero (local.get 0)))))`,
  bulk: `(module (memory 1) (table 4 funcref) (data $d "hello") (elem $e func $f)
    (func $f (export "f") (param i32)
      (memory.init $d (local.get 0) (i32.const 0) (i32.const 5)) (data.drop $d)
      (memory.copy (i32.const 100) (i32.const 0) (i32.const 5))
      (memory.fill (i32.const 0) (i32.const 0) (i32.const 10))
      (table.init $e (i32.const 0) (i32.const 0) (i32.const 1)) (elem.drop $e)
      (table.copy (i32.const 1) (i32.const 0) (i32.const 1))
      (table.fill (i32.const 2) (ref.func $f) (i32.const 2))
      (drop (table.grow (ref.null func) (i32.const 1)))
      (drop (table.size))
      (drop (i32.trunc_sat_f32_s (f32.const 1.5)))))`,
  atomics: `(module (memory 1 1)
    (func (export "f") (param i32) (result i32)
      (drop (i32.atomic.rmw.add (local.get 0) (i32.const 1)))
      (drop (i64.atomic.rmw32.cmpxchg_u offset=8 (local.get 0) (i64.const 1) (i64.const 2)))
      (i32.atomic.store16 (local.get 0) (i32.const 3))
      (atomic.fence)
      (drop (memory.atomic.notify (local.get 0) (i32.const 1)))
      (i32.atomic.load (local.get 0))))`,
  legacy_eh: `(module (tag $t (param i32))
    (func $thrower (param i32) (throw $t (local.get 0)))
    (func (export "f") (param i32) (result i32)
      (try (result i32)
        (do (try (do (call $thrower (local.get 0))) (delegate 0)) (i32.const 0))
        (catch $t (i32.add (i32.const 1)))
        (catch_all (i32.const -1)))))`,
  legacy_rethrow: `(module (tag $t)
    (func $thrower (throw $t))
    (func (export "f") (param i32) (result i32)
      (try (result i32) (do
        (try (do (loop $l (br_if $l (i32.eqz (local.get 0)))) (call $thrower)) (catch $t (rethrow 0)))
        (i32.const 0))
      (catch $t (i32.const 5)))))`,
  new_eh: `(module (tag $t (param i32))
    (func $thrower (param i32) (throw $t (local.get 0)))
    (func (export "f") (param i32) (result i32)
      (block $caught (result i32)
        (block $ref (result exnref)
          (try_table (result i32) (catch $t $caught) (catch_all_ref $ref)
            (loop $l (br_if $l (i32.eqz (local.get 0))))
            (call $thrower (local.get 0)) (i32.const 0))
          (return))
        (throw_ref))
      (i32.add (i32.const 100))))`,
  tail_calls: `(module (type $t (func (param i32) (result i32))) (table 1 funcref) (elem (i32.const 0) $g)
    (func $g (param i32) (result i32) (local.get 0))
    (func (export "f") (param i32) (result i32)
      (if (i32.eqz (local.get 0)) (then (return_call $g (i32.const 42))))
      (return_call_indirect (type $t) (local.get 0) (i32.const 0))))`,
  multi_value: `(module
    (func $swap (param i32 i32) (result i32 i32) (local.get 1) (local.get 0))
    (func (export "f") (param i32) (result i32)
      (i32.const 10) (local.get 0)
      (loop $l (param i32 i32) (result i32 i32)
        (call $swap)
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br_if $l (i32.gt_s (local.get 0) (i32.const 0))))
      (block $b (param i32 i32) (result i32 i32) (br_if $b (i32.const 1)))
      (i32.sub)))`,
  // Functions with loops keep the counter in a local: every way out (return, br/br_table to the function
  // label, falling off the end, with one or two results) must still produce the right values.
  loop_exits: `(module
    (func $two (param i32) (result i32 i32) (local i32)
      (loop $l
        (local.set 1 (i32.add (local.get 1) (i32.const 3)))
        (if (i32.gt_u (local.get 1) (i32.const 30)) (then (return (local.get 1) (local.get 0))))
        (br_if 1 (local.get 1) (i32.const -1) (i32.eqz (local.get 0)))
        (drop)
        (drop)
        (block $b (br_table $l $b (i32.and (local.get 1) (i32.const 1))))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br $l))
      (unreachable))
    (func $one (param i32) (result i32) (local i32)
      (loop $l
        (local.set 1 (i32.add (local.get 1) (local.get 0)))
        (br_if $l (i32.lt_u (local.get 1) (i32.const 100)))
        (br_table 1 1 (local.get 1) (local.get 0)))
      (i32.const -5))
    (func (export "f") (param i32) (result i32)
      (i32.add (i32.mul (call $two (local.get 0))) (call $one (i32.add (local.get 0) (i32.const 1))))))`,
  reference_types: `(module (table $a 2 funcref) (table $b 2 externref) (elem declare func $h)
    (func $h (result i32) (i32.const 3))
    (func (export "f") (param externref) (result i32)
      (table.set $b (i32.const 0) (local.get 0))
      (table.set $a (i32.const 1) (ref.func $h))
      (select (result i32) (i32.const 1) (i32.const 2) (ref.is_null (table.get $b (i32.const 0))))))`,
};

for (const [name, wat] of Object.entries(FEATURES)) {
  Deno.test(`decode: ${name} decodes, re-encodes to a valid module and behaves the same`, async () => {
    const bytes = await wat2wasm(wat);
    const out = rewrite(bytes);
    assert(WebAssembly.validate(out.bytes));
    if (name === "atomics") return; // behaviour needs a shared memory
    // Fresh instances per argument (bulk ops drop segments); traps are compared as results.
    const args = name === "reference_types" ? [null, {}] : [1, 7, 255];
    for (const a of args) {
      const orig = (await WebAssembly.instantiate(compile(bytes))).exports as Record<
        string,
        (x: unknown) => unknown
      >;
      const { exports } = await instantiateMetered(out);
      assertEquals(safe(() => exports.f(a)), safe(() => orig.f(a)), `${name}(${a})`);
    }
  });
}

Deno.test("renumbering: element segments of every form, ref.func, start, exports and names survive", async () => {
  const bytes = await wat2wasm(`(module
    (import "env" "log" (func $log (param i32)))
    (import "env" "g" (global $ig i32))
    (table $t0 8 funcref)
    (table $t1 4 funcref)
    (global $fg funcref (ref.func $three))
    (global $counter (mut i32) (i32.const 0))
    (type $r (func (result i32)))
    (func $one (result i32) (i32.const 1))
    (func $two (result i32) (i32.const 2))
    (func $three (result i32) (i32.const 3))
    (func $four (result i32) (i32.const 4))
    (func $start (global.set $counter (i32.add (global.get $counter) (i32.const 10))) (call $log (global.get $ig)))
    (start $start)
    (elem (i32.const 0) $one $two)                                         ;; form 0
    (elem $passive func $three $four)                                      ;; form 1
    (elem (table $t1) (i32.const 0) func $four $one)                       ;; form 2
    (elem declare func $three)                                             ;; form 3
    (elem (i32.const 2) funcref (ref.func $three) (ref.null func))          ;; form 4
    (elem $pexpr funcref (ref.func $four) (item ref.func $two))            ;; form 5
    (elem (table $t1) (i32.const 2) funcref (ref.func $two) (ref.func $one)) ;; form 6
    (elem declare funcref (ref.func $one))                                 ;; form 7
    (func (export "call_at") (param i32) (result i32) (call_indirect $t0 (type $r) (local.get 0)))
    (func (export "call_t1") (param i32) (result i32) (call_indirect $t1 (type $r) (local.get 0)))
    (func (export "init_passive") (table.init $t0 $passive (i32.const 4) (i32.const 0) (i32.const 2))
      (table.init $t0 $pexpr (i32.const 6) (i32.const 0) (i32.const 2)))
    (func (export "fg") (result i32) (table.set $t0 (i32.const 3) (global.get $fg)) (call_indirect $t0 (type $r) (i32.const 3)))
    (func (export "direct") (result i32) (i32.add (call $one) (call $four)))
    (func (export "counter") (result i32) (global.get $counter))
    (func (export "ref") (result funcref) (ref.func $three))
    (export "four" (func $four))
  )`);
  const run = async (b: Uint8Array, metered: boolean) => {
    const logs: number[] = [];
    const imports = { env: { log: (x: number) => logs.push(x), g: 5 } };
    const exports = metered
      ? (await instantiateMetered(rewrite(b), { imports })).exports
      : (await WebAssembly.instantiate(compile(b), imports)).exports as Record<
        string,
        (...a: number[]) => unknown
      >;
    exports.init_passive();
    const out: unknown[] = [logs.join(",")];
    for (let i = 0; i < 8; i++) out.push(safe(() => exports.call_at(i)));
    for (let i = 0; i < 4; i++) out.push(safe(() => exports.call_t1(i)));
    out.push(exports.fg(), exports.direct(), exports.counter(), (exports.four as () => number)());
    out.push((exports.ref as () => () => number)()());
    return out;
  };
  const before = await run(bytes, false);
  const after = await run(bytes, true);
  assertEquals(after, before);
  assertEquals(before.slice(0, 3), ["5", 1, 2]);

  const info0 = inspectModule(bytes);
  const info1 = rewrite(bytes).info;
  assertEquals(
    info1.exports.map((e) => [e.name, e.kind, e.type]),
    info0.exports.map((e) => [e.name, e.kind, e.type]),
  );
  // Defined functions moved up by one; their names moved with them.
  const names0 = Object.entries(info0.functionNames).map((
    [i, n],
  ) => [Number(i) >= 1 ? Number(i) + 1 : Number(i), n]);
  assertEquals(Object.entries(info1.functionNames).map(([i, n]) => [Number(i), n]), names0);
  assertEquals(info1.functionNames[info1.start!], "start");
  assertEquals(info1.functionNames[info1.exports.find((e) => e.name === "four")!.index], "four");
});

function safe(fn: () => unknown): unknown {
  try {
    return fn();
  } catch (e) {
    return `trap: ${(e as Error).message}`;
  }
}

Deno.test("inspect: imports, exports, memories, start, names and custom sections", async () => {
  const bytes = await wat2wasm(`(module
    (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
    (import "env" "mem" (memory 1 2))
    (import "env" "t" (table 1 funcref))
    (import "env" "g" (global i64))
    (tag $oops (param i32))
    (func $main (export "lint") (result i32) (i32.const 0))
    (func $init (export "_initialize"))
    (start $init)
    (export "oops" (tag $oops))
    (export "mem" (memory 0)))`);
  const info = inspectModule(bytes);
  assertEquals(info.imports.map((i) => `${i.module}.${i.name}:${i.kind}`), [
    "wasi_snapshot_preview1.fd_write:function",
    "env.mem:memory",
    "env.t:table",
    "env.g:global",
  ]);
  assertEquals(info.imports[0].type, { params: ["i32", "i32", "i32", "i32"], results: ["i32"] });
  assertEquals(info.exports.find((e) => e.name === "lint")!.type, { params: [], results: ["i32"] });
  assertEquals(info.exports.find((e) => e.name === "oops")!.kind, "tag");
  assertEquals(info.memories, [{
    index: 0,
    imported: true,
    exportedAs: ["mem"],
    limits: { initial: 1, maximum: 2, shared: false },
  }]);
  assertEquals(info.start, 2);
  assertEquals(info.functionNames[1], "main");
  assertEquals(info.customSections.map((c) => c.name), ["name"]);
  assertEquals([info.importedFunctions, info.definedFunctions], [1, 2]);
  assertEquals(missingExports(info, ["lint", "health", "oops"]), ["health", "oops"]);
  assertEquals(unknownImports(info, (m, n) => m === "wasi_snapshot_preview1" && n === "fd_write"), [
    "env.mem",
    "env.t",
    "env.g",
  ]);
});

function code(e: unknown): string {
  return (e as SamuelError).code;
}

Deno.test("refusals: not wasm, truncated, components, memory64, GC, unknown opcodes, reserved import", async () => {
  const expect = (bytes: Uint8Array, c: string, re: RegExp) => {
    const e = assertThrows(() => preprocess(bytes, { maxMemoryBytes: 1 << 24, meter: true })) as SamuelError;
    assertEquals(code(e), c, e.message);
    assertEquals(e.exit, 2);
    assertMatch(e.message, re);
    assert(e.fix && e.reason, "every refusal has a cause and a fix");
  };
  expect(new TextEncoder().encode("#!/bin/sh\necho hi\n"), "SAM-PREPROCESS-001", /magic/);
  const ok = await wat2wasm(`(module (memory 1) (func (export "f") (loop $l (br $l))))`);
  expect(ok.subarray(0, ok.length - 3), "SAM-PREPROCESS-001", /past the end|unexpected end/);
  expect(new Uint8Array([0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0]), "SAM-PREPROCESS-002", /component/);
  // memory64: memory section with flags 0x04.
  expect(
    new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 3, 1, 0x04, 1]),
    "SAM-PREPROCESS-002",
    /memory64/,
  );
  // GC: a struct type.
  expect(
    new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 5, 1, 0x5f, 1, 0x7f, 0]),
    "SAM-PREPROCESS-002",
    /GC/,
  );
  // An unknown opcode (0xFB prefix, GC) in a body: type ()->(), one function, body: 0xFB 0x00 end.
  // deno-fmt-ignore
  const gcBody = new Uint8Array([
    0, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    1, 4, 1, 0x60, 0, 0,
    3, 2, 1, 0,
    10, 6, 1, 4, 0, 0xfb, 0, 0x0b,
  ]);
  expect(gcBody, "SAM-PREPROCESS-002", /GC/);
  const unknown = gcBody.slice();
  unknown[unknown.length - 3] = 0xc5;
  expect(unknown, "SAM-PREPROCESS-002", /unknown opcode 0xc5/);
  const reserved = await wat2wasm(`(module (import "samuel:meter" "refill" (func (result i32))))`);
  expect(reserved, "SAM-PREPROCESS-002", /reserved module "samuel:meter"/);
  // Structurally fine but invalid (type error): V8's reason is passed on.
  // deno-fmt-ignore
  const broken = new Uint8Array([
    0, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    1, 5, 1, 0x60, 0, 1, 0x7f, // type () -> i32
    3, 2, 1, 0,
    10, 6, 1, 4, 0, 0x42, 1, 0x0b, // body: i64.const 1
  ]);
  expect(broken, "SAM-PREPROCESS-001", /not valid WebAssembly: .*type/i);
});

Deno.test("renumbering: ref.func in a table initialiser expression (0x40 0x00 table form)", async () => {
  // wabt cannot write this form, so the module is assembled by hand: f0 returns 42, f1 (exported "call")
  // does call_indirect on slot 1, which the table initialiser fills with ref.func f0.
  const section = (id: number, payload: number[]) => [id, payload.length, ...payload];
  // deno-fmt-ignore
  const bytes = new Uint8Array([
    0, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, [1, 0x60, 0, 1, 0x7f]),
    ...section(3, [2, 0, 0]),
    ...section(4, [1, 0x40, 0x00, 0x70, 0x00, 2, 0xd2, 0x00, 0x0b]),
    ...section(7, [1, 4, 0x63, 0x61, 0x6c, 0x6c, 0x00, 1]),
    ...section(10, [2, 4, 0, 0x41, 42, 0x0b, 7, 0, 0x41, 1, 0x11, 0, 0, 0x0b]),
  ]);
  assert(WebAssembly.validate(bytes), "hand-assembled module is valid");
  const orig = (await WebAssembly.instantiate(compile(bytes))).exports as Record<string, () => number>;
  const { exports } = await instantiateMetered(rewrite(bytes));
  assertEquals([exports.call(), orig.call()], [42, 42]);
});

Deno.test("refusals: an invalid module cannot reach the probes' local or the counter global", () => {
  // Each body names index 0 of a space that is empty in the original; after a naive rewrite that index
  // would be the probe's counter local or the counter global, and the guest could reset its own budget.
  const module = (body: number[]) => {
    const code = [0, ...body, 0x0b];
    // deno-fmt-ignore
    return new Uint8Array([
      0, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
      1, 4, 1, 0x60, 0, 0,
      3, 2, 1, 0,
      10, code.length + 2, 1, code.length, ...code,
    ]);
  };
  const loop = [0x03, 0x40, 0x0c, 0x00, 0x0b]; // loop br 0 end: gives the function a counter local
  for (
    const body of [
      [...loop, 0x41, 0x00, 0x21, 0x00], // i32.const 0; local.set 0
      [...loop, 0x41, 0x00, 0x24, 0x00], // i32.const 0; global.set 0
    ]
  ) {
    for (const validate of [true, false]) {
      const e = assertThrows(() =>
        preprocess(module(body), { maxMemoryBytes: 1 << 20, meter: true, validate })
      );
      assertEquals(code(e), "SAM-PREPROCESS-001");
      assertMatch((e as Error).message, /(local|global) index 0 out of range|invalid (local|global) index/i);
    }
  }
});
