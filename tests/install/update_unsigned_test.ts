/**
 * Issue 17, section 4: `samuel update` on a plugin installed unsigned. Without a way to skip verification
 * it refuses (exit 4) and its advice, `--allow-unsigned`, is a flag `update` accepts; with the flag (or
 * SAMUEL_VERIFY_ALLOW_UNSIGNED=1) the update goes through and samuel.lock records why it was not verified,
 * as install does.
 */

import { assertEquals, assertStringIncludes } from "../support/assert.ts";
import { runCli } from "../support/cli.ts";
import { readLock, smokePlugin } from "./helpers.ts";

Deno.test("update of an unsigned plugin: refused with advice update accepts; --allow-unsigned and the env variable work and are recorded", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "samuel-update-unsigned-" });
  try {
    const root = `${tmp}/project`;
    await Deno.mkdir(root);
    await Deno.writeTextFile(`${root}/samuel.toml`, "");
    const cli = (args: string[], env: Record<string, string> = {}) =>
      runCli([...args, "--json"], { cwd: root, env: { SAMUEL_HOME: `${tmp}/home`, ...env } });
    await smokePlugin(`${tmp}/plugin`, "0.1.0");
    assertEquals((await cli(["install", `file://${tmp}/plugin`, "--allow-unsigned", "--yes"])).code, 0);

    await smokePlugin(`${tmp}/plugin`, "0.2.0");
    const refused = await cli(["update", "--yes"]);
    assertEquals(refused.code, 4, refused.stdout);
    assertEquals(refused.json.error.code, "SAM-VERIFY-001");
    assertStringIncludes(refused.json.error.fix, "re-run with --allow-unsigned");
    const help = await runCli(["update", "--help"]);
    assertStringIncludes(help.stdout, "--allow-unsigned");

    const ok = await cli(["update", "--allow-unsigned", "--yes"]);
    assertEquals(ok.code, 0, ok.stdout + ok.stderr);
    assertEquals(ok.json.data.plugins[0].action, "updated");
    let lock = await readLock(root);
    assertStringIncludes(lock, 'version = "0.2.0"');
    assertStringIncludes(lock, 'method = "unsigned"\nreason = "verification skipped by --allow-unsigned"');

    await smokePlugin(`${tmp}/plugin`, "0.3.0");
    const env = await cli(["update", "smoke", "--yes"], { SAMUEL_VERIFY_ALLOW_UNSIGNED: "1" });
    assertEquals(env.code, 0, env.stdout + env.stderr);
    lock = await readLock(root);
    assertStringIncludes(lock, 'version = "0.3.0"');
    assertStringIncludes(lock, 'reason = "verification skipped by SAMUEL_VERIFY_ALLOW_UNSIGNED"');
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
