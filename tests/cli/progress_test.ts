/** The progress bar draws only when enabled, and never in JSON mode or without a TTY. */

import { assert, assertEquals, assertStringIncludes } from "../support/assert.ts";
import { createProgress, render } from "../../src/cli/progress.ts";

Deno.test("progress: renders a bar with bytes and total, or bytes alone", () => {
  assertEquals(
    render("plugin.wasm", 512, 1024),
    `plugin.wasm [${"#".repeat(12)}${"-".repeat(12)}] 512 B/1.0 KiB`,
  );
  assertEquals(render("plugin.wasm", 2048, undefined), "plugin.wasm 2.0 KiB");
});

Deno.test("progress: enabled, it redraws with \\r and clears at the end", () => {
  const out: string[] = [];
  const p = createProgress("x", { enabled: true, write: (t) => out.push(t) });
  p.update(1, 2);
  p.update(2, 2);
  p.done();
  assert(out.length >= 2);
  assert(out.every((t) => t.startsWith("\r")));
  assertStringIncludes(out[out.length - 2], "2 B/2 B");
});

Deno.test("progress: --json or no TTY draws nothing", () => {
  const out: string[] = [];
  const json = createProgress("x", { json: true, write: (t) => out.push(t) });
  json.update(1, 2);
  json.done();
  // Under `deno test` stderr is a pipe, so the TTY check alone disables it too.
  const auto = createProgress("x", { write: (t) => out.push(t) });
  auto.update(1, 2);
  auto.done();
  if (!Deno.stderr.isTerminal()) assertEquals(out, []);
  else assertEquals(out.length > 0, true);
});
