/**
 * A `deno run --preload` module for tests/runtime/process_wall_test.ts: it lets the test look inside the
 * real CLI's isolate at the moment the guest is instantiated, which is after the process wall went up.
 * It reads the attempts from `WALL_PROBE_ATTEMPTS` (JSON) at preload time, wraps
 * `WebAssembly.instantiate`, and on the first call makes the attempts (_wall_attempts.ts) and writes
 * one line `WALL-PROBE <outcomes as JSON>` to stderr before instantiating as usual. Nothing of this is in
 * samuel itself: without the preload the CLI is unchanged.
 */

import { attemptAll, type WallAttempt } from "./_wall_attempts.ts";

const raw = Deno.env.get("WALL_PROBE_ATTEMPTS");
if (raw) {
  const attempts = JSON.parse(raw) as WallAttempt[];
  const original = WebAssembly.instantiate;
  let done = false;
  const probe = async () => {
    if (done) return;
    done = true;
    const outcomes = await attemptAll(attempts);
    Deno.stderr.writeSync(new TextEncoder().encode(`WALL-PROBE ${JSON.stringify(outcomes)}\n`));
  };
  // deno-lint-ignore no-explicit-any
  (WebAssembly as any).instantiate = async (...args: Parameters<typeof WebAssembly.instantiate>) => {
    await probe();
    return await (original as (...a: unknown[]) => Promise<unknown>)(...args);
  };
}
