/**
 * The capped output sink: keeps bytes up to the cap exactly, refuses the rest cheaply (a 1 GiB flood),
 * and says so.
 */

import { DEFAULT_CAPTURE_CAP, OutputCapture } from "../../src/runtime/host/capture.ts";
import { assert, assertEquals } from "../support/assert.ts";

Deno.test("small writes are kept in order", () => {
  const c = new OutputCapture();
  assertEquals(c.cap, DEFAULT_CAPTURE_CAP);
  const enc = new TextEncoder();
  for (const part of ["hello ", "wörld", "\n"]) {
    assertEquals(c.write(enc.encode(part)), enc.encode(part).length);
  }
  assertEquals(c.text(), "hello wörld\n");
  assertEquals(c.total, 13);
  assert(!c.overflowed);
});

Deno.test("the write that crosses the cap is kept up to the cap; then nothing more", () => {
  const c = new OutputCapture(10);
  assertEquals(c.write(new Uint8Array(6).fill(0x61)), 6);
  assertEquals(c.write(new Uint8Array(6).fill(0x62)), 4);
  assert(c.overflowed);
  assertEquals(c.write(new Uint8Array(1)), 0);
  assertEquals(c.text(), "aaaaaabbbb");
  assertEquals(c.size, 10);
  assertEquals(c.total, 13);
  const zero = new OutputCapture(0);
  assertEquals(zero.write(new Uint8Array(0)), 0);
  assert(!zero.overflowed, "an empty write does not overflow");
  assertEquals(zero.write(new Uint8Array(1)), 0);
  assert(zero.overflowed);
});

Deno.test("a 1 GiB flood is refused cheaply and memory stays at the cap", () => {
  const cap = 1024 * 1024;
  const c = new OutputCapture(cap);
  const chunk = new Uint8Array(64 * 1024).fill(0x7a);
  const t = performance.now();
  for (let i = 0; i < 16384; i++) c.write(chunk);
  const took = performance.now() - t;
  assertEquals(c.total, 1024 * 1024 * 1024);
  assertEquals(c.size, cap);
  assertEquals(c.bytes().buffer.byteLength, cap, "the buffer never grew past the cap");
  assert(c.overflowed);
  assert(took < 200, `1 GiB flood took ${took} ms`);
});

Deno.test("growth is amortised: many one-byte writes", () => {
  const c = new OutputCapture(1 << 20);
  const one = new Uint8Array([0x2e]);
  for (let i = 0; i < 200_000; i++) c.write(one);
  assertEquals(c.size, 200_000);
  assert(c.bytes().buffer.byteLength <= 2 * 200_000 && c.bytes().every((b) => b === 0x2e));
});
