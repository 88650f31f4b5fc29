/**
 * The instruction walker: reads one instruction (opcode and immediates) at a time from a function body or
 * constant expression. Covers the MVP, sign extension, saturating truncation and bulk memory/table ops
 * (0xFC), SIMD including relaxed SIMD (0xFD), threads/atomics (0xFE), tail calls, both exception-handling
 * encodings (legacy try/catch/delegate/rethrow and try_table/throw_ref), reference types, typed function
 * references in calls (call_ref, return_call_ref) and multi-value block types. Anything else (GC,
 * br_on_null and friends, unknown opcodes) is refused with SAM-PREPROCESS-002, never skipped blindly:
 * a mis-decoded body would put probes in the wrong place.
 *
 * Opcodes with a prefix are returned as `prefix << 12 | sub`, so every instruction has one number.
 */

import { malformed, unsupported } from "./errors.ts";
import type { Reader } from "./reader.ts";

/** Immediate layouts of one-byte opcodes (plain constants: they are compared in the hot loop). */
const IMM_NONE = 0;
const IMM_BLOCKTYPE = 1;
const IMM_U32 = 2;
const IMM_U32X2 = 3;
const IMM_BRTABLE = 4;
const IMM_MEMARG = 5;
const IMM_LEB = 6;
const IMM_BYTES4 = 7;
const IMM_BYTES8 = 8;
const IMM_SELECTT = 9;
const IMM_HEAPTYPE = 10;
const IMM_TRYTABLE = 11;
const IMM_PREFIXFC = 12;
const IMM_PREFIXFD = 13;
const IMM_PREFIXFE = 14;
const IMM_REFUSED = 15;
const IMM_INVALID = 16;

const IMM = new Uint8Array(256).fill(IMM_INVALID);
function set(from: number, to: number, kind: number): void {
  for (let op = from; op <= to; op++) IMM[op] = kind;
}
set(0x00, 0x01, IMM_NONE);
set(0x02, 0x04, IMM_BLOCKTYPE);
set(0x05, 0x05, IMM_NONE);
set(0x06, 0x06, IMM_BLOCKTYPE);
set(0x07, 0x09, IMM_U32);
set(0x0a, 0x0b, IMM_NONE);
set(0x0c, 0x0d, IMM_U32);
set(0x0e, 0x0e, IMM_BRTABLE);
set(0x0f, 0x0f, IMM_NONE);
set(0x10, 0x10, IMM_U32);
set(0x11, 0x11, IMM_U32X2);
set(0x12, 0x12, IMM_U32);
set(0x13, 0x13, IMM_U32X2);
set(0x14, 0x15, IMM_U32);
set(0x18, 0x18, IMM_U32);
set(0x19, 0x1b, IMM_NONE);
set(0x1c, 0x1c, IMM_SELECTT);
set(0x1f, 0x1f, IMM_TRYTABLE);
set(0x20, 0x26, IMM_U32);
set(0x28, 0x3e, IMM_MEMARG);
set(0x3f, 0x40, IMM_U32);
set(0x41, 0x42, IMM_LEB);
set(0x43, 0x43, IMM_BYTES4);
set(0x44, 0x44, IMM_BYTES8);
set(0x45, 0xc4, IMM_NONE);
set(0xd0, 0xd0, IMM_HEAPTYPE);
set(0xd1, 0xd1, IMM_NONE);
set(0xd2, 0xd2, IMM_U32);
set(0xd3, 0xd6, IMM_REFUSED);
set(0xfb, 0xfb, IMM_REFUSED);
IMM[0xfc] = IMM_PREFIXFC;
IMM[0xfd] = IMM_PREFIXFD;
IMM[0xfe] = IMM_PREFIXFE;

const REFUSED: Record<number, string> = {
  0xd3: "GC (ref.eq)",
  0xd4: "typed function references (ref.as_non_null)",
  0xd5: "typed function references (br_on_null)",
  0xd6: "typed function references (br_on_non_null)",
  0xfb: "GC (0xFB instructions)",
};

/** Block type: -1 for empty, -2 for a single value type, otherwise a type index. */
export function readBlockType(r: Reader): number {
  const b = r.buf[r.pos];
  if (b === 0x40) {
    r.pos++;
    return -1;
  }
  if (b === 0x63 || b === 0x64) {
    r.pos++;
    r.skipLeb();
    return -2;
  }
  if (b >= 0x40 && b < 0x80) {
    r.pos++;
    return -2;
  }
  const at = r.pos;
  const idx = r.s32();
  if (idx < 0) throw malformed("bad block type", at);
  return idx;
}

/** Skips a value type, including `(ref null? ht)`. */
export function skipValType(r: Reader): void {
  const b = r.u8();
  if (b === 0x63 || b === 0x64) r.skipLeb();
}

/** Skips a memory access immediate (align, optional memory index for multi-memory, offset). */
export function skipMemArg(r: Reader): void {
  const align = r.u32();
  if (align & 0x40) r.u32();
  r.skipLeb();
}

/** Reads one instruction, skipping its immediates; returns its opcode (prefixed: `prefix << 12 | sub`). */
export function skipInstruction(r: Reader): number {
  // Fast path for the instructions that make up most of any body (no immediates, one LEB128, memarg),
  // on a local cursor. Over-long LEB128s are not diagnosed here: they make the module invalid, which
  // the final validation reports.
  const buf = r.buf;
  let pos = r.pos;
  const op = buf[pos++];
  const kind = IMM[op];
  if (kind === IMM_NONE) {
    if (pos > r.end) throw malformed("unexpected end of data", r.pos);
    r.pos = pos;
    return op;
  }
  if (kind === IMM_U32 || kind === IMM_LEB) {
    while (buf[pos++] & 0x80) { /* skip */ }
  } else if (kind === IMM_MEMARG) {
    const align = buf[pos];
    if (align & 0x80) return skipSlow(r);
    pos++;
    if (align & 0x40) { while (buf[pos++] & 0x80) { /* memory index */ } }
    while (buf[pos++] & 0x80) { /* offset */ }
  } else {
    return skipSlow(r);
  }
  if (pos > r.end) throw malformed("unexpected end of data", r.pos);
  r.pos = pos;
  return op;
}

function skipSlow(r: Reader): number {
  const at = r.pos;
  const op = r.u8();
  switch (IMM[op]) {
    case IMM_NONE:
      return op;
    case IMM_U32:
      r.u32();
      return op;
    case IMM_MEMARG:
      skipMemArg(r);
      return op;
    case IMM_LEB:
      r.skipLeb();
      return op;
    case IMM_BLOCKTYPE:
      readBlockType(r);
      return op;
    case IMM_U32X2:
      r.u32();
      r.u32();
      return op;
    case IMM_BRTABLE: {
      const n = r.u32();
      for (let i = 0; i <= n; i++) r.u32();
      return op;
    }
    case IMM_BYTES4:
      r.skip(4);
      return op;
    case IMM_BYTES8:
      r.skip(8);
      return op;
    case IMM_SELECTT: {
      const n = r.u32();
      for (let i = 0; i < n; i++) skipValType(r);
      return op;
    }
    case IMM_HEAPTYPE:
      r.skipLeb();
      return op;
    case IMM_TRYTABLE: {
      readBlockType(r);
      const n = r.u32();
      for (let i = 0; i < n; i++) {
        const kind = r.u8();
        if (kind < 2) r.u32();
        else if (kind > 3) throw malformed(`bad try_table catch kind ${kind}`, r.pos - 1);
        r.u32();
      }
      return op;
    }
    case IMM_PREFIXFC:
      return skipFC(r, at);
    case IMM_PREFIXFD:
      return skipFD(r, at);
    case IMM_PREFIXFE:
      return skipFE(r, at);
    case IMM_REFUSED:
      throw unsupported(REFUSED[op], at);
    default:
      throw unsupported(`unknown opcode 0x${op.toString(16).padStart(2, "0")}`, at);
  }
}

function skipFC(r: Reader, at: number): number {
  const sub = r.u32();
  if (sub <= 7) return 0xfc << 12 | sub;
  switch (sub) {
    case 8: // memory.init data mem
    case 10: // memory.copy mem mem
    case 12: // table.init elem table
    case 14: // table.copy table table
      r.u32();
      r.u32();
      return 0xfc << 12 | sub;
    case 9: // data.drop
    case 11: // memory.fill
    case 13: // elem.drop
    case 15: // table.grow
    case 16: // table.size
    case 17: // table.fill
      r.u32();
      return 0xfc << 12 | sub;
    default:
      throw unsupported(`unknown instruction 0xFC ${sub}`, at);
  }
}

function skipFD(r: Reader, at: number): number {
  const sub = r.u32();
  if (sub <= 11 || sub === 92 || sub === 93) skipMemArg(r); // loads, stores, load32/64_zero
  else if (sub === 12 || sub === 13) r.skip(16); // v128.const, i8x16.shuffle
  else if (sub >= 21 && sub <= 34) r.skip(1); // extract/replace lane
  else if (sub >= 84 && sub <= 91) { // load/store lane
    skipMemArg(r);
    r.skip(1);
  } else if (sub > 0x113) throw unsupported(`unknown SIMD instruction 0xFD ${sub}`, at);
  return 0xfd << 12 | sub;
}

function skipFE(r: Reader, at: number): number {
  const sub = r.u32();
  if (sub === 3) r.skip(1); // atomic.fence
  else if (sub <= 2 || (sub >= 0x10 && sub <= 0x4e)) skipMemArg(r);
  else throw unsupported(`unknown atomic instruction 0xFE ${sub}`, at);
  return 0xfe << 12 | sub;
}
