/**
 * `samuel run --all EXPORT` over several installed plugins where one traps, one times out (300 ms hard
 * timeout) and the others succeed: every plugin runs and is reported, in the lock's order, with its own
 * outcome; the exit code follows run.ts (6 if any failed, else 7 if any timed out, else 0); plugins that do
 * not declare the export are skipped; the process stays responsive after the timeout.
 */

import { assert, assertEquals, assertStringIncludes } from "../support/assert.ts";
import { Project, wat2wasm } from "./_helpers.ts";

const plugin = (health: string, lint = "(i32.const 0)") =>
  wat2wasm(`(module
    (memory (export "memory") 1)
    (func $boom (unreachable))
    (func (export "health") (result i32) ${health})
    (func (export "lint") (result i32) ${lint}))`);

const OK = "(i32.const 0)";
const TRAP = "(call $boom) (i32.const 0)";
const SPIN = "(loop $l (br $l)) (i32.const 0)";

Deno.test("run --all: one traps, one times out, the others succeed; all reported, exit 6", async () => {
  await using p = await Project.create();
  await p.installOk(await plugin(OK), { name: "alpha", exports: ["health", "lint"] });
  await p.installOk(await plugin(TRAP), { name: "bravo", exports: ["health", "lint"] });
  await p.installOk(await plugin(SPIN), {
    name: "charlie",
    exports: ["health", "lint"],
    timeout: "100ms",
    hardTimeout: "300ms",
  });
  await p.installOk(await plugin(OK), { name: "delta", exports: ["health", "lint"] });
  await p.installOk(await plugin(OK), { name: "echo", exports: ["lint"] });

  const t0 = performance.now();
  const r = await p.run(["--all", "health"]);
  const wall = performance.now() - t0;
  assertEquals(r.code, 6, r.stderr);
  assertEquals(r.json.ok, false);
  const results = r.json.data.results as {
    plugin: string;
    outcome: string;
    error: { code: string } | null;
  }[];
  assertEquals(
    results.map((x) => [x.plugin, x.outcome]),
    [["alpha", "ok"], ["bravo", "trap"], ["charlie", "timeout"], ["delta", "ok"]],
  );
  assertEquals(results.map((x) => x.error?.code ?? null), [null, "SAM-RUN-011", "SAM-RUN-012", null]);
  assertEquals(r.json.data.summary, { ok: 2, failed: 1, timed_out: 1 });
  assertEquals(r.json.error.code, "SAM-RUN-010");
  assertStringIncludes(r.json.error.message, "2 of 4 plugins");
  assert(wall < 5000, `run --all took ${wall} ms`);

  // Human output: a header per plugin and each failure.
  const human = await p.cli(["run", "--all", "health"]);
  assertEquals(human.code, 6);
  for (const name of ["alpha", "bravo", "charlie", "delta"]) {
    assertStringIncludes(human.stderr, `== ${name} health`);
  }
  assertStringIncludes(human.stderr, "bravo health trapped");
  assertStringIncludes(human.stderr, "charlie health timed out");

  // Only a timeout among successes: exit 7 (lint: charlie spins in health only, so use a project
  // where the only failure is a timeout).
  await using q = await Project.create();
  await q.installOk(await plugin(OK), { name: "alpha", exports: ["health"] });
  await q.installOk(await plugin(SPIN), {
    name: "charlie",
    exports: ["health"],
    hardTimeout: "300ms",
    timeout: "100ms",
  });
  const t = await q.run(["--all", "health"]);
  assertEquals(t.code, 7, t.stderr);
  assertEquals(t.json.data.summary, { ok: 1, failed: 0, timed_out: 1 });
  assertEquals(t.json.error.code, "SAM-RUN-012");

  // All succeed: exit 0. An export nobody declares: exit 2.
  const fine = await p.run(["--all", "lint"]);
  assertEquals(fine.code, 0, fine.stdout);
  assertEquals(fine.json.data.results.map((x: { plugin: string }) => x.plugin), [
    "alpha",
    "bravo",
    "charlie",
    "delta",
    "echo",
  ]);
  const none = await p.run(["--all", "nosuch"]);
  assertEquals(none.code, 2);
  assertEquals(none.json.error.code, "SAM-RUN-007");
});
