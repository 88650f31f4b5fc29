/**
 * Test worker for tests/runtime/outer_wall_test.ts: started with exactly `workerPermissions(spec)`, it
 * makes the attempts of _wall_attempts.ts and posts the outcomes back.
 */

/// <reference lib="deno.worker" />

import { attemptAll, type WallAttempt } from "./_wall_attempts.ts";

export type { WallAttempt, WallOutcome } from "./_wall_attempts.ts";

self.onmessage = async (event: MessageEvent<WallAttempt[]>) => {
  self.postMessage(await attemptAll(event.data));
};
