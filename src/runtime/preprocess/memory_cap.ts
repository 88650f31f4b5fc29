/**
 * The memory cap: every memory the module defines or imports gets a maximum of at most `capPages`
 * (64 KiB pages), so `memory.grow` past the cap returns -1 inside the guest and a JS-side `grow` throws.
 * A module whose initial size is above the cap is refused. Shared memories (threads) are capped the same
 * way (they always carry a maximum). A declared maximum already below the cap is kept. Modules with more
 * than one memory (multi-memory) are refused: the cap is a budget for the module, not per memory.
 */

import { memoryTooLarge, unsupported } from "./errors.ts";
import { type Limits, type ParsedModule, readLimits, valTypeName } from "./inspect.ts";
import { Reader } from "./reader.ts";
import { putSection, SectionId } from "./sections.ts";
import { Writer } from "./writer.ts";

export const PAGE = 65536;

/** Largest page count a 32-bit memory can have. */
export const MAX_PAGES = 65536;

/** Pages allowed by a byte cap (rounded down, at least 0, at most 4 GiB). */
export function capPagesFor(maxMemoryBytes: number): number {
  return Math.max(0, Math.min(MAX_PAGES, Math.floor(maxMemoryBytes / PAGE)));
}

function capped(limits: Limits, capPages: number, where: string): Limits {
  if (limits.initial > capPages) throw memoryTooLarge(limits.initial, capPages, where);
  const maximum = limits.maximum === undefined ? capPages : Math.min(limits.maximum, capPages);
  return { ...limits, maximum };
}

function writeLimits(w: Writer, l: Limits): void {
  w.u8((l.maximum !== undefined ? 0x01 : 0) | (l.shared ? 0x02 : 0));
  w.u32(l.initial);
  if (l.maximum !== undefined) w.u32(l.maximum);
}

/**
 * Rewrites the memory and import sections of `m` in place (section payloads and the parsed limits).
 * Throws SAM-PREPROCESS-003 when a memory starts above the cap.
 */
export function applyMemoryCap(m: ParsedModule, capPages: number): void {
  if (m.importedMemories + m.memories.length > 1) {
    // Each memory would get the whole cap, so together they could exceed it.
    throw unsupported("multiple memories (the memory cap applies to a single memory)", 0);
  }
  if (m.importedMemories > 0) {
    const at = m.sections.findIndex((s) => s.id === SectionId.import);
    const src = m.sections[at].payload;
    const r = new Reader(src);
    const w = new Writer(src.length + 16);
    const n = r.u32();
    w.u32(n);
    let copyFrom = r.pos;
    for (let i = 0; i < n; i++) {
      r.name();
      r.name();
      const kind = r.u8();
      if (kind === 0) r.u32();
      else if (kind === 1) {
        valTypeName(r);
        readLimits(r, "table");
      } else if (kind === 2) {
        w.bytes(src, copyFrom, r.pos);
        const imp = m.imports[i];
        const limits = capped(
          readLimits(r, "memory"),
          capPages,
          `imported memory "${imp.module}.${imp.name}"`,
        );
        imp.memory = limits;
        writeLimits(w, limits);
        copyFrom = r.pos;
      } else if (kind === 3) {
        valTypeName(r);
        r.u8();
      } else {
        r.u8();
        r.u32();
      }
    }
    w.bytes(src, copyFrom, src.length);
    putSection(m.sections, SectionId.import, w.finish());
  }
  if (m.memories.length > 0) {
    const w = new Writer(16);
    w.u32(m.memories.length);
    m.memories = m.memories.map((l, i) => {
      const c = capped(l, capPages, m.memories.length > 1 ? `memory ${i}` : "memory");
      writeLimits(w, c);
      return c;
    });
    putSection(m.sections, SectionId.memory, w.finish());
  }
}
