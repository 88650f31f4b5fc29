/**
 * `uninstall`, `update` and `ls` through the real CLI: uninstall removes files, entries and grants and
 * nothing else; update shows the capability difference, asks only for new risky grants, refuses a changed
 * signer unless `--accept-new-signer`; ls shows version, verification and capabilities.
 */

import { assert, assertEquals, assertStringIncludes } from "../support/assert.ts";
import { parseLockfile } from "../../src/project/lockfile.ts";
import { exists, FOREIGN_PLUGIN, readLock, releaseSan, snapshot, USER_COMMENT, world } from "./helpers.ts";

Deno.test("uninstall, update, ls", async (t) => {
  await using w = await world();
  const TR = ["--trusted-root", w.trustedRoot];

  await t.step(
    "uninstall removes files, its samuel.toml entry and its lock entry, nothing else",
    async () => {
      await w.publish({ repo: "a" });
      await w.publish({ repo: "b", manifest: { env: ["HOME"] } });
      const root = await w.project();
      const pristineToml = await Deno.readTextFile(`${root}/samuel.toml`);
      assertEquals((await w.cli(root, ["install", "acme/a@v0.1.0", ...TR])).code, 0);
      const afterA = await snapshot(root);
      assertEquals((await w.cli(root, ["install", "acme/b@v0.1.0", ...TR, "--yes"])).code, 0);

      const r = await w.cli(root, ["uninstall", "b", "--json"]);
      assertEquals(r.code, 0, r.stderr);
      assertEquals(r.json.data.plugins[0].removed, { files: true, config_entry: true, lock_entry: true });
      assert(!(await exists(`${root}/.samuel/plugins/b`)));
      // Exactly the state before b was installed: toml (comments, the colleague's entry), lock and files.
      assertEquals(await snapshot(root), afterA);
      const toml = await Deno.readTextFile(`${root}/samuel.toml`);
      assert(toml.startsWith(USER_COMMENT));
      assertStringIncludes(toml, FOREIGN_PLUGIN.trim());

      assertEquals((await w.cli(root, ["uninstall", "a"])).code, 0);
      assertEquals(await Deno.readTextFile(`${root}/samuel.toml`), pristineToml);
      assertEquals(parseLockfile(await readLock(root)).plugins, []);

      const missing = await w.cli(root, ["uninstall", "nope", "--json"]);
      assertEquals(missing.code, 2);
      assertEquals(missing.json.error.code, "SAM-INSTALL-009");
    },
  );

  await t.step("ls shows version, verification and capabilities", async () => {
    await w.publish({ repo: "listed", manifest: { hosts: ["api.example.com"] } });
    const root = await w.project();
    assertEquals((await w.cli(root, ["install", "acme/listed@v0.1.0", ...TR, "--yes"])).code, 0);
    const human = await w.cli(root, ["ls"]);
    assertEquals(human.code, 0, human.stderr);
    assertStringIncludes(human.stdout, "listed");
    assertStringIncludes(human.stdout, "0.1.0");
    assertStringIncludes(human.stdout, `signed ${releaseSan("acme", "listed")}`);
    assertStringIncludes(human.stdout, "net:api.example.com (1 risky)");
    const j = await w.cli(root, ["list", "--json"]);
    const listed = j.json.data.plugins.find((p: { name: string }) => p.name === "listed");
    assertEquals(listed.status, "ok");
    assertEquals(listed.verification.method, "sigstore");
    assertEquals(listed.capabilities.network.hosts, ["api.example.com"]);
    const other = j.json.data.plugins.find((p: { name: string }) => p.name === "other");
    assertEquals(other.status, "not-installed");
    const info = await w.cli(root, ["info", "listed", "--json"]);
    assertEquals(info.code, 0, info.stderr);
    assertEquals(info.json.data.exports, ["lint"]);
  });

  await t.step("update asks only for new risky grants", async () => {
    await w.publish({ repo: "upd", tag: "v0.1.0", manifest: { env: ["HOME"] } });
    const root = await w.project();
    assertEquals((await w.cli(root, ["install", "acme/upd", ...TR, "--yes"])).code, 0);
    const upToDate = await w.cli(root, ["update", "upd", ...TR, "--json"]);
    assertEquals(upToDate.code, 0, upToDate.stderr);
    assertEquals(upToDate.json.data.plugins[0].action, "unchanged");

    // v0.2.0 keeps HOME (accepted before): no question, even without a TTY.
    await w.publish({ repo: "upd", tag: "v0.2.0", manifest: { version: "0.2.0", env: ["HOME"] } });
    const same = await w.cli(root, ["update", "upd", ...TR, "--json"]);
    assertEquals(same.code, 0, same.stderr);
    assertEquals(same.json.data.plugins[0].action, "updated");
    assertEquals(same.json.data.plugins[0].previous_version, "0.1.0");
    assertEquals(same.json.data.plugins[0].review, "not-needed");

    // v0.3.0 adds a host: refused without --yes (exit 3), nothing changed.
    await w.publish({
      repo: "upd",
      tag: "v0.3.0",
      manifest: { version: "0.3.0", env: ["HOME"], hosts: ["api.example.com"] },
    });
    const before = await snapshot(root);
    const refused = await w.cli(root, ["update", "upd", ...TR]);
    assertEquals(refused.code, 3, refused.stderr);
    assertStringIncludes(refused.stderr, "new risky capabilities");
    assertStringIncludes(refused.stderr, "api.example.com (new)");
    assert(!refused.stderr.includes("env HOME:"), "HOME is not asked about again");
    assertEquals(await snapshot(root), before);

    const ok = await w.cli(root, ["update", ...TR, "--yes", "--json"]);
    assertEquals(ok.code, 0, ok.stderr);
    const p = ok.json.data.plugins.find((x: { name: string }) => x.name === "upd");
    assertEquals(p.version, "0.3.0");
    assertEquals(p.new_risky.map((g: { value: string }) => g.value), ["api.example.com"]);
    const e = parseLockfile(await readLock(root)).plugins[0];
    assertEquals(e.version, "0.3.0");
    assertEquals(e.capabilities.network.hosts, ["api.example.com"]);
    if (e.verification.method === "sigstore") {
      assertEquals(e.verification.san, releaseSan("acme", "upd", "v0.3.0"));
    }
  });

  await t.step("update signed by another identity is refused unless --accept-new-signer", async () => {
    const fork = "https://github.com/acme-mirror/signer/.github/workflows/release.yml@refs/tags/v2.0.0";
    const extra = `\n# trust the mirror too\n`;
    const root = await w.project(extra);
    const toml = (await Deno.readTextFile(`${root}/samuel.toml`)).replace(
      "identity_patterns = []",
      `identity_patterns = ["https://github.com/acme-mirror/signer/.github/workflows/*@refs/tags/**"]`,
    );
    await Deno.writeTextFile(`${root}/samuel.toml`, toml);
    await w.publish({ repo: "signed", tag: "v1.0.0" });
    assertEquals((await w.cli(root, ["install", "acme/signed", ...TR])).code, 0);
    await w.publish({ repo: "signed", tag: "v2.0.0", manifest: { version: "2.0.0" }, san: fork });

    const before = await snapshot(root);
    const r = await w.cli(root, ["update", "signed", ...TR, "--json"]);
    assertEquals(r.code, 4, r.stderr);
    assertEquals(r.json.error.code, "SAM-INSTALL-008");
    assertStringIncludes(r.json.error.message, fork);
    assertStringIncludes(r.json.error.fix, "--accept-new-signer");
    assertEquals(await snapshot(root), before);
    // A direct install of the new release is the same change and is refused the same way.
    const direct = await w.cli(root, ["install", "acme/signed@v2.0.0", ...TR, "--json"]);
    assertEquals(direct.code, 4);
    assertEquals(await snapshot(root), before);

    const ok = await w.cli(root, ["update", "signed", ...TR, "--accept-new-signer", "--json"]);
    assertEquals(ok.code, 0, ok.stderr);
    assertStringIncludes(ok.json.warnings.join("\n"), "signer changed");
    const e = parseLockfile(await readLock(root)).plugins.find((p) => p.name === "signed")!;
    assertEquals(e.verification.method === "sigstore" && e.verification.san, fork);

    // A new release tag by the same workflow is not a signer change.
    await w.publish({
      repo: "signed",
      tag: "v2.1.0",
      manifest: { version: "2.1.0" },
      san: fork.replace("v2.0.0", "v2.1.0"),
    });
    const next = await w.cli(root, ["update", "signed", ...TR, "--json"]);
    assertEquals(next.code, 0, next.stderr);
    assertEquals(next.json.data.plugins[0].version, "2.1.0");
  });

  await t.step("update of a name that is not installed: exit 2", async () => {
    const root = await w.project();
    const r = await w.cli(root, ["update", "ghost", "--json"]);
    assertEquals(r.code, 2);
    assertEquals(r.json.error.code, "SAM-INSTALL-009");
  });
});

Deno.test("a hand-written project gets .samuel/.gitignore with its first install", async () => {
  await using w = await world();
  await w.publish({ repo: "gi" });
  const root = await w.project();
  assert(!(await exists(`${root}/.samuel/.gitignore`)));
  const r = await w.cli(root, ["install", "acme/gi@v0.1.0", "--trusted-root", w.trustedRoot]);
  assertEquals(r.code, 0, r.stderr);
  assertStringIncludes(await Deno.readTextFile(`${root}/.samuel/.gitignore`), "*\n!.gitignore\n");
});

Deno.test("uninstall --dry-run and update --dry-run change nothing", async () => {
  await using w = await world();
  const TR = ["--trusted-root", w.trustedRoot];
  await w.publish({ repo: "dry", tag: "v0.1.0" });
  const root = await w.project();
  assertEquals((await w.cli(root, ["install", "acme/dry", ...TR])).code, 0);
  await w.publish({ repo: "dry", tag: "v0.2.0", manifest: { version: "0.2.0", hosts: ["x.example.com"] } });
  const before = await snapshot(root);
  const un = await w.cli(root, ["uninstall", "dry", "--dry-run", "--json"]);
  assertEquals(un.code, 0, un.stderr);
  assertEquals(un.json.data.plugins[0].dry_run, true);
  const up = await w.cli(root, ["update", ...TR, "--dry-run", "--json"]);
  assertEquals(up.code, 0, up.stderr);
  assertEquals(up.json.data.plugins[0].action, "would-update");
  assertEquals(up.json.data.plugins[0].new_risky.map((g: { value: string }) => g.value), ["x.example.com"]);
  assertEquals(await snapshot(root), before);
});
