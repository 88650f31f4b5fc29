/**
 * `samuel install` with no SOURCE installs exactly what samuel.lock says (a fresh checkout in CI), fails
 * with exit 4 on any digest mismatch naming plugin, file and both digests, and `--frozen` fails when the
 * lock would change.
 */

import { assert, assertEquals, assertStringIncludes } from "../support/assert.ts";
import { FakeGitHub } from "../support/fake_github.ts";
import { manifest, readLock, sha256, snapshot, wasm, world } from "./helpers.ts";

Deno.test("install from samuel.lock", async (t) => {
  await using w = await world();
  const TR = ["--trusted-root", w.trustedRoot];

  // A project that installed acme/hello (latest = v0.1.0) and was committed.
  const pub = await w.publish({ tag: "v0.1.0", manifest: { env: ["CI"] } });
  const origin = await w.project();
  const first = await w.cli(origin, ["install", "acme/hello", ...TR, "--yes", "--json"]);
  assertEquals(first.code, 0, first.stderr);
  const committedToml = await Deno.readTextFile(`${origin}/samuel.toml`);
  const committedLock = await readLock(origin);
  assertStringIncludes(committedLock, `source = "acme/hello"`);
  const checkout = async () => {
    const root = await w.project();
    await Deno.writeTextFile(`${root}/samuel.toml`, committedToml);
    await Deno.writeTextFile(`${root}/samuel.lock`, committedLock);
    return root;
  };
  // The locked release's toml lists a foreign plugin that the lock does not have; drop it for CI runs.
  const foreignFree = committedToml.replace(
    /\n\[\[plugins\]\]\nname = "other".*\nsource = "other\/tool@v2.0.0"\n/,
    "\n",
  );

  await t.step("a fresh checkout gets exactly the locked files; the lock does not change", async () => {
    // A newer release appears: the lock still pins v0.1.0 although its source says "latest".
    await w.publish({ tag: "v0.2.0", manifest: { version: "0.2.0", env: ["CI"] } });
    const root = await checkout();
    await Deno.writeTextFile(`${root}/samuel.toml`, foreignFree);
    const r = await w.cli(root, ["install", ...TR, "--json"]);
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.json.data.from_lock, true);
    const p = r.json.data.plugins[0];
    assertEquals(p.action, "reinstalled");
    assertEquals(p.fetched_from, "acme/hello@v0.1.0");
    assertEquals(await readLock(root), committedLock);
    assertEquals(await Deno.readFile(`${root}/.samuel/plugins/hello/plugin.wasm`), pub.wasm);
    assertEquals(
      await snapshot(root).then((s) => Object.keys(s).sort()),
      await snapshot(origin).then((s) => Object.keys(s).sort()),
    );

    // Files in place: nothing is fetched again.
    const asked = w.gh.count(FakeGitHub.assetPath("acme", "hello", "v0.1.0", "plugin.wasm"));
    const again = await w.cli(root, ["install", ...TR, "--json", "--frozen"]);
    assertEquals(again.code, 0, again.stderr);
    assertEquals(again.json.data.plugins[0].action, "unchanged");
    assertEquals(w.gh.count(FakeGitHub.assetPath("acme", "hello", "v0.1.0", "plugin.wasm")), asked);
  });

  await t.step(
    "a replaced module fails with exit 4 naming plugin, file and digests; nothing written",
    async () => {
      const evil = await wasm({ exports: ["lint", "steal"] });
      const path = FakeGitHub.assetPath("acme", "hello", "v0.1.0", "plugin.wasm");
      w.gh.file(path, evil as Uint8Array<ArrayBuffer>);
      try {
        const root = await checkout();
        const before = await snapshot(root);
        const r = await w.cli(root, ["install", ...TR, "--json"]);
        assertEquals(r.code, 4, r.stdout + r.stderr);
        assertEquals(r.json.error.code, "SAM-INSTALL-006");
        assertStringIncludes(r.json.error.message, "hello");
        assertStringIncludes(r.json.error.message, "module plugin.wasm");
        assertStringIncludes(r.json.error.message, await sha256(pub.wasm));
        assertStringIncludes(r.json.error.message, await sha256(evil));
        assertEquals(r.json.error.details, {
          plugin: "hello",
          file: "module plugin.wasm",
          expected: await sha256(pub.wasm),
          actual: await sha256(evil),
        });
        assertEquals(await snapshot(root), before);
      } finally {
        w.gh.file(path, pub.wasm as Uint8Array<ArrayBuffer>);
      }
    },
  );

  await t.step("a changed manifest or bundle is a mismatch too", async () => {
    const mpath = FakeGitHub.assetPath("acme", "hello", "v0.1.0", "samuel-plugin.toml");
    w.gh.file(mpath, manifest({ env: ["CI", "AWS_SECRET_ACCESS_KEY"] }));
    let root = await checkout();
    let r = await w.cli(root, ["install", ...TR, "--json"]);
    assertEquals(r.code, 4, r.stderr);
    assertStringIncludes(r.json.error.message, "manifest samuel-plugin.toml");
    w.gh.file(mpath, pub.manifest);

    const bpath = FakeGitHub.assetPath("acme", "hello", "v0.1.0", "plugin.wasm.bundle");
    w.gh.file(
      bpath,
      await w.sign(pub.wasm, "https://github.com/acme/hello/.github/workflows/release.yml@refs/tags/v0.1.0"),
    );
    root = await checkout();
    r = await w.cli(root, ["install", ...TR, "--json"]);
    assertEquals(r.code, 4, r.stderr);
    assertStringIncludes(r.json.error.message, "signature bundle plugin.wasm.bundle");
    w.gh.file(bpath, pub.bundle!);
  });

  await t.step(
    "--frozen fails (exit 2, nothing written) when samuel.toml asks for an unlocked plugin",
    async () => {
      await w.publish({ repo: "extra", tag: "v1.0.0" });
      const root = await checkout();
      await Deno.writeTextFile(
        `${root}/samuel.toml`,
        foreignFree + `\n[[plugins]]\nname = "extra"\nsource = "acme/extra@v1.0.0"\n`,
      );
      const before = await snapshot(root);
      const r = await w.cli(root, ["install", ...TR, "--frozen", "--json"]);
      assertEquals(r.code, 2, r.stderr);
      assertEquals(r.json.error.code, "SAM-INSTALL-007");
      assertStringIncludes(r.json.error.message, "extra");
      assertEquals(await snapshot(root), before);

      // Without --frozen the missing one is installed and locked.
      const ok = await w.cli(root, ["install", ...TR, "--yes", "--json"]);
      assertEquals(ok.code, 0, ok.stderr);
      assertEquals(ok.json.data.plugins.map((p: { name: string }) => p.name), ["hello", "extra"]);
      assertStringIncludes(await readLock(root), `name = "extra"`);
    },
  );

  await t.step("--frozen with a SOURCE that is not locked fails", async () => {
    const root = await checkout();
    const before = await snapshot(root);
    const r = await w.cli(root, ["install", "acme/extra@v1.0.0", ...TR, "--frozen", "--json"]);
    assertEquals(r.code, 2, r.stderr);
    assertEquals(r.json.error.code, "SAM-INSTALL-007");
    assertEquals(await snapshot(root), before);
  });

  await t.step("a lock naming a plugin whose files are gone reinstalls it", async () => {
    const root = await checkout();
    await Deno.writeTextFile(`${root}/samuel.toml`, foreignFree);
    assertEquals((await w.cli(root, ["install", ...TR])).code, 0);
    await Deno.remove(`${root}/.samuel/plugins/hello/plugin.wasm`);
    const ls = await w.cli(root, ["ls", "--json"]);
    assertEquals(ls.json.data.plugins[0].status, "files-changed");
    const r = await w.cli(root, ["install", ...TR, "--json"]);
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.json.data.plugins[0].action, "reinstalled");
    assert((await w.cli(root, ["ls", "--json"])).json.data.plugins[0].status === "ok");
  });
});
