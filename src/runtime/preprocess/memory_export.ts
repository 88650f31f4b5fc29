/**
 * Makes the module's memory reachable by the host: a module that declares (or imports) a memory without
 * exporting it as `memory` gets one more export, `samuel:memory` (MEMORY_EXPORT, defined next to the
 * host's choice of memory in src/runtime/wasi/memory_binding.ts). Without it the WASI host could not
 * read an iovec or fill a random_get buffer, and every such call would fail with EFAULT.
 *
 * The name is reserved: a module exporting something else under it is refused (SAM-PREPROCESS-002), so
 * the host never mistakes a guest export for the memory. A module without a memory is left as it is.
 * Runs after the memory cap (which refuses multi-memory modules), so the memory is always index 0.
 */

import { unsupported } from "./errors.ts";
import type { ParsedModule } from "./inspect.ts";
import { Reader } from "./reader.ts";
import { findSection, putSection, SectionId } from "./sections.ts";
import { Writer } from "./writer.ts";
import { MEMORY_EXPORT } from "../wasi/memory_binding.ts";

const KIND_MEMORY = 2;

/** Adds the reserved memory export to `m` in place when the host would otherwise not see the memory. */
export function exportMemory(m: ParsedModule): void {
  const reserved = m.exports.find((e) => e.name === MEMORY_EXPORT);
  if (reserved !== undefined) {
    if (reserved.kind === "memory") return;
    throw unsupported(`an export under the reserved name "${MEMORY_EXPORT}" (a ${reserved.kind})`, 0);
  }
  if (m.importedMemories + m.memories.length === 0) return;
  if (m.exports.some((e) => e.kind === "memory" && e.name === "memory")) return;

  const at = findSection(m.sections, SectionId.export);
  const old = at >= 0 ? m.sections[at].payload : new Uint8Array([0]);
  const r = new Reader(old);
  const count = r.u32();
  const w = new Writer(old.length + MEMORY_EXPORT.length + 8);
  w.u32(count + 1);
  w.bytes(old, r.pos);
  w.name(MEMORY_EXPORT);
  w.u8(KIND_MEMORY);
  w.u32(0);
  putSection(m.sections, SectionId.export, w.finish());
  m.exports.push({ name: MEMORY_EXPORT, kind: "memory", index: 0 });
}
