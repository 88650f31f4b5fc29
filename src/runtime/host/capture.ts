/**
 * A capped sink for a guest's stdout or stderr (DESIGN.md section 5, "Limits on output"). It keeps bytes
 * up to the cap (default 16 MiB) in one buffer that grows by doubling, so memory is at most twice what is
 * kept and never more than the cap; past the cap it accepts nothing more and sets `overflowed`, which the
 * runtime turns into a clear error. Refusing is O(1): a 1 GiB flood costs a counter increment per write.
 *
 * `write` returns how many bytes it accepted; the WASI host decides what the guest sees for the rest.
 */

export const DEFAULT_CAPTURE_CAP = 16 * 1024 * 1024;

const decoder = new TextDecoder();

export class OutputCapture {
  readonly cap: number;
  #buf: Uint8Array;
  #size = 0;
  #total = 0;
  #overflowed = false;

  constructor(cap: number = DEFAULT_CAPTURE_CAP) {
    this.cap = cap;
    this.#buf = new Uint8Array(Math.min(cap, 4096));
  }

  /** Keeps as much of `bytes` as fits under the cap; returns the number of bytes kept. */
  write(bytes: Uint8Array): number {
    const n = bytes.length;
    this.#total += n;
    if (this.#overflowed) return 0;
    const room = this.cap - this.#size;
    const take = n <= room ? n : room;
    if (take < n) this.#overflowed = true;
    if (take === 0) return 0;
    const need = this.#size + take;
    if (need > this.#buf.length) {
      let size = this.#buf.length * 2 || 4096;
      while (size < need) size *= 2;
      const grown = new Uint8Array(Math.min(size, this.cap));
      grown.set(this.#buf.subarray(0, this.#size));
      this.#buf = grown;
    }
    this.#buf.set(take === n ? bytes : bytes.subarray(0, take), this.#size);
    this.#size = need;
    return take;
  }

  /** True once some bytes were refused because the cap was reached. */
  get overflowed(): boolean {
    return this.#overflowed;
  }

  /** Bytes offered in total, kept or not. */
  get total(): number {
    return this.#total;
  }

  /** Bytes kept. */
  get size(): number {
    return this.#size;
  }

  /** The kept bytes: a view of the internal buffer (no copy), valid until the next `write`. */
  bytes(): Uint8Array {
    return this.#buf.subarray(0, this.#size);
  }

  /** The kept bytes as UTF-8 text (invalid sequences become U+FFFD). */
  text(): string {
    return decoder.decode(this.bytes());
  }
}
