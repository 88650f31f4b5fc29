/**
 * The reserved memory export: a memory the module declares (or imports) without exporting it as
 * `memory` is exported as `samuel:memory`, so the host can reach it; modules that already export
 * `memory`, and modules without a memory, keep their exports; the reserved name used for anything else
 * is refused. `instanceMemory` (the host's one choice of memory) prefers the reserved export.
 */

import { assert, assertEquals, assertThrows } from "../support/assert.ts";
import { wat2wasm } from "../support/wat.ts";
import { isSamuelError, type SamuelError } from "../../src/errors.ts";
import { instanceMemory, MEMORY_EXPORT } from "../../src/runtime/wasi/memory_binding.ts";
import { compile, MiB, rewrite } from "./support.ts";

const exportNames = (bytes: Uint8Array) => WebAssembly.Module.exports(compile(bytes)).map((e) => e.name);

for (const meter of [true, false]) {
  Deno.test(`a declared, unexported memory is exported as samuel:memory (meter: ${meter})`, async () => {
    const r = rewrite(
      await wat2wasm(`(module
        (memory 1)
        (data (i32.const 8) "inside")
        (func (export "main") (result i32) (i32.load8_u (i32.const 8))))`),
      16 * MiB,
      meter,
    );
    assertEquals(exportNames(r.bytes), ["main", MEMORY_EXPORT]);
    assertEquals(r.info.memories[0].exportedAs, [MEMORY_EXPORT]);
    const { instance } = await WebAssembly.instantiate(r.bytes, {
      "samuel:meter": { refill: () => 10_000 },
    });
    const memory = instanceMemory(instance.exports);
    assert(memory !== undefined);
    assertEquals(new TextDecoder().decode(new Uint8Array(memory.buffer, 8, 6)), "inside");
    // The cap applies to the memory the host now sees.
    assertEquals(r.info.memories[0].limits.maximum, 256);
  });
}

Deno.test("a memory exported under another name, and an imported one, get the reserved export too", async () => {
  const renamed = rewrite(await wat2wasm(`(module (memory (export "mem") 1))`), 16 * MiB, false);
  assertEquals(exportNames(renamed.bytes), ["mem", MEMORY_EXPORT]);
  const imported = rewrite(await wat2wasm(`(module (import "env" "memory" (memory 1)))`), 16 * MiB, false);
  assertEquals(exportNames(imported.bytes), [MEMORY_EXPORT]);
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 256 });
  const { instance } = await WebAssembly.instantiate(imported.bytes, { env: { memory } });
  assert(instanceMemory(instance.exports) === memory, "the reserved export is the imported memory itself");
});

Deno.test("modules exporting `memory`, and modules with no memory, keep their exports", async () => {
  const exported = await wat2wasm(`(module (memory (export "memory") 1) (func (export "f")))`);
  assertEquals(exportNames(rewrite(exported, 16 * MiB, false).bytes), ["memory", "f"]);
  const none = await wat2wasm(`(module (func (export "_start")))`);
  const r = rewrite(none, 16 * MiB, false);
  assertEquals(exportNames(r.bytes), ["_start"]);
  assertEquals(r.info.memories, []);
  const bare = rewrite(await wat2wasm(`(module)`), 16 * MiB, false);
  assertEquals(exportNames(bare.bytes), []);
});

Deno.test("a module that exports its memory as samuel:memory itself is accepted unchanged", async () => {
  const r = rewrite(await wat2wasm(`(module (memory (export "samuel:memory") 1))`), 16 * MiB, false);
  assertEquals(exportNames(r.bytes), [MEMORY_EXPORT]);
});

Deno.test("the reserved name used for anything but the memory is refused with SAM-PREPROCESS-002", async () => {
  for (
    const wat of [
      `(module (memory 1) (func (export "samuel:memory")))`,
      `(module (func (export "samuel:memory")))`,
      `(module (global (export "samuel:memory") i32 (i32.const 0)))`,
    ]
  ) {
    const bytes = await wat2wasm(wat);
    const e = assertThrows(() => rewrite(bytes, 16 * MiB, false)) as SamuelError;
    assert(isSamuelError(e), String(e));
    assertEquals(e.code, "SAM-PREPROCESS-002", wat);
    assert(e.message.includes(`reserved name "${MEMORY_EXPORT}"`), e.message);
  }
});

Deno.test("instanceMemory: the reserved export, else `memory`, else the imported one, else none", async () => {
  const a = new WebAssembly.Memory({ initial: 1 });
  const b = new WebAssembly.Memory({ initial: 1 });
  const c = new WebAssembly.Memory({ initial: 1 });
  assert(instanceMemory({ [MEMORY_EXPORT]: a, memory: b }, c) === a);
  assert(instanceMemory({ memory: b }, c) === b);
  assert(instanceMemory({ memory: () => 0 } as unknown as WebAssembly.Exports, c) === c);
  assertEquals(instanceMemory({}), undefined);
  const instance = new WebAssembly.Instance(compile(await wat2wasm(`(module (func (export "f")))`)));
  assertEquals(instanceMemory(instance.exports), undefined);
});
