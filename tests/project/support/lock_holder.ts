/**
 * Test helper run as a separate process: takes a project's lock, prints `LOCKED <epoch ms>`, holds it for
 * `<holdMs>` (or `forever`), releases it and prints `RELEASED <epoch ms>`. On a SamuelError it prints the
 * error as JSON and exits with its exit code, like samuel itself.
 *
 * usage: deno run -A lock_holder.ts <root> <holdMs|forever> [waitMs]
 */

import { withProjectLock } from "../../../src/project/file_lock.ts";
import { isSamuelError } from "../../../src/errors.ts";

const [root, hold, wait] = Deno.args;
try {
  await withProjectLock(root, async () => {
    console.log(`LOCKED ${Date.now()}`);
    if (hold === "forever") await new Promise(() => setInterval(() => {}, 1 << 30));
    else await new Promise((resolve) => setTimeout(resolve, Number(hold)));
  }, { waitMs: wait === undefined ? undefined : Number(wait), command: "lock_holder test" });
  console.log(`RELEASED ${Date.now()}`);
} catch (e) {
  if (!isSamuelError(e)) throw e;
  console.log(JSON.stringify({ ...e.toInfo(), exit: e.exit }));
  Deno.exit(e.exit);
}
