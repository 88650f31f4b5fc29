/**
 * The same process keeps working after many hard stops: no threads pile up, memory returns after a GC
 * (bounded, not growing with the number of stops), and the next invocation runs normally. Runs in a child
 * process so it can expose V8's GC and read its own /proc/self/status undisturbed by other tests.
 */

import { assert, assertEquals } from "../support/assert.ts";
import { needs } from "../support/needs.ts";

Deno.test({
  ...needs(
    "soak: 200 stops of a spinning guest with 16 MiB each leave no thread or memory behind",
    Deno.build.os !== "linux" && "reads /proc, Linux only",
  ),
}, async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--v8-flags=--expose-gc", new URL("soak_child.ts", import.meta.url).pathname, "200"],
    stdout: "piped",
    stderr: "piped",
  });
  const out = await child.output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert(out.success, `child failed: ${stderr}`);
  const r = JSON.parse(new TextDecoder().decode(out.stdout));
  assertEquals(r.stops, 200, `every invocation was stopped: ${JSON.stringify(r)}`);
  assert(r.threadsAfter <= r.threadsBefore + 2, `threads grew: ${JSON.stringify(r)}`);
  assert(r.maxThreads <= r.threadsBefore + 4, `threads spiked: ${JSON.stringify(r)}`);
  // 200 x 16 MiB = 3.2 GiB if anything leaked; allow V8's heap and pools some slack.
  const grew = (r.rssAfter - r.rssBefore) / (1 << 20);
  assert(grew < 128, `RSS grew by ${grew.toFixed(1)} MiB after GC: ${JSON.stringify(r)}`);
  assertEquals(r.next, { ok: true, value: 500500, stopped: null });
  // Each stop costs the 2 ms deadline plus instantiating and filling 16 MiB; nothing waits for a thread.
  assert(r.elapsed / 200 < 500, `200 stops took ${r.elapsed} ms`);
});
