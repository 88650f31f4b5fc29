/**
 * random_get: fills guest memory from the injectable random source (default: the host CSPRNG, which
 * accepts at most 65536 bytes per call, hence the chunking).
 */

import { ESUCCESS } from "./errno.ts";
import { fail, type WasiContext } from "./context.ts";

const CHUNK = 65536;

export function hostRandom(buf: Uint8Array): void {
  for (let i = 0; i < buf.length; i += CHUNK) {
    crypto.getRandomValues(buf.subarray(i, Math.min(i + CHUNK, buf.length)));
  }
}

/**
 * `random_get(buf, len)`: fills `buf` with `len` random bytes from the random source (the host CSPRNG by
 * default). `len` 0 is a no-op, whatever `buf` is.
 *
 * Errno:
 * - EFAULT: [buf, buf + len) lies outside memory.
 */
export function random_get(ctx: WasiContext, buf: number, len: number): number {
  const mem = ctx.mem;
  try {
    if (len === 0) return ESUCCESS;
    mem.refresh();
    mem.check(buf, len);
    ctx.random(mem.u8.subarray(buf, buf + len));
    return ESUCCESS;
  } catch (x) {
    return fail(x);
  }
}
