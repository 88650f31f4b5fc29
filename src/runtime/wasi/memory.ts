/**
 * Guest memory access for the host functions. The DataView and Uint8Array over the instance memory are
 * cached and rebuilt only when `memory.buffer` changes (it is replaced when the guest grows its memory),
 * so a hot call such as `fd_write` allocates no view objects. Strings are decoded with one shared
 * TextDecoder and encoded into guest memory with `encodeInto` (no intermediate buffer).
 *
 * Out-of-bounds pointers are the guest's bug: typed-array accesses past the end throw a RangeError, which
 * the host entry points turn into EFAULT rather than letting it escape.
 */

const decoder = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();
const TWO_32 = 4294967296;

/** Raised for guest strings that are not UTF-8; the entry points report it as EILSEQ. */
export class BadUtf8 extends Error {}

function decode(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new BadUtf8("wasi: invalid UTF-8");
  }
}

export class GuestMemory {
  memory: WebAssembly.Memory | null = null;
  buffer: ArrayBuffer | null = null;
  view: DataView = new DataView(new ArrayBuffer(0));
  u8: Uint8Array = new Uint8Array(0);

  // One-entry cache of the last iovec view: guests typically reuse the same buffer call after call.
  private subBuf: ArrayBuffer | null = null;
  private subPtr = -1;
  private subLen = -1;
  private sub: Uint8Array = new Uint8Array(0);

  bind(memory: WebAssembly.Memory): void {
    this.memory = memory;
    this.buffer = null;
    this.refresh();
  }

  /** Re-derives the views when the guest's memory grew; a cheap identity check otherwise. */
  refresh(): void {
    const m = this.memory;
    if (m === null) throw new RangeError("wasi: memory not bound");
    const b = m.buffer as ArrayBuffer;
    if (b !== this.buffer) {
      this.buffer = b;
      this.view = new DataView(b);
      this.u8 = new Uint8Array(b);
    }
  }

  /** Throws a RangeError (mapped to EFAULT) unless [ptr, ptr+len) lies inside memory. */
  check(ptr: number, len: number): void {
    if (ptr < 0 || len < 0 || ptr + len > this.u8.length) throw new RangeError("wasi: out of bounds");
  }

  /** A view of [ptr, ptr+len) (bounds-checked), reused when the same range is asked for again. */
  bytes(ptr: number, len: number): Uint8Array {
    if (ptr === this.subPtr && len === this.subLen && this.subBuf === this.buffer) return this.sub;
    this.check(ptr, len);
    this.sub = this.u8.subarray(ptr, ptr + len);
    this.subBuf = this.buffer;
    this.subPtr = ptr;
    this.subLen = len;
    return this.sub;
  }

  /** Decodes a UTF-8 string; throws BadUtf8 on invalid UTF-8 (mapped to EILSEQ). */
  string(ptr: number, len: number): string {
    this.check(ptr, len);
    // Short ASCII names are the common case (paths): avoid the decoder's call overhead for them.
    if (len <= 32) {
      const u8 = this.u8;
      let s = "";
      for (let i = 0; i < len; i++) {
        const c = u8[ptr + i];
        if (c >= 0x80) return decode(u8.subarray(ptr, ptr + len));
        s += String.fromCharCode(c);
      }
      return s;
    }
    return decode(this.u8.subarray(ptr, ptr + len));
  }

  /** Encodes `s` at ptr, writing at most `max` bytes; returns the number written. */
  writeString(s: string, ptr: number, max: number): number {
    this.check(ptr, max);
    return encoder.encodeInto(s, this.u8.subarray(ptr, ptr + max)).written;
  }

  /** Writes an unsigned 64-bit value given as a non-negative safe integer. */
  setU64(ptr: number, n: number): void {
    const hi = Math.floor(n / TWO_32);
    this.view.setUint32(ptr, n - hi * TWO_32, true);
    this.view.setUint32(ptr + 4, hi, true);
  }

  /** Reads an unsigned 64-bit value as a number (exact below 2^53). */
  getU64(ptr: number): number {
    return this.view.getUint32(ptr, true) + this.view.getUint32(ptr + 4, true) * TWO_32;
  }
}

/** Byte length of `s` in UTF-8, without allocating. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

export function encodeUtf8(s: string): Uint8Array {
  return encoder.encode(s);
}
