/**
 * Whole-process start-up: `samuel version` against a bare `deno run` of an empty script, in the same
 * run so the ratio survives a noisy shared machine. Goal (issue 2): at most 1.3x.
 */

import { emptyScript, MAIN, runToEnd, SAMUEL_FLAGS } from "./support/process.ts";

const deno = Deno.execPath();
const empty = emptyScript();

Deno.bench({
  name: "deno run empty.ts",
  group: "startup",
  baseline: true,
  n: 30,
  async fn() {
    await runToEnd(deno, ["run", "-q", empty]);
  },
});

Deno.bench({
  name: "samuel version",
  group: "startup",
  n: 30,
  async fn() {
    await runToEnd(deno, ["run", "-q", ...SAMUEL_FLAGS, MAIN, "version"]);
  },
});
