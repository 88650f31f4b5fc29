/**
 * `.github/workflows/ci.yml` is valid YAML (an unquoted `name: Tests (Linux: …)` once made it a nested
 * mapping) and runs the static checks and the tests on Linux, macOS and Windows.
 */

import { parse } from "yaml";
import { assert, assertEquals } from "../support/assert.ts";

const CI = new URL("../../.github/workflows/ci.yml", import.meta.url);

Deno.test("ci.yml parses and runs check and tests on the three OSes", async () => {
  // deno-lint-ignore no-explicit-any
  const ci = parse(await Deno.readTextFile(CI)) as any;
  assertEquals(ci.jobs.test.strategy.matrix.os, ["ubuntu-latest", "macos-latest", "windows-latest"]);
  const steps: { name?: string; run?: string }[] = ci.jobs.test.steps;
  for (const step of steps) assert(typeof step.name === "string" || "uses" in step, JSON.stringify(step));
  const runs = steps.map((s) => s.run ?? "").join("\n");
  assert(runs.includes("task check"), "static checks run");
  assert(runs.includes("scripts/test.sh"), "the README's test command runs on Linux");
});
