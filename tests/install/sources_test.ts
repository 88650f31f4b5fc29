/**
 * Install from other shapes of source through the real CLI: real public Sigstore bundles (from
 * tests/fixtures/sigstore-public) served as release assets and verified against the embedded public-good
 * root, `file://` plugin folders (unsigned and signed with configured identity patterns), and skills
 * (a folder, and a signed `.tar.gz` release asset).
 */

import { assert, assertEquals, assertStringIncludes } from "../support/assert.ts";
import { gzip, tar } from "../source/tar_helper.ts";
import { parseLockfile } from "../../src/project/lockfile.ts";
import { exists, manifest, readLock, sha256, snapshot, wasm, world } from "./helpers.ts";

const PUBLIC = new URL("../fixtures/sigstore-public/", import.meta.url);
const BEACON_SAN =
  "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const OWNER = "sigstore-conformance";
const REPO = "extremely-dangerous-public-oidc-beacon";

const withPatterns = async (root: string, patterns: string[]) => {
  const toml = (await Deno.readTextFile(`${root}/samuel.toml`)).replace(
    "identity_patterns = []",
    `identity_patterns = ${JSON.stringify(patterns)}`,
  );
  await Deno.writeTextFile(`${root}/samuel.toml`, toml);
};

Deno.test("install sources: public bundles, file://, skills", async (t) => {
  await using w = await world();

  await t.step("real public bundles through install, against the embedded public-good root", async () => {
    const artifact = await Deno.readFile(new URL("conformance/a.txt", PUBLIC));
    const bundle = (name: string) =>
      Deno.readTextFile(new URL(`conformance/${name}/bundle.sigstore.json`, PUBLIC));
    const publish = (tag: string, b: string) =>
      w.gh.release(OWNER, REPO, tag, {
        "samuel-plugin.toml": manifest({ name: "beacon" }),
        "plugin.wasm": artifact as Uint8Array<ArrayBuffer>,
        "plugin.wasm.bundle": b,
      });
    publish("happy", await bundle("happy-path-v0.3-new-mediaType"));
    publish("sigmismatch", await bundle("signature-mismatch_fail"));
    publish("wronginstance", await bundle("bundle-from-wrong-instance_fail"));

    // The default identity for a GitHub source wants a tag; this public workflow signed at a branch.
    let root = await w.project();
    let before = await snapshot(root);
    let r = await w.cli(root, ["install", `${OWNER}/${REPO}@happy`, "--yes", "--json"]);
    assertEquals(r.code, 4, r.stderr);
    assertEquals(r.json.error.code, "SAM-VERIFY-011");
    assertStringIncludes(r.json.error.message, BEACON_SAN);
    assertEquals(await snapshot(root), before);

    // Trusting that exact identity, verification passes; then the module check refuses a text file.
    await withPatterns(root, [BEACON_SAN]);
    before = await snapshot(root);
    r = await w.cli(root, ["install", `${OWNER}/${REPO}@happy`, "--yes", "--json"]);
    assertEquals(r.code, 2, r.stderr);
    assertEquals(r.json.error.code, "SAM-PREPROCESS-001");
    assertEquals(await snapshot(root), before);

    for (const [tag, code] of [["sigmismatch", "SAM-VERIFY-007"], ["wronginstance", "SAM-VERIFY-009"]]) {
      root = await w.project();
      await withPatterns(root, [BEACON_SAN]);
      before = await snapshot(root);
      r = await w.cli(root, ["install", `${OWNER}/${REPO}@${tag}`, "--yes", "--json"]);
      assertEquals(r.code, 4, `${tag}: ${r.stderr}`);
      assertEquals(r.json.error.code, code, tag);
      assertEquals(await snapshot(root), before);
    }
  });

  await t.step(
    "file:// folder: unsigned needs --allow-unsigned; a bundle verifies with configured patterns",
    async () => {
      const dir = `${w.tmp}/local-plugin`;
      await Deno.mkdir(dir);
      const bytes = await wasm();
      await Deno.writeFile(`${dir}/plugin.wasm`, bytes);
      await Deno.writeTextFile(`${dir}/samuel-plugin.toml`, manifest({ name: "local" }));

      let root = await w.project();
      const before = await snapshot(root);
      let r = await w.cli(root, ["install", `file://${dir}`, "--json"]);
      assertEquals(r.code, 4, r.stderr);
      assertStringIncludes(r.json.error.message, "signature bundle missing");
      assertEquals(await snapshot(root), before);

      r = await w.cli(root, ["install", `file://${dir}`, "--allow-unsigned", "--json"]);
      assertEquals(r.code, 0, r.stderr);
      const e = parseLockfile(await readLock(root)).plugins[0];
      assertEquals(e.source, `file://${dir}`);
      assertEquals(e.resolvedUrl, `file://${dir}/plugin.wasm`);
      assertEquals(e.sha256.module, await sha256(bytes));

      // Signed by a workflow the project trusts explicitly (a local source has no default identity).
      const san = "https://github.com/acme/monorepo/.github/workflows/plugins.yml@refs/tags/local-v1";
      await Deno.writeTextFile(`${dir}/plugin.wasm.bundle`, await w.sign(bytes, san));
      root = await w.project();
      r = await w.cli(root, ["install", `file://${dir}`, "--trusted-root", w.trustedRoot, "--json"]);
      assertEquals(r.code, 4, "no identity pattern configured: refused");
      assertEquals(r.json.error.code, "SAM-VERIFY-011");
      await withPatterns(root, ["https://github.com/acme/monorepo/.github/workflows/*@refs/tags/**"]);
      r = await w.cli(root, ["install", `file://${dir}`, "--trusted-root", w.trustedRoot, "--json"]);
      assertEquals(r.code, 0, r.stderr);
      assertEquals(r.json.data.plugins[0].verification.san, san);
    },
  );

  await t.step("skill folder: unsigned only with --allow-unsigned; files copied", async () => {
    const dir = `${w.tmp}/skill`;
    await Deno.mkdir(`${dir}/scripts`, { recursive: true });
    await Deno.writeTextFile(
      `${dir}/samuel-plugin.toml`,
      `name = "notes"\nversion = "1.0.0"\nkind = "skill"\n`,
    );
    await Deno.writeTextFile(`${dir}/SKILL.md`, "# Notes\n");
    await Deno.writeTextFile(`${dir}/scripts/run.sh`, "echo hi\n");
    const root = await w.project();
    const before = await snapshot(root);
    const r = await w.cli(root, ["install", `file://${dir}`, "--json"]);
    assertEquals(r.code, 4, r.stderr);
    assertEquals(r.json.error.code, "SAM-INSTALL-012");
    assertEquals(await snapshot(root), before);
    const ok = await w.cli(root, ["install", `file://${dir}`, "--allow-unsigned", "--json"]);
    assertEquals(ok.code, 0, ok.stderr);
    assertEquals(ok.json.data.plugins[0].kind, "skill");
    assertEquals(await Deno.readTextFile(`${root}/.samuel/plugins/notes/scripts/run.sh`), "echo hi\n");
    assertEquals(await Deno.readTextFile(`${root}/.samuel/plugins/notes/SKILL.md`), "# Notes\n");
    const lsr = await w.cli(root, ["ls", "--json"]);
    assertEquals(lsr.json.data.plugins.find((p: { name: string }) => p.name === "notes").status, "ok");
  });

  await t.step("skill .tar.gz release asset, signed: verified, unpacked, locked", async () => {
    const archive = await gzip(tar([
      { name: "guide/samuel-plugin.toml", data: `name = "guide"\nversion = "0.2.0"\nkind = "skill"\n` },
      { name: "guide/SKILL.md", data: "# Guide\n" },
    ]));
    const bundle = await w.sign(
      archive,
      "https://github.com/acme/guide/.github/workflows/release.yml@refs/tags/v0.2.0",
    );
    w.gh.release("acme", "guide", "v0.2.0", {
      "samuel-plugin.toml": `name = "guide"\nversion = "0.2.0"\nkind = "skill"\n`,
      "guide.tar.gz": archive as Uint8Array<ArrayBuffer>,
      "guide.tar.gz.bundle": bundle,
    });
    const root = await w.project();
    const r = await w.cli(root, ["install", "acme/guide@v0.2.0", "--trusted-root", w.trustedRoot, "--json"]);
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.json.data.plugins[0].verification.method, "sigstore");
    assert(await exists(`${root}/.samuel/plugins/guide/SKILL.md`));
    const e = parseLockfile(await readLock(root)).plugins[0];
    assertEquals(e.kind, "skill");
    assertEquals(e.sha256.module, await sha256(archive));
    assertEquals(e.sha256.bundle, await sha256(bundle));
  });
});
