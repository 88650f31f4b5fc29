/**
 * A bounds-checked cursor over WebAssembly binary data: bytes, LEB128 integers and names. Hot paths
 * (`u32`, `skipLeb`) are written for the common one-byte case because the rewriter calls them for every
 * immediate in every function body.
 */

import { malformed } from "./errors.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true });

export class Reader {
  pos: number;
  end: number;
  readonly buf: Uint8Array;

  constructor(buf: Uint8Array, pos = 0, end = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  atEnd(): boolean {
    return this.pos >= this.end;
  }

  u8(): number {
    if (this.pos >= this.end) throw malformed("unexpected end of data", this.pos);
    return this.buf[this.pos++];
  }

  /** Unsigned LEB128, at most 5 bytes (u32). */
  u32(): number {
    const buf = this.buf;
    let pos = this.pos;
    let b = buf[pos++];
    if (b < 0x80 && pos <= this.end) {
      this.pos = pos;
      return b;
    }
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (pos > this.end) break;
      result |= (b & 0x7f) << shift;
      if (b < 0x80) {
        if (shift === 28 && b > 0x0f) break;
        this.pos = pos;
        return result >>> 0;
      }
      b = buf[pos++];
    }
    throw malformed(pos > this.end ? "unexpected end of data" : "LEB128 integer too long", this.pos);
  }

  /** Skips any LEB128 integer (signed or unsigned, up to 64 bits). */
  skipLeb(): void {
    const buf = this.buf;
    let pos = this.pos;
    const limit = pos + 10;
    while (pos < limit) {
      if (pos >= this.end) throw malformed("unexpected end of data", pos);
      if (buf[pos++] < 0x80) {
        this.pos = pos;
        return;
      }
    }
    throw malformed("LEB128 integer too long", this.pos);
  }

  /** Signed LEB128 that fits in 32 bits. */
  s32(): number {
    let result = 0;
    let shift = 0;
    let b: number;
    do {
      b = this.u8();
      result |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80 && shift < 35);
    if (b & 0x80) throw malformed("LEB128 integer too long", this.pos);
    if (shift < 32 && (b & 0x40)) result |= -1 << shift;
    return result;
  }

  skip(n: number): void {
    if (this.pos + n > this.end) throw malformed("unexpected end of data", this.pos);
    this.pos += n;
  }

  bytes(n: number): Uint8Array {
    const start = this.pos;
    this.skip(n);
    return this.buf.subarray(start, start + n);
  }

  name(): string {
    const len = this.u32();
    const at = this.pos;
    const raw = this.bytes(len);
    try {
      return utf8.decode(raw);
    } catch {
      throw malformed("name is not valid UTF-8", at);
    }
  }
}

/** Unsigned LEB128 at `pos` of bytes already known to be well-formed (e.g. just skipped by the decoder). */
export function u32At(buf: Uint8Array, pos: number): number {
  let result = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    const b = buf[pos++];
    result |= (b & 0x7f) << shift;
    if (b < 0x80) break;
  }
  return result >>> 0;
}
