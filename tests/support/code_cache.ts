/**
 * Deno's V8 code cache as the tests and the eager-compilation probe read it: the size of a module's entry
 * in a `DENO_DIR`, and the shipped flags without `--no-lazy` (scripts/flags.ts), the variant that shows what
 * that flag puts in the cache.
 *
 * @example How much of the bundle an eager start caches against a lazy one
 * ```ts
 * const eager = codeCacheBytes(denoDir, `file://${entry}`); // after a run under RUN_FLAGS
 * const lazy = codeCacheBytes(otherDenoDir, `file://${entry}`); // after a run under LAZY_RUN_FLAGS
 * ```
 */

import { DatabaseSync } from "node:sqlite";
import { PERMISSION_FLAGS, UNSTABLE_FLAGS, V8_FLAGS } from "../../scripts/flags.ts";

/** The shipped flags with `--no-lazy` left out of the V8 flags. */
export const LAZY_RUN_FLAGS: readonly string[] = [
  ...PERMISSION_FLAGS,
  ...UNSTABLE_FLAGS,
  `--v8-flags=${V8_FLAGS.filter((f) => f !== "--no-lazy").join(",")}`,
];

/** The size of the V8 code cache entry (an SQLite file in `denoDir`) for `specifier`; 0 when none. */
export function codeCacheBytes(denoDir: string, specifier: string): number {
  const db = new DatabaseSync(`${denoDir}/v8_code_cache_v2`, { readOnly: true });
  try {
    const row = db.prepare("SELECT length(data) AS n FROM codecache WHERE specifier = ?").get(specifier);
    return Number(row?.n ?? 0);
  } finally {
    db.close();
  }
}
