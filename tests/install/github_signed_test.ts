/**
 * `samuel install owner/repo@tag` end to end: the real CLI against a fake GitHub on 127.0.0.1 serving
 * release assets signed for real by a mock Sigstore instance. Covers the signed happy path (lock checked
 * field by field), and every signature failure the install must refuse with exit 4, writing nothing.
 */

import { assert, assertEquals, assertMatch, assertStringIncludes } from "../support/assert.ts";
import { toBundleV03 } from "../support/sigstore_mock.ts";
import { parseLockfile } from "../../src/project/lockfile.ts";
import {
  exists,
  FOREIGN_PLUGIN,
  readLock,
  releaseSan,
  sha256,
  snapshot,
  USER_COMMENT,
  wasm,
  world,
} from "./helpers.ts";

Deno.test("install from a GitHub release, signed with Sigstore", async (t) => {
  await using w = await world();

  await t.step("signed install writes files, samuel.toml and a complete lock", async () => {
    const pub = await w.publish({ manifest: { hosts: ["api.example.com"] } });
    const root = await w.project();
    const r = await w.cli(root, [
      "install",
      "acme/hello@v0.1.0",
      "--trusted-root",
      w.trustedRoot,
      "--yes",
      "--json",
    ]);
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.json.ok, true);
    const p = r.json.data.plugins[0];
    assertEquals(p.action, "installed");
    assertEquals(p.review, "yes-flag");
    assertEquals(p.new_risky.map((g: { value: string }) => g.value), ["api.example.com"]);

    const lock = parseLockfile(await readLock(root));
    assertEquals(lock.plugins.length, 1);
    const e = lock.plugins[0];
    assertEquals(e.name, "hello");
    assertEquals(e.version, "0.1.0");
    assertEquals(e.kind, "wasm");
    assertEquals(e.source, "acme/hello@v0.1.0");
    assertEquals(e.resolvedUrl, `${w.gh.origin}/acme/hello/releases/download/v0.1.0/plugin.wasm`);
    assertEquals(e.sha256.module, await sha256(pub.wasm));
    assertEquals(e.sha256.manifest, await sha256(pub.manifest));
    assertEquals(e.sha256.bundle, await sha256(pub.bundle!));
    assertEquals(e.verification.method, "sigstore");
    if (e.verification.method === "sigstore") {
      assertEquals(e.verification.san, releaseSan());
      assertEquals(e.verification.issuer, "https://token.actions.githubusercontent.com");
      assert(Number.isInteger(e.verification.logIndex) && e.verification.logIndex >= 0);
    }
    assertEquals(e.capabilities, {
      env: [],
      filesystem: { read: ["/workspace"], write: [] },
      network: { hosts: ["api.example.com"] },
      maxMemory: 64,
      timeoutMs: 5000,
      hardTimeoutMs: 30000,
    });
    assert(Math.abs(Date.parse(e.installedAt) - Date.now()) < 120_000, e.installedAt);

    const dir = `${root}/.samuel/plugins/hello`;
    assertEquals(await Deno.readFile(`${dir}/plugin.wasm`), pub.wasm);
    assertEquals(await Deno.readTextFile(`${dir}/samuel-plugin.toml`), pub.manifest);
    assertEquals(await Deno.readTextFile(`${dir}/plugin.wasm.bundle`), pub.bundle);

    const toml = await Deno.readTextFile(`${root}/samuel.toml`);
    assert(toml.startsWith(USER_COMMENT), "the user's comment stays first");
    assertStringIncludes(toml, FOREIGN_PLUGIN.trim());
    assertStringIncludes(toml, `[[plugins]]\nname = "hello"\nsource = "acme/hello@v0.1.0"\n`);

    // The module cache was warmed at install.
    assert(p.cache && p.cache.stored === true, JSON.stringify(p.cache));
    const again = await w.cli(root, [
      "install",
      "acme/hello@v0.1.0",
      "--trusted-root",
      w.trustedRoot,
      "--json",
    ]);
    assertEquals(again.code, 0, again.stderr);
    assertEquals(again.json.data.plugins[0].action, "unchanged");
    assertEquals(again.json.data.plugins[0].cache.hit, true);
  });

  await t.step("trusted root from [security].trusted_root, and a v0.3 bundle", async () => {
    const signed = await w.publish({ owner: "acme", repo: "three", tag: "v1.0.0" });
    w.gh.release("acme", "three", "v1.0.1", {
      "samuel-plugin.toml": signed.manifest.replace('version = "0.1.0"', 'version = "1.0.1"'),
      "plugin.wasm": signed.wasm as Uint8Array<ArrayBuffer>,
      "plugin.wasm.bundle": toBundleV03(
        await w.sign(signed.wasm, releaseSan("acme", "three", "v1.0.1")),
      ),
    });
    const root = await w.project();
    const toml = (await Deno.readTextFile(`${root}/samuel.toml`)).replace(
      "# trusted_root = ",
      `trusted_root = ${JSON.stringify(w.trustedRoot)}\n# was: `,
    );
    await Deno.writeTextFile(`${root}/samuel.toml`, toml);
    const r = await w.cli(root, ["install", "acme/three@v1.0.1", "--json"]);
    assertEquals(r.code, 0, r.stderr);
    assertEquals(
      r.json.data.plugins[0].verification.media_type,
      "application/vnd.dev.sigstore.bundle.v0.3+json",
    );
  });

  const refused = async (
    args: string[],
    code: number,
    errorCode: string,
    text: string,
    setup?: (root: string) => Promise<void>,
  ) => {
    const root = await w.project();
    await setup?.(root);
    const before = await snapshot(root);
    const r = await w.cli(root, [...args, "--json"]);
    assertEquals(r.code, code, r.stdout + r.stderr);
    assertEquals(r.json.error.code, errorCode);
    assertStringIncludes(r.json.error.message, text);
    assertEquals(await snapshot(root), before, "the project is unchanged");
    assert(!(await exists(`${root}/samuel.lock`)));
    return r;
  };

  await t.step("no bundle: refused with exit 4, 'signature bundle missing'", async () => {
    await w.publish({ repo: "nobundle", san: null });
    await refused(
      ["install", "acme/nobundle@v0.1.0", "--trusted-root", w.trustedRoot, "--yes"],
      4,
      "SAM-VERIFY-001",
      "signature bundle missing",
    );
  });

  await t.step("module replaced after signing: exit 4", async () => {
    await w.publish({ repo: "tampered", servedWasm: await wasm({ exports: ["lint"], memoryPages: 2 }) });
    await refused(
      ["install", "acme/tampered@v0.1.0", "--trusted-root", w.trustedRoot, "--yes"],
      4,
      "SAM-VERIFY-006",
      "",
    );
  });

  await t.step("signed by another repository's workflow: exit 4 (identity)", async () => {
    await w.publish({ repo: "wrongid", san: releaseSan("mallory", "evil") });
    const r = await refused(
      ["install", "acme/wrongid@v0.1.0", "--trusted-root", w.trustedRoot, "--yes"],
      4,
      "SAM-VERIFY-011",
      "signer identity not allowed",
    );
    assertStringIncludes(r.json.error.message, "mallory/evil");
  });

  await t.step("signed at a branch instead of a tag: exit 4 (identity)", async () => {
    await w.publish({
      repo: "branch",
      san: "https://github.com/acme/branch/.github/workflows/release.yml@refs/heads/main",
    });
    await refused(
      ["install", "acme/branch@v0.1.0", "--trusted-root", w.trustedRoot, "--yes"],
      4,
      "SAM-VERIFY-011",
      "signer identity not allowed",
    );
  });

  await t.step("legacy cosign bundle: exit 4 with the re-sign advice", async () => {
    const legacy = await Deno.readTextFile(
      new URL("../fixtures/sigstore-public/legacy-cosign/artifact.bundle", import.meta.url),
    );
    await w.publish({ repo: "legacy", bundle: legacy });
    const r = await refused(
      ["install", "acme/legacy@v0.1.0", "--trusted-root", w.trustedRoot, "--yes"],
      4,
      "SAM-VERIFY-002",
      "",
    );
    assertStringIncludes(r.json.error.fix + r.json.error.message, "--new-bundle-format");
  });

  await t.step("a bundle from another Sigstore instance (not in the trusted root): exit 4", async () => {
    const { startMockSigstore } = await import("../support/sigstore_mock.ts");
    await using other = await startMockSigstore();
    const bytes = await wasm();
    await w.publish({
      repo: "otherinstance",
      wasm: bytes,
      bundle: await other.sign(bytes, { san: releaseSan("acme", "otherinstance") }),
    });
    await refused(
      ["install", "acme/otherinstance@v0.1.0", "--trusted-root", w.trustedRoot, "--yes"],
      4,
      "SAM-VERIFY-009",
      "",
    );
  });

  await t.step("signed by the mock but checked against the embedded public-good root: exit 4", async () => {
    await w.publish({ repo: "publicroot" });
    await refused(["install", "acme/publicroot@v0.1.0", "--yes"], 4, "SAM-VERIFY-009", "");
  });

  await t.step("--allow-unsigned and SAMUEL_VERIFY_ALLOW_UNSIGNED are recorded as unsigned", async () => {
    await w.publish({ repo: "unsigned", san: null });
    const root = await w.project();
    const r = await w.cli(root, ["install", "acme/unsigned@v0.1.0", "--allow-unsigned", "--json"]);
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.json.data.plugins[0].verification, {
      method: "unsigned",
      reason: "verification skipped by --allow-unsigned",
    });
    const lock = await readLock(root);
    assertStringIncludes(lock, `method = "unsigned"\nreason = "verification skipped by --allow-unsigned"`);
    assert(!lock.includes("bundle ="), "no bundle digest for an unsigned install");

    for (const value of ["1", "true", "YES"]) {
      const root2 = await w.project();
      const r2 = await w.cli(root2, ["install", "acme/unsigned@v0.1.0", "--json"], {
        env: { SAMUEL_VERIFY_ALLOW_UNSIGNED: value },
      });
      assertEquals(r2.code, 0, r2.stderr);
      assertStringIncludes(
        await readLock(root2),
        `reason = "verification skipped by SAMUEL_VERIFY_ALLOW_UNSIGNED"`,
      );
    }
    const root3 = await w.project();
    const r3 = await w.cli(root3, ["install", "acme/unsigned@v0.1.0", "--json"], {
      env: { SAMUEL_VERIFY_ALLOW_UNSIGNED: "0" },
    });
    assertEquals(r3.code, 4);
  });

  await t.step("human output names the signer and marks risky grants", async () => {
    await w.publish({ repo: "human", manifest: { env: ["HOME"] } });
    const root = await w.project();
    const r = await w.cli(root, ["install", "acme/human@v0.1.0", "--trusted-root", w.trustedRoot, "--yes"]);
    assertEquals(r.code, 0, r.stderr);
    assertStringIncludes(r.stderr, `verified signed by ${releaseSan("acme", "human")}`);
    assertMatch(r.stderr, /!\s+env\s+HOME\s+reads the environment variable HOME/);
    assertStringIncludes(r.stdout, "human 0.1.0 installed in");
  });
});
