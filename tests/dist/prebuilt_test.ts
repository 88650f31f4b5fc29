/**
 * The release workflow smoke-tests each built binary with `samuel plugin exec
 * tests/fixtures/prebuilt/hello.wasm`; that committed module must be exactly what its committed source
 * assembles to (so nobody ships an unreviewable binary), and must do what the workflow expects.
 */

import { assertEquals } from "../support/assert.ts";
import { runCli } from "../support/cli.ts";
import { buildHello } from "../fixtures/prebuilt/build.ts";

const HELLO = new URL("../fixtures/prebuilt/hello.wasm", import.meta.url).pathname;

Deno.test("the committed hello.wasm is exactly the build of hello.wat", async () => {
  assertEquals(await Deno.readFile(HELLO), await buildHello());
});

Deno.test("samuel plugin exec hello.wasm prints the smoke line and exits 0", async () => {
  const r = await runCli(["plugin", "exec", HELLO]);
  assertEquals(r.code, 0, r.stderr);
  assertEquals(r.stdout, "hello from samuel smoke\n");
});
