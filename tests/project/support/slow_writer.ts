/**
 * Test helper run as a separate process: starts an atomic write of `<path>`, writes half of the new
 * content, prints `HALF`, then hangs until killed, like a samuel killed mid-write.
 *
 * usage: deno run -A slow_writer.ts <path>
 */

import { writeFileAtomic } from "../../../src/project/atomic.ts";

await writeFileAtomic(Deno.args[0], async (file) => {
  await file.write(new TextEncoder().encode("NEW CONTENT, FIRST HA"));
  await file.sync();
  console.log("HALF");
  await new Promise(() => setInterval(() => {}, 1 << 30));
});
