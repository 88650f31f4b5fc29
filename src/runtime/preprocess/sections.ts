/**
 * Splits a module into its sections and puts it back together. Payloads stay views of the input until a
 * rewriting step replaces them, so untouched sections (data, most custom sections) are copied once, at
 * the end. Knows the standard section order so a step can add a section the module did not have.
 */

import { malformed, unsupported } from "./errors.ts";
import { Reader } from "./reader.ts";
import { Writer } from "./writer.ts";

export const SectionId = {
  custom: 0,
  type: 1,
  import: 2,
  function: 3,
  table: 4,
  memory: 5,
  global: 6,
  export: 7,
  start: 8,
  element: 9,
  code: 10,
  data: 11,
  dataCount: 12,
  tag: 13,
} as const;

/** Position of each known section id in the required order (tag sits between memory and global). */
const ORDER: Record<number, number> = {
  1: 1,
  2: 2,
  3: 3,
  4: 4,
  5: 5,
  13: 6,
  6: 7,
  7: 8,
  8: 9,
  9: 10,
  12: 11,
  10: 12,
  11: 13,
};

export interface Section {
  id: number;
  /** Custom sections only. */
  name?: string;
  /** For custom sections: the bytes after the name. */
  payload: Uint8Array;
  /** Offset of the payload in the original module (for error messages); -1 for new sections. */
  offset: number;
}

const MAGIC = [0x00, 0x61, 0x73, 0x6d];

/** Splits `bytes` into sections; refuses non-modules and component-model binaries. */
export function splitSections(bytes: Uint8Array): Section[] {
  if (bytes.length < 8 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw malformed("missing the \\0asm magic number", 0);
  }
  const version = bytes[4] | (bytes[5] << 8);
  const layer = bytes[6] | (bytes[7] << 8);
  if (layer === 1) throw unsupported("component-model binary (a component, not a core module)", 4);
  if (version !== 1 || layer !== 0) throw malformed(`unknown binary version ${version}`, 4);
  const r = new Reader(bytes, 8);
  const out: Section[] = [];
  let lastRank = 0;
  while (!r.atEnd()) {
    const at = r.pos;
    const id = r.u8();
    const size = r.u32();
    const start = r.pos;
    if (start + size > bytes.length) throw malformed(`section ${id} runs past the end of the module`, at);
    if (id === SectionId.custom) {
      const nr = new Reader(bytes, start, start + size);
      const name = nr.name();
      out.push({ id, name, payload: bytes.subarray(nr.pos, start + size), offset: nr.pos });
    } else {
      const rank = ORDER[id];
      if (rank === undefined) throw unsupported(`unknown section id ${id}`, at);
      if (rank <= lastRank) throw malformed(`section ${id} is out of order or repeated`, at);
      lastRank = rank;
      out.push({ id, payload: bytes.subarray(start, start + size), offset: start });
    }
    r.pos = start + size;
  }
  return out;
}

/** Index of the first section with `id` (and `name` for custom sections), or -1. */
export function findSection(sections: Section[], id: number, name?: string): number {
  for (let i = 0; i < sections.length; i++) {
    if (sections[i].id === id && (name === undefined || sections[i].name === name)) return i;
  }
  return -1;
}

/** Replaces the payload of section `id`, inserting the section at its ordered place if it is missing. */
export function putSection(sections: Section[], id: number, payload: Uint8Array): void {
  const at = findSection(sections, id);
  if (at >= 0) {
    sections[at] = { ...sections[at], payload };
    return;
  }
  const rank = ORDER[id];
  let i = 0;
  for (; i < sections.length; i++) {
    const s = sections[i];
    if (s.id !== SectionId.custom && ORDER[s.id] > rank) break;
  }
  // Keep custom sections that precede the first later section (e.g. a leading "dylink.0") in front.
  sections.splice(i, 0, { id, payload, offset: -1 });
}

/** The payload of the first section with `id`, or undefined when the module has none. */
export function payloadOf(sections: Section[], id: number): Uint8Array | undefined {
  const at = findSection(sections, id);
  return at >= 0 ? sections[at].payload : undefined;
}

/**
 * A writer holding the vector section `src` (or an empty one) with its count raised by `extra`, ready for
 * the new entries; `room` is the space reserved for them.
 */
export function appendToVector(src: Uint8Array | undefined, extra: number, room: number): Writer {
  const w = new Writer((src?.length ?? 0) + room);
  if (src) {
    const r = new Reader(src);
    w.u32(r.u32() + extra);
    w.bytes(src, r.pos);
  } else {
    w.u32(extra);
  }
  return w;
}

/** Encodes the sections back into a module. */
export function assemble(sections: Section[]): Uint8Array<ArrayBuffer> {
  let total = 8;
  const names: (Uint8Array | undefined)[] = [];
  for (const s of sections) {
    let size = s.payload.length;
    if (s.id === SectionId.custom) {
      const n = new TextEncoder().encode(s.name ?? "");
      names.push(n);
      size += lebSize(n.length) + n.length;
    } else {
      names.push(undefined);
    }
    total += 1 + lebSize(size) + size;
  }
  const w = new Writer(total);
  w.bytes(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
  sections.forEach((s, i) => {
    w.u8(s.id);
    const n = names[i];
    if (n) {
      w.u32(lebSize(n.length) + n.length + s.payload.length);
      w.u32(n.length);
      w.bytes(n);
    } else {
      w.u32(s.payload.length);
    }
    w.bytes(s.payload);
  });
  return w.buf.length === w.len ? w.buf : w.finish();
}

export function lebSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}
