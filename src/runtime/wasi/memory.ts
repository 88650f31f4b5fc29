/**
 * Guest memory access for every host function, WASI's and the `samuel` host module's: bounds-checked
 * views, strings and copies at (ptr, len), and the cached DataView and Uint8Array the WASI hot paths use
 * directly. The views are rebuilt only when `memory.buffer` changes (it is replaced when the guest grows
 * its memory), so a hot call such as `fd_write` or `log` allocates no view objects. Strings are decoded
 * with one shared TextDecoder, short ASCII without it.
 *
 * ## Errors: thrown, and turned into a code by each host's one funnel
 * A range outside memory throws a `RangeError`, invalid UTF-8 a `BadUtf8`. Throwing is the one style
 * because the hot paths read and write guest structures straight through the cached DataView, which
 * throws a RangeError by itself past the end: a value-returning API could not cover those accesses
 * without a check per field, and a throwing one makes the checked and the unchecked accesses fail the
 * same way. The exceptions never reach the guest (an exception thrown into it could be caught by its own
 * handlers, or kill it unexplained): every WASI function ends in `fail` (context.ts: EFAULT, EILSEQ),
 * every `samuel` host function in `memoryFault` (host/codes.ts: OUT_OF_BOUNDS, BAD_REQUEST).
 *
 * Pointers and lengths are taken as given: a negative one is out of bounds. The `samuel` host reads its
 * i32 parameters as unsigned (`>>> 0`) before passing them, as the ABI says; the WASI functions pass
 * theirs as V8 delivers them (signed), so a WASI pointer parameter at or above 2 GiB is EFAULT (pointers
 * the guest stores in memory, such as iovec buffers, are read unsigned and work anywhere).
 */

const decoder = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();
const TWO_32 = 4294967296;

/** Raised for guest strings that are not UTF-8; the entry points report it as EILSEQ / BAD_REQUEST. */
export class BadUtf8 extends Error {}

function decode(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new BadUtf8("guest memory: invalid UTF-8");
  }
}

export class GuestMemory {
  memory: WebAssembly.Memory | null = null;
  buffer: ArrayBuffer | null = null;
  view: DataView = new DataView(new ArrayBuffer(0));
  u8: Uint8Array = new Uint8Array(0);
  readonly #source: (() => WebAssembly.Memory | undefined) | undefined;

  // One-entry cache of the last iovec view: guests typically reuse the same buffer call after call.
  private subBuf: ArrayBuffer | null = null;
  private subPtr = -1;
  private subLen = -1;
  private sub: Uint8Array = new Uint8Array(0);

  /**
   * Without `source`, the memory is the one given to `bind` (the WASI host binds it after instantiating).
   * With one, each `refresh` asks `source` for the current memory (the `samuel` host's way to reach a
   * memory that exists only once the instance does).
   */
  constructor(source?: () => WebAssembly.Memory | undefined) {
    this.#source = source;
  }

  bind(memory: WebAssembly.Memory): void {
    this.memory = memory;
    this.buffer = null;
    this.refresh();
  }

  /**
   * Re-derives the views when the guest's memory grew; a cheap identity check otherwise. Call it at the
   * start of every host call that touches memory (and again after anything that may grow it). Throws a
   * RangeError when there is no memory at all.
   */
  refresh(): void {
    if (this.#source !== undefined) this.memory = this.#source() ?? this.memory;
    const m = this.memory;
    if (m === null) throw new RangeError("guest memory: none bound");
    const b = m.buffer as ArrayBuffer;
    if (b !== this.buffer) {
      this.buffer = b;
      this.view = new DataView(b);
      this.u8 = new Uint8Array(b);
    }
  }

  /** Throws a RangeError unless [ptr, ptr+len) lies inside memory. */
  check(ptr: number, len: number): void {
    if (ptr < 0 || len < 0 || ptr + len > this.u8.length) throw new RangeError("guest memory: out of bounds");
  }

  /**
   * A view (no copy) of [ptr, ptr+len), bounds-checked, reused when the same range is asked for again. It
   * dies when the guest grows its memory: use it before handing control back to the guest, or copy it.
   */
  bytes(ptr: number, len: number): Uint8Array {
    if (ptr === this.subPtr && len === this.subLen && this.subBuf === this.buffer) return this.sub;
    this.check(ptr, len);
    this.sub = this.u8.subarray(ptr, ptr + len);
    this.subBuf = this.buffer;
    this.subPtr = ptr;
    this.subLen = len;
    return this.sub;
  }

  /**
   * The UTF-8 string at [ptr, ptr+len). Invalid UTF-8 throws BadUtf8: it is refused rather than replaced,
   * so a path or a key never silently means another one.
   */
  string(ptr: number, len: number): string {
    this.check(ptr, len);
    // Short ASCII names are the common case (paths, levels, keys): avoid the decoder's call overhead.
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

  /**
   * Copies `data` into the guest buffer [ptr, ptr+cap) with snprintf-like semantics: writes
   * min(cap, data.length) bytes and returns data.length (the caller learns the size it needs). Throws a
   * RangeError when the buffer lies outside memory; `cap` 0 is valid with any pointer inside memory.
   */
  write(ptr: number, cap: number, data: Uint8Array): number {
    this.check(ptr, cap);
    const n = data.length <= cap ? data.length : cap;
    this.u8.set(n === data.length ? data : data.subarray(0, n), ptr);
    return data.length;
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
