/**
 * A growable byte buffer with LEB128 encoders: the output side of the rewriter. Appending is amortised
 * O(1); `finish` returns a view, so callers copy only when they keep the bytes.
 */

export class Writer {
  buf: Uint8Array<ArrayBuffer>;
  len = 0;

  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
  }

  ensure(n: number): void {
    const need = this.len + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  u8(b: number): void {
    if (this.len >= this.buf.length) this.ensure(1);
    this.buf[this.len++] = b;
  }

  u32(v: number): void {
    if (this.len + 5 > this.buf.length) this.ensure(5);
    const buf = this.buf;
    let len = this.len;
    v >>>= 0;
    while (v >= 0x80) {
      buf[len++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[len++] = v;
    this.len = len;
  }

  s32(v: number): void {
    this.ensure(5);
    v |= 0;
    for (;;) {
      const b = v & 0x7f;
      v >>= 7;
      if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
        this.buf[this.len++] = b;
        return;
      }
      this.buf[this.len++] = b | 0x80;
    }
  }

  bytes(src: Uint8Array, start = 0, end = src.length): void {
    const n = end - start;
    if (this.len + n > this.buf.length) this.ensure(n);
    if (n < 32) {
      // Short spans are the common case in the rewriter; a loop beats allocating a subarray view.
      const buf = this.buf;
      let len = this.len;
      for (let i = start; i < end; i++) buf[len++] = src[i];
      this.len = len;
      return;
    }
    this.buf.set(src.subarray(start, end), this.len);
    this.len += n;
  }

  name(s: string): void {
    const raw = new TextEncoder().encode(s);
    this.u32(raw.length);
    this.bytes(raw);
  }

  /** The bytes written so far (a view; valid until the next write). */
  view(): Uint8Array<ArrayBuffer> {
    return this.buf.subarray(0, this.len);
  }

  /** A copy of the bytes written so far. */
  finish(): Uint8Array<ArrayBuffer> {
    return this.buf.slice(0, this.len);
  }
}
