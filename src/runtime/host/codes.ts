/**
 * The return codes of the `samuel` host module (plugin ABI protocol 1, DESIGN.md section 4): one table
 * for every import, so the Go SDK and plugin authors learn one set of numbers. Inside the guest ABI a
 * failure is a negative return value, never a JS exception (an exception could be caught by a guest's
 * own exception handlers, or abort it half-way with no explanation).
 *
 * | code | name                | meaning                                                                 |
 * |-----:|---------------------|-------------------------------------------------------------------------|
 * |  ≥ 0 | (success)           | the full length of the result (snprintf-like), or 0                      |
 * |   -1 | DENIED              | refused by policy: host not in the allowlist, `exec`, a filesystem grant |
 * |   -2 | BAD_REQUEST         | malformed arguments: invalid JSON or UTF-8, bad method or header         |
 * |   -3 | SCHEME_NOT_ALLOWED  | URL scheme other than http or https (also on a redirect hop)             |
 * |   -4 | CONNECTION_FAILED   | DNS, connect, TLS or protocol error                                      |
 * |   -5 | TIMEOUT             | the soft deadline (or the request's own `timeout_ms`) was reached        |
 * |   -6 | TOO_LARGE           | response body over the size cap, or a result too large for an i32        |
 * |   -7 | OUT_OF_BOUNDS       | a pointer/length pair lies outside the guest's memory                    |
 * |   -8 | TOO_MANY_REDIRECTS  | more redirect hops than allowed                                          |
 * |   -9 | BAD_URL             | URL unparsable, or carrying user info (`user@host`)                      |
 * |  -10 | NO_PENDING_RESPONSE | `net_response` without a retained response                               |
 * |  -11 | NOT_FOUND           | no such file (`fs_read`) or config key (`config_get`)                    |
 * |  -12 | NOT_SUPPORTED       | `callback`, or an upstream import whose signature this host cannot serve |
 * |  -13 | IO_ERROR            | the filesystem failed for another reason                                 |
 *
 * Guest memory (wasi/memory.ts) throws on a bad range or bad text; `memoryFault` is the one place that
 * turns those into codes, so every import answers the same code for the same mistake.
 */

import { BadUtf8 } from "../wasi/memory.ts";

export const Code = {
  OK: 0,
  DENIED: -1,
  BAD_REQUEST: -2,
  SCHEME_NOT_ALLOWED: -3,
  CONNECTION_FAILED: -4,
  TIMEOUT: -5,
  TOO_LARGE: -6,
  OUT_OF_BOUNDS: -7,
  TOO_MANY_REDIRECTS: -8,
  BAD_URL: -9,
  NO_PENDING_RESPONSE: -10,
  NOT_FOUND: -11,
  NOT_SUPPORTED: -12,
  IO_ERROR: -13,
} as const;

export type CodeName = keyof typeof Code;
export type CodeValue = (typeof Code)[CodeName];

// Built on first use: most runs report no code by name.
let NAMES: Map<number, CodeName> | undefined;

/** The table name of a negative code (`-1` → `"DENIED"`), for reports; `undefined` for other numbers. */
export function codeName(code: number): CodeName | undefined {
  if (code >= 0) return undefined;
  NAMES ??= new Map((Object.entries(Code) as [CodeName, number][]).map(([name, value]) => [value, name]));
  return NAMES.get(code);
}

/**
 * The code for what a guest-memory access threw: BAD_REQUEST for text that is not UTF-8, OUT_OF_BOUNDS
 * for a range outside memory (the only other thing GuestMemory and its views throw).
 */
export function memoryFault(e: unknown): number {
  return e instanceof BadUtf8 ? Code.BAD_REQUEST : Code.OUT_OF_BOUNDS;
}
