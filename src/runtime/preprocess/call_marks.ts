/**
 * The profiling copy of a module (the compile profile: compile_hints.ts): on entry to function f
 * it stores 1 at byte f of an extra memory it exports as `samuel:calls`, so one run tells which functions
 * that run called. Nothing else changes: the stores go to a memory of their own (multi-memory), take no
 * locals and leave the stack as they found it, so the guest computes, traps and spends fuel exactly as the
 * module it was made from (the meter's probes are already in place and do not count the stores).
 *
 * Loaded by URL (code_url.ts) on the one run per cache entry and export that records a profile; a run
 * that has its profile never loads the rewriter.
 *
 * @example
 * ```ts
 * const marked = new WebAssembly.Module(markCalls(bytes));
 * // ... instantiate and run it, then:
 * // calledFunctions(instance.exports) -> [3, 4, 17, ...]   (runtime/call_marks_read.ts)
 * ```
 */

import { parseModule } from "./inspect.ts";
import { skipValType } from "./instructions.ts";
import { Reader } from "./reader.ts";
import { appendToVector, assemble, payloadOf, putSection, SectionId } from "./sections.ts";
import { Writer } from "./writer.ts";
import { CALLS_EXPORT } from "./compile_hints.ts";

/**
 * A copy of `bytes` that marks each function's entry in the exported memory `samuel:calls` (one byte per
 * function index, imports included, so the marks index the same space as the hints). Undefined when
 * there is nothing to mark (no code section) or the module exports `samuel:calls` itself: then the run
 * records no profile.
 */
export function markCalls(bytes: Uint8Array): Uint8Array<ArrayBuffer> | undefined {
  const m = parseModule(bytes);
  const { sections, importedFunctions } = m;
  const code = payloadOf(sections, SectionId.code);
  if (!code || m.exports.some((e) => e.name === CALLS_EXPORT)) return undefined;
  const r = new Reader(code);
  const count = r.u32();
  const memoryIndex = m.importedMemories + m.memories.length;

  const memories = appendToVector(payloadOf(sections, SectionId.memory), 1, 8);
  memories.u8(0); // limits: minimum only
  memories.u32(Math.max(1, Math.ceil((importedFunctions + count) / 65536)));
  putSection(sections, SectionId.memory, memories.finish().slice());

  const name = new TextEncoder().encode(CALLS_EXPORT);
  const exports = appendToVector(payloadOf(sections, SectionId.export), 1, name.length + 8);
  exports.u32(name.length);
  exports.bytes(name);
  exports.u8(2); // export kind: memory
  exports.u32(memoryIndex);
  putSection(sections, SectionId.export, exports.finish().slice());

  const out = new Writer(code.length + count * 12);
  out.u32(count);
  const fn = new Writer(256);
  for (let i = 0; i < count; i++) {
    const size = r.u32();
    const start = r.pos;
    r.pos = start + size;
    const body = code.subarray(start, start + size);
    const locals = new Reader(body);
    for (let groups = locals.u32(); groups > 0; groups--) {
      locals.u32();
      skipValType(locals);
    }
    fn.len = 0;
    fn.bytes(body, 0, locals.pos);
    // i32.const 0; i32.const 1; i32.store8 with a multi-memory memarg (align 0 | 0x40, memory, offset f)
    for (const b of MARK_PREFIX) fn.u8(b);
    fn.u32(memoryIndex);
    fn.u32(importedFunctions + i);
    fn.bytes(body, locals.pos);
    out.u32(fn.len);
    out.bytes(fn.buf, 0, fn.len);
  }
  putSection(sections, SectionId.code, out.finish().slice());
  return assemble(sections);
}

const MARK_PREFIX = [0x41, 0x00, 0x41, 0x01, 0x3a, 0x40];
