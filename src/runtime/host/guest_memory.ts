/**
 * Guest memory access for the `samuel` host functions: bounds-checked reads of bytes and strings at
 * (ptr, len) and writes into a guest buffer (ptr, cap). The Uint8Array over the memory is cached and
 * rebuilt only when `memory.buffer` changes (the guest grew its memory), so a hot call such as `log`
 * allocates no view.
 *
 * Failures are values, not exceptions: a host function turns them into a return code (codes.ts), because a
 * JS exception thrown into the guest could be caught by the guest's own handlers or kill it unexplained.
 * Pointers and lengths arrive as JS numbers from i32 parameters, i.e. signed: `>>> 0` reads them as the
 * unsigned 32-bit values the guest meant (a pointer above 2 GiB arrives negative).
 */

const utf8 = new TextDecoder("utf-8", { fatal: true });
const EMPTY = new Uint8Array(0);

export class GuestMemory {
  #get: () => WebAssembly.Memory | undefined;
  #buffer: ArrayBufferLike | undefined;
  #u8: Uint8Array = EMPTY;

  /** `get` returns the guest's memory once the instance exists (undefined before: every access fails). */
  constructor(get: () => WebAssembly.Memory | undefined) {
    this.#get = get;
  }

  /** The current bytes of guest memory (empty when no memory is bound yet). */
  u8(): Uint8Array {
    const buffer = this.#get()?.buffer;
    if (buffer !== this.#buffer) {
      this.#buffer = buffer;
      this.#u8 = buffer === undefined ? EMPTY : new Uint8Array(buffer);
    }
    return this.#u8;
  }

  /** True when [ptr, ptr+len) lies inside guest memory. */
  inBounds(ptr: number, len: number): boolean {
    return (ptr >>> 0) + (len >>> 0) <= this.u8().length;
  }

  /**
   * A view (no copy) of [ptr, ptr+len), or undefined when out of bounds. The view dies when the guest
   * grows its memory: use it before handing control back to the guest, or copy it.
   */
  view(ptr: number, len: number): Uint8Array | undefined {
    const p = ptr >>> 0, n = len >>> 0;
    const u8 = this.u8();
    return p + n <= u8.length ? u8.subarray(p, p + n) : undefined;
  }

  /** A copy of [ptr, ptr+len) that survives memory growth and suspension, or undefined when out of bounds. */
  copy(ptr: number, len: number): Uint8Array | undefined {
    const p = ptr >>> 0, n = len >>> 0;
    const u8 = this.u8();
    return p + n <= u8.length ? u8.slice(p, p + n) : undefined;
  }

  /**
   * The UTF-8 string at [ptr, ptr+len): a string, `OUT_OF_BOUNDS` or `BAD_UTF8` (invalid UTF-8 is
   * refused rather than replaced, so a path or a key never silently means another one).
   */
  string(ptr: number, len: number): string | typeof OUT_OF_BOUNDS | typeof BAD_UTF8 {
    const bytes = this.view(ptr, len);
    if (bytes === undefined) return OUT_OF_BOUNDS;
    // Short ASCII (levels, keys, paths) is the common case: skip the decoder's call overhead for it.
    if (bytes.length <= 32) {
      let s = "";
      for (let i = 0; i < bytes.length; i++) {
        const c = bytes[i];
        if (c >= 0x80) return decodeOr(bytes);
        s += String.fromCharCode(c);
      }
      return s;
    }
    return decodeOr(bytes);
  }

  /**
   * Copies `data` into the guest buffer [ptr, ptr+cap) with snprintf-like semantics: writes
   * min(cap, data.length) bytes and returns data.length, or -1 when the buffer lies outside memory.
   * `cap` 0 is valid with any pointer inside memory (a size probe).
   */
  write(ptr: number, cap: number, data: Uint8Array): number {
    const p = ptr >>> 0, c = cap >>> 0;
    const u8 = this.u8();
    if (p + c > u8.length) return -1;
    const n = data.length <= c ? data.length : c;
    u8.set(n === data.length ? data : data.subarray(0, n), p);
    return data.length;
  }
}

/** `string()` result: the pointer/length pair lies outside guest memory. */
export const OUT_OF_BOUNDS = Symbol("out of bounds");
/** `string()` result: the bytes are not valid UTF-8. */
export const BAD_UTF8 = Symbol("bad utf-8");

function decodeOr(bytes: Uint8Array): string | typeof BAD_UTF8 {
  try {
    return utf8.decode(bytes);
  } catch {
    return BAD_UTF8;
  }
}
