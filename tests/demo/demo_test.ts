/**
 * The README's main-job command, `bash scripts/demo.sh`, as a user runs it: it must exit 0, show each
 * step, print hello-wasm's greeting (which lists what the sandboxed plugin sees of /workspace), end with a
 * healthy `samuel doctor`, and remove its temporary project and SAMUEL_HOME.
 */

import { assert, assertEquals, assertMatch, assertStringIncludes } from "../support/assert.ts";
import { HERMETIC_ENV } from "../support/cli.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test("scripts/demo.sh installs, runs and checks the bundled sample plugin, then cleans up", async () => {
  // The demo makes (and removes) its own SAMUEL_HOME, whatever the environment says.
  const { code, stdout, stderr } = await new Deno.Command("bash", {
    args: [`${ROOT}scripts/demo.sh`],
    cwd: ROOT,
    env: { NO_COLOR: "1", ...HERMETIC_ENV },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(stdout);
  const err = new TextDecoder().decode(stderr);
  assertEquals(code, 0, `demo failed:\n${out}\n${err}`);
  for (
    const step of [
      "== samuel version",
      "== samuel init",
      "== samuel plugin validate",
      "== build the sample plugin",
      "== samuel install file://",
      "== samuel run hello-wasm greet",
      "== samuel doctor",
      "== demo finished: all steps succeeded",
    ]
  ) assertStringIncludes(out, step);

  const line = out.split("\n").find((l) => l.startsWith('{"greeting"'));
  assert(line, `no greeting in:\n${out}`);
  const greeting = JSON.parse(line);
  assertEquals(greeting.greeting, "hello, samuel demo");
  assertEquals(greeting.plugin, "hello-wasm");
  for (const f of ["samuel.toml", "samuel.lock", "README.md", ".samuel/"]) {
    assert(greeting.workspace.includes(f), `${f} not in ${greeting.workspace}`);
  }
  assertEquals(greeting.count, greeting.workspace.length);
  assertMatch(out, /^\s+ok\s+plugin\.hello-wasm\.health\s+health\(\) returned 0/m);
  assertMatch(out, /\d+ checks: \d+ ok, 0 warnings, 0 failed/);

  const m = /in a temporary project: (\S+); SAMUEL_HOME=(\S+)\)/.exec(out);
  assert(m, "the demo names its temporary folders");
  for (const dir of [m[1], m[2]]) {
    let gone = false;
    try {
      await Deno.stat(dir);
    } catch (e) {
      gone = e instanceof Deno.errors.NotFound;
    }
    assert(gone, `${dir} was left behind`);
  }
});
