// Byte buffers for the host and WASI calls: UTF-8 encoding and decoding, and the raw pointer of a buffer,
// kept in one place so the other SDK files read like ordinary code.

/** The address of a buffer's first byte. */
export function ptr(buf: Uint8Array): usize {
  return buf.dataStart;
}

/** `s` as UTF-8 bytes. */
export function utf8(s: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(s));
}

/** UTF-8 bytes as a string (invalid sequences replaced). */
export function text(bytes: Uint8Array): string {
  return String.UTF8.decodeUnsafe(bytes.dataStart, bytes.length);
}

/** A copy of `a` followed by `b`. */
export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
