/**
 * Build identity: the samuel version a plugin's `[samuel].framework` range is checked against, and the
 * plugin ABI protocol this host speaks. Kept in its own tiny module so `samuel version` imports nothing else.
 */

/** The samuel release this source tree builds. */
export const VERSION = "2.2.0";

/** The plugin ABI protocol this host speaks (DESIGN.md section 4). */
export const PROTOCOL = 1;

/** The Deno release the project is pinned to (scripts/ensure-deno.sh installs it). */
export const DENO_PIN = "2.9.6";
