/**
 * The memory cap: maxima rewritten (defined, imported, shared), grow past the cap fails inside the guest
 * and from JS without harming the host, a module starting above the cap is refused with a clear error,
 * and a real wasi-libc `malloc` loop sees NULL.
 */

import { assert, assertEquals, assertMatch, assertThrows } from "../support/assert.ts";
import { wat2wasm } from "../support/wat.ts";
import { isSamuelError, type SamuelError } from "../../src/errors.ts";
import { inspectModule, preprocess } from "../../src/runtime/preprocess/mod.ts";
import { assemble, SectionId, splitSections } from "../../src/runtime/preprocess/sections.ts";
import { compile, fixture, instantiateMetered, MiB, rewrite, wasiStub } from "./support.ts";
import { needs } from "../support/needs.ts";

const GROWER = await wat2wasm(`(module
  (memory (export "memory") 1)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size)))`);

Deno.test("memory cap: an unbounded memory gets the cap as its maximum", () => {
  const { info } = rewrite(GROWER, 16 * MiB);
  assertEquals(info.memories[0].limits, { initial: 1, maximum: 256, shared: false });
  assertEquals(info.memories[0].exportedAs, ["memory"]);
});

for (const meter of [true, false]) {
  Deno.test(`memory cap: memory.grow past the cap returns -1 in the guest (meter: ${meter})`, async () => {
    const result = rewrite(GROWER, 16 * MiB, meter);
    const { exports } = await instantiateMetered(result);
    assertEquals(exports.grow(254), 1);
    assertEquals(exports.size(), 255);
    assertEquals(exports.grow(2), -1);
    assertEquals(exports.grow(1), 255);
    assertEquals(exports.grow(1), -1);
    assertEquals(exports.grow(0x10000), -1);
    assertEquals(exports.size(), 256);
    // A JS-side grow past the cap throws a catchable RangeError; the host carries on.
    const memory = exports.memory as WebAssembly.Memory;
    assertThrows(() => memory.grow(1), (e) => assert(e instanceof RangeError));
    assertEquals(memory.buffer.byteLength, 16 * MiB);
  });
}

Deno.test("memory cap: a smaller declared maximum is kept", async () => {
  const bytes = await wat2wasm(`(module (memory 1 4))`);
  assertEquals(rewrite(bytes, 16 * MiB).info.memories[0].limits.maximum, 4);
  const big = await wat2wasm(`(module (memory 1 1000))`);
  assertEquals(rewrite(big, 16 * MiB).info.memories[0].limits.maximum, 256);
});

Deno.test("memory cap: initial memory above the cap is refused with a clear error (exit 2)", async () => {
  const bytes = await wat2wasm(`(module (memory 300))`);
  const e = assertThrows(() => preprocess(bytes, { maxMemoryBytes: 16 * MiB, meter: true })) as SamuelError;
  assert(isSamuelError(e));
  assertEquals(e.code, "SAM-PREPROCESS-003");
  assertEquals(e.exit, 2);
  assertMatch(e.message, /memory starts at 18\.75 MiB \(300 pages\), above the memory cap of 16 MiB/);
  assertMatch(e.fix ?? "", /max_memory/);
});

Deno.test("memory cap: an imported memory is capped too, and refused when it starts above the cap", async () => {
  const bytes = await wat2wasm(`(module
    (import "env" "memory" (memory 2))
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))`);
  const result = rewrite(bytes, 4 * MiB);
  const imp = result.info.imports.find((i) => i.kind === "memory")!;
  assertEquals(imp.memory, { initial: 2, maximum: 64, shared: false });
  assertEquals(result.info.memories[0].imported, true);
  // The host must now supply a memory whose maximum is within the cap; a bigger one does not link.
  const memory = new WebAssembly.Memory({ initial: 2, maximum: 64 });
  const { exports } = await instantiateMetered(result, { imports: { env: { memory } } });
  assertEquals(exports.grow(62), 2);
  assertEquals(exports.grow(1), -1);
  const tooBig = new WebAssembly.Memory({ initial: 2, maximum: 1000 });
  await instantiateMetered(result, { imports: { env: { memory: tooBig } } }).then(
    () => assert(false, "a memory with a larger maximum must not link"),
    (e) => assert(e instanceof WebAssembly.LinkError),
  );
  const e = assertThrows(() => rewrite(bytes, 64 * 1024)) as SamuelError;
  assertEquals(e.code, "SAM-PREPROCESS-003");
  assertMatch(e.message, /imported memory "env\.memory"/);
});

/** Marks every memory (defined or imported) shared: the wabt build here refuses shared memories. */
function makeShared(bytes: Uint8Array): Uint8Array {
  const sections = splitSections(bytes);
  for (const s of sections) {
    if (s.id === SectionId.memory) s.payload = new Uint8Array([1, 0x03, ...s.payload.subarray(2)]);
    if (s.id === SectionId.import) {
      const p = s.payload.slice();
      p[p.length - 3] = 0x03; // limits of the only import: flags, 1, 100
      s.payload = p;
    }
  }
  return assemble(sections);
}

Deno.test("memory cap: shared memories (threads) are capped", async () => {
  const bytes = makeShared(
    await wat2wasm(`(module
    (memory (export "m") 1 100)
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))`),
  );
  const result = rewrite(bytes, 2 * MiB);
  assertEquals(result.info.memories[0].limits, { initial: 1, maximum: 32, shared: true });
  const { exports } = await instantiateMetered(result);
  assertEquals(exports.grow(31), 1);
  assertEquals(exports.grow(1), -1);
  const imported = makeShared(await wat2wasm(`(module (import "env" "m" (memory 1 100)))`));
  assertEquals(inspectModule(rewrite(imported, 2 * MiB).bytes).imports[0].memory, {
    initial: 1,
    maximum: 32,
    shared: true,
  });
});

const MALLOC = fixture("malloc_loop.wasm");

Deno.test({
  ...needs(
    "memory cap: wasi-libc malloc returns NULL at the cap and the host is unaffected",
    !MALLOC && "malloc_loop.wasm not built: clang with wasi-libc missing",
  ),
}, async () => {
  const bytes = MALLOC!;
  for (const mib of [16, 32]) {
    const result = rewrite(bytes, mib * MiB);
    const { exports } = await instantiateMetered(result, { imports: wasiStub(compile(result.bytes)) });
    const got = exports.alloc_until_null();
    // A few MiB go to the stack, static data and allocator overhead.
    assert(got > mib - 4 && got < mib, `malloc gave ${got} MiB under a ${mib} MiB cap`);
    assertEquals((exports.memory as WebAssembly.Memory).buffer.byteLength <= mib * MiB, true);
  }
});

Deno.test("memory cap: a module with two memories is refused (the cap is one budget)", () => {
  // Hand-assembled (multi-memory): a memory section with two memories of one page each.
  const twoMemories = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 5, 2, 0x00, 1, 0x00, 1]);
  const e = assertThrows(() => rewrite(twoMemories)) as SamuelError;
  assertEquals(e.code, "SAM-PREPROCESS-002");
  assertMatch(e.message, /multiple memories/);
});
