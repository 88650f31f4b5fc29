/**
 * A change whose journal cannot be written fails before any visible change, and must not leave its
 * deferred-Ctrl-C listener behind: a listener left registered would swallow every later Ctrl-C of the
 * process (a long `samuel run --watch`, an embedding script). The child below makes the journal path a
 * non-empty directory, so the journal's atomic rename fails, then sends itself SIGINT: it must die of it.
 */

import { assert, assertEquals, assertStringIncludes } from "../support/assert.ts";

const TRANSACTION = new URL("../../src/store/transaction.ts", import.meta.url).href;

const CHILD = `
import { applyChange } from ${JSON.stringify(TRANSACTION)};
const root = Deno.args[0];
Deno.mkdirSync(root + "/.samuel/transaction.json/in-the-way", { recursive: true });
try {
  await applyChange(root, { plugin: "p", staged: null, editLock: (lock) => lock });
  console.log("applied");
} catch (e) {
  console.log("failed: " + (e?.code ?? e?.name));
}
Deno.kill(Deno.pid, "SIGINT");
await new Promise((resolve) => setTimeout(resolve, 5000));
console.log("survived SIGINT");
`;

Deno.test("a change whose journal cannot be written leaves Ctrl-C working", async () => {
  const dir = await Deno.makeTempDir({ prefix: "samuel-txn-sigint-" });
  try {
    const script = `${dir}/child.ts`;
    const root = `${dir}/project`;
    await Deno.mkdir(root);
    await Deno.writeTextFile(script, CHILD);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-q", "--no-config", "--allow-read", "--allow-write", "--allow-env", script, root],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    const stderr = new TextDecoder().decode(out.stderr);
    assertStringIncludes(
      stdout,
      "failed: SAM-INSTALL-015",
      `the change must fail on the journal: ${stdout}${stderr}`,
    );
    assert(!stdout.includes("applied"), stdout);
    assert(!stdout.includes("survived SIGINT"), `the Ctrl-C listener leaked: ${stdout}`);
    assertEquals(out.signal, "SIGINT", `exit ${out.code}, stderr: ${stderr}`);
    // Nothing of the change was made: no plugin folder, no samuel.lock, no samuel.toml.
    for (const name of ["samuel.lock", "samuel.toml", ".samuel/plugins"]) {
      const there = await Deno.stat(`${root}/${name}`).then(() => true, () => false);
      assert(!there, `${name} was written`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
