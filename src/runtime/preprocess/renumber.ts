/**
 * Shifts function indices by one from a given index up, in every section except code (meter_probes.ts
 * does code): `ref.func` in global and table initialisers, element segments of every form (index lists
 * and expressions), exports, the start function, and the name section's function, local and label maps.
 * Needed because the meter's import is inserted into the function index space in front of the defined
 * functions.
 */

import { skipInstruction, skipValType } from "./instructions.ts";
import { unsupported } from "./errors.ts";
import { Reader } from "./reader.ts";
import { findSection, putSection, type Section, SectionId } from "./sections.ts";
import { Writer } from "./writer.ts";

/** Renumbers function index `f` to `f + 1` for every `f >= from`, in place in `sections`. */
export function shiftFunctionIndices(sections: Section[], start: number | undefined, from: number): void {
  const shift = (f: number) => f >= from ? f + 1 : f;
  const payloadOf = (id: number) => {
    const at = findSection(sections, id);
    return at >= 0 ? sections[at].payload : undefined;
  };

  const globals = payloadOf(SectionId.global);
  if (globals) {
    const r = new Reader(globals);
    const w = new Writer(globals.length + 16);
    const n = r.u32();
    w.u32(n);
    for (let i = 0; i < n; i++) {
      const at = r.pos;
      skipValType(r);
      r.u8();
      w.bytes(globals, at, r.pos);
      copyConstExpr(r, w, shift);
    }
    putSection(sections, SectionId.global, w.finish());
  }

  const tables = payloadOf(SectionId.table);
  if (tables) putSection(sections, SectionId.table, rewriteTables(tables, shift));

  const exports = payloadOf(SectionId.export);
  if (exports) {
    const r = new Reader(exports);
    const w = new Writer(exports.length + 16);
    const n = r.u32();
    w.u32(n);
    for (let i = 0; i < n; i++) {
      const at = r.pos;
      r.name();
      const kind = r.u8();
      w.bytes(exports, at, r.pos);
      const idx = r.u32();
      w.u32(kind === 0 ? shift(idx) : idx);
    }
    putSection(sections, SectionId.export, w.finish());
  }

  if (start !== undefined) {
    const w = new Writer(8);
    w.u32(shift(start));
    putSection(sections, SectionId.start, w.finish());
  }

  const elems = payloadOf(SectionId.element);
  if (elems) putSection(sections, SectionId.element, rewriteElements(elems, shift));

  const nameAt = findSection(sections, SectionId.custom, "name");
  if (nameAt >= 0) {
    sections[nameAt] = { ...sections[nameAt], payload: rewriteNames(sections[nameAt].payload, shift) };
  }
}

/** Copies one constant expression, renumbering `ref.func`. */
function copyConstExpr(r: Reader, w: Writer, shift: (f: number) => number): void {
  for (;;) {
    const at = r.pos;
    if (r.buf[at] === 0xd2) {
      r.pos++;
      w.u8(0xd2);
      w.u32(shift(r.u32()));
      continue;
    }
    const op = skipInstruction(r);
    w.bytes(r.buf, at, r.pos);
    if (op === 0x0b) return;
  }
}

function rewriteTables(src: Uint8Array, shift: (f: number) => number): Uint8Array {
  const r = new Reader(src);
  const w = new Writer(src.length + 16);
  const n = r.u32();
  w.u32(n);
  for (let i = 0; i < n; i++) {
    const at = r.pos;
    const withInit = src[at] === 0x40;
    if (withInit) r.pos += 2;
    skipValType(r);
    const flags = r.u8();
    if (flags & 0x04) throw unsupported("table64", r.pos - 1);
    r.u32();
    if (flags & 1) r.u32();
    w.bytes(src, at, r.pos);
    if (withInit) copyConstExpr(r, w, shift);
  }
  return w.finish();
}

function rewriteElements(src: Uint8Array, shift: (f: number) => number): Uint8Array {
  const r = new Reader(src);
  const w = new Writer(src.length + 64);
  const n = r.u32();
  w.u32(n);
  for (let i = 0; i < n; i++) {
    const flags = r.u32();
    w.u32(flags);
    if (flags > 7) throw unsupported(`element segment form ${flags}`, r.pos);
    if (flags === 2 || flags === 6) w.u32(r.u32()); // table index
    if ((flags & 1) === 0) copyConstExpr(r, w, shift); // active: offset
    if (flags & 3) {
      // elemkind (indices) or reftype (expressions)
      const at = r.pos;
      if (flags & 4) skipValType(r);
      else r.u8();
      w.bytes(src, at, r.pos);
    }
    const count = r.u32();
    w.u32(count);
    if (flags & 4) {
      for (let j = 0; j < count; j++) copyConstExpr(r, w, shift);
    } else {
      for (let j = 0; j < count; j++) w.u32(shift(r.u32()));
    }
  }
  return w.finish();
}

/** Renumbers function indices in the name section's function, local and label name maps. */
function rewriteNames(src: Uint8Array, shift: (f: number) => number): Uint8Array {
  const r = new Reader(src);
  const w = new Writer(src.length + 64);
  try {
    while (!r.atEnd()) {
      const id = r.u8();
      const size = r.u32();
      const end = r.pos + size;
      if (end > src.length) break;
      if (id < 1 || id > 3) {
        w.u8(id);
        w.u32(size);
        w.bytes(src, r.pos, end);
      } else {
        const sub = new Writer(size + 16);
        const n = r.u32();
        sub.u32(n);
        for (let i = 0; i < n; i++) {
          sub.u32(shift(r.u32()));
          if (id === 1) {
            const at = r.pos;
            r.skip(r.u32());
            sub.bytes(src, at, r.pos);
          } else {
            const at = r.pos;
            const inner = r.u32();
            for (let j = 0; j < inner; j++) {
              r.u32();
              r.skip(r.u32());
            }
            sub.bytes(src, at, r.pos);
          }
        }
        w.u8(id);
        w.u32(sub.len);
        w.bytes(sub.buf, 0, sub.len);
      }
      r.pos = end;
    }
  } catch {
    // A malformed name section is ignored by engines; drop what we could not parse rather than fail.
  }
  return w.finish();
}
