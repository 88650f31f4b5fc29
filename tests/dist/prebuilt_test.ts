/**
 * The release workflow smoke-tests each built binary with the committed modules in
 * tests/fixtures/prebuilt/: `samuel plugin exec hello.wasm`, and `samuel install` + `samuel run` of the
 * smoke plugin. Those modules must be exactly what their committed sources assemble to (so nobody ships
 * an unreviewable binary), and the steps the workflow runs must work, here with the shipped flags.
 */

import { assertEquals } from "../support/assert.ts";
import { runCli } from "../support/cli.ts";
import { buildPrebuilt, PREBUILT } from "../fixtures/prebuilt/build.ts";

const DIR = new URL("../fixtures/prebuilt/", import.meta.url).pathname;

Deno.test("each committed prebuilt .wasm is exactly the build of its .wat", async () => {
  for (const name of PREBUILT) {
    assertEquals(await Deno.readFile(`${DIR}${name}.wasm`), await buildPrebuilt(name), `${name}.wasm`);
  }
});

Deno.test("samuel plugin exec hello.wasm prints the smoke line and exits 0", async () => {
  const r = await runCli(["plugin", "exec", `${DIR}hello.wasm`]);
  assertEquals(r.code, 0, r.stderr);
  assertEquals(r.stdout, "hello from samuel smoke\n");
});

Deno.test("the workflow's install + run of the smoke plugin works as written", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "samuel-smoke-" });
  try {
    const env = { SAMUEL_HOME: `${tmp}/home` };
    // The same layout the release workflow builds: a project folder holding ./smoke-plugin.
    await Deno.mkdir(`${tmp}/smoke-plugin`);
    await Deno.copyFile(`${DIR}smoke_plugin.wasm`, `${tmp}/smoke-plugin/plugin.wasm`);
    await Deno.copyFile(`${DIR}smoke_plugin.toml`, `${tmp}/smoke-plugin/samuel-plugin.toml`);
    let r = await runCli(["init"], { cwd: tmp, env });
    assertEquals(r.code, 0, r.stderr);
    r = await runCli(["install", "file://./smoke-plugin", "--allow-unsigned", "--yes"], { cwd: tmp, env });
    assertEquals(r.code, 0, r.stdout + r.stderr);
    r = await runCli(["run", "smoke", "lint", "--json"], { cwd: tmp, env });
    assertEquals(r.code, 0, r.stdout + r.stderr);
    assertEquals(r.json?.ok, true);
    assertEquals(JSON.stringify(r.json?.data).includes(`"smoke":"ok"`), true, r.stdout);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
