/**
 * Custom sections added after a module's last section: a module's meaning ignores them, so appending one
 * gives other wire bytes (a bench's nonce) or information for the engine (compile hints,
 * compile_hints.ts) without rewriting anything. Light on purpose (it imports only the writer): the run
 * path appends compile hints with it and must not load the rewriter.
 *
 * @example
 * ```ts
 * const tagged = withSection(bytes, customSection("samuel-bench", new TextEncoder().encode("run 3")));
 * ```
 */

import { Writer } from "./writer.ts";

/** The encoded custom section `name` holding `payload`: id 0, size, name, payload. */
export function customSection(name: string, payload: Uint8Array): Uint8Array<ArrayBuffer> {
  const body = new Writer(payload.length + name.length + 6);
  body.name(name);
  body.bytes(payload);
  const out = new Writer(body.len + 6);
  out.u8(0);
  out.u32(body.len);
  out.bytes(body.view());
  return out.view();
}

/** `bytes` followed by `section`, in a new buffer (`bytes` stays as it was and can be reused). */
export function withSection(bytes: Uint8Array, section: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(bytes.length + section.length);
  out.set(bytes);
  out.set(section, bytes.length);
  return out;
}

/**
 * `bytes` followed by `section`, written in place when the buffer under `bytes` has room after them
 * (store/module_cache.ts `read` leaves it on request): copying a 4 MB module into a new buffer costs
 * ~2.7 ms here, more than compile hints win back. The room is then used: call it once per buffer.
 */
export function appendSection(bytes: Uint8Array, section: Uint8Array): Uint8Array<ArrayBuffer> {
  const end = bytes.byteOffset + bytes.length;
  if (bytes.buffer instanceof ArrayBuffer && end + section.length <= bytes.buffer.byteLength) {
    const out = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length + section.length);
    out.set(section, bytes.length);
    return out;
  }
  return withSection(bytes, section);
}
