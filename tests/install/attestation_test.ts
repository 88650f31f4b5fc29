/**
 * `samuel install owner/repo@tag` of a plugin released with a GitHub artifact attestation (an in-toto
 * SLSA provenance statement in a DSSE bundle, as `actions/attest-build-provenance` makes it), end to end:
 * the real CLI against the fake GitHub on 127.0.0.1, the attestation signed for real by the mock Sigstore
 * instance. It installs verified from a release asset and from GitHub's attestations API, the lock records
 * the attestation and its predicate type, a reinstall from the lock finds the same bundle, and an
 * attestation about another file or of another predicate type than `[security].require_predicate_type`
 * is refused with exit 4, writing nothing.
 */

import { assert, assertEquals, assertStringIncludes } from "../support/assert.ts";
import { SLSA_PROVENANCE_V1, toBundleV03 } from "../support/sigstore_mock.ts";
import { parseLockfile } from "../../src/project/lockfile.ts";
import { exists, FOREIGN_PLUGIN, readLock, releaseSan, sha256, snapshot, wasm, world } from "./helpers.ts";

const REQUIRE_SLSA = `require_predicate_type = "${SLSA_PROVENANCE_V1}"`;

Deno.test("install a plugin released with a GitHub artifact attestation", async (t) => {
  await using w = await world();
  const TR = ["--trusted-root", w.trustedRoot];

  /** A project whose samuel.toml has `line` in its [security] section. */
  const projectWith = async (line: string) => {
    const root = await w.project();
    const toml = await Deno.readTextFile(`${root}/samuel.toml`);
    await Deno.writeTextFile(
      `${root}/samuel.toml`,
      toml.replace('identity_mode = "add"\n', `identity_mode = "add"\n${line}\n`),
    );
    return root;
  };

  const expectLockedAttestation = async (root: string, bundle: string, bytes: Uint8Array, repo: string) => {
    const lockText = await readLock(root);
    assertStringIncludes(lockText, `attestation = true\npredicate_type = "${SLSA_PROVENANCE_V1}"\n`);
    const e = parseLockfile(lockText).plugins[0];
    assertEquals(e.verification, {
      method: "sigstore",
      san: releaseSan("acme", repo),
      issuer: "https://token.actions.githubusercontent.com",
      logIndex: (e.verification as { logIndex: number }).logIndex,
      attestation: { predicateType: SLSA_PROVENANCE_V1 },
    });
    assertEquals(e.sha256.module, await sha256(bytes));
    assertEquals(e.sha256.bundle, await sha256(bundle));
    assertEquals(await Deno.readFile(`${root}/.samuel/plugins/${repo}/plugin.wasm`), bytes);
    assertEquals(await Deno.readTextFile(`${root}/.samuel/plugins/${repo}/plugin.wasm.bundle`), bundle);
  };

  await t.step(
    "from the release asset plugin.wasm.bundle, verified and locked as an attestation",
    async () => {
      const bytes = await wasm({ exports: ["lint"] });
      // The attest action writes a v0.3 bundle; the release workflow uploads it as plugin.wasm.bundle.
      const bundle = toBundleV03(await w.attest(bytes, releaseSan("acme", "attested")));
      await w.publish({ repo: "attested", wasm: bytes, bundle });
      const root = await projectWith(REQUIRE_SLSA);
      const r = await w.cli(root, ["install", "acme/attested@v0.1.0", ...TR, "--yes", "--json"]);
      assertEquals(r.code, 0, r.stderr);
      const v = r.json.data.plugins[0].verification;
      assertEquals(v.attestation, true);
      assertEquals(v.predicate_type, SLSA_PROVENANCE_V1);
      assertEquals(v.bundle_source, "release-asset");
      assertEquals(v.media_type, "application/vnd.dev.sigstore.bundle.v0.3+json");
      await expectLockedAttestation(root, bundle, bytes, "attested");

      const human = await w.cli(await w.project(), ["install", "acme/attested@v0.1.0", ...TR, "--yes"]);
      assertEquals(human.code, 0, human.stderr);
      assertStringIncludes(
        human.stderr,
        `verified attestation (${SLSA_PROVENANCE_V1}) by ${releaseSan("acme", "attested")}`,
      );
      const info = await w.cli(root, ["info", "attested"]);
      assertEquals(info.code, 0, info.stderr);
      assertStringIncludes(info.stdout, `sigstore attestation ${SLSA_PROVENANCE_V1}`);
    },
  );

  await t.step("from GitHub's attestations API for the module's digest, with GITHUB_TOKEN", async () => {
    const bytes = await wasm({ exports: ["lint"], memoryPages: 2 });
    const bundle = JSON.parse(toBundleV03(await w.attest(bytes, releaseSan("acme", "apiattested"))));
    await w.publish({ repo: "apiattested", wasm: bytes, san: null }); // no bundle asset at all
    const apiPath = `/repos/acme/apiattested/attestations/sha256:${await sha256(bytes)}`;
    w.gh.file(apiPath, JSON.stringify({ attestations: [{ bundle, repository_id: 7 }] }), {
      "content-type": "application/json",
    });
    const root = await w.project();
    const r = await w.cli(root, ["install", "acme/apiattested@v0.1.0", ...TR, "--yes", "--json"], {
      env: { GITHUB_TOKEN: "gh-test-token" },
    });
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.json.data.plugins[0].verification.bundle_source, "attestations-api");
    await expectLockedAttestation(root, JSON.stringify(bundle), bytes, "apiattested");
    const asked = w.gh.requests.filter((q) => q.path === apiPath);
    assertEquals(asked.map((q) => q.headers.authorization), ["Bearer gh-test-token"]);

    // A fresh checkout reinstalls from the lock: the API gives the same bundle, which the lock pins.
    const checkout = await w.project();
    const toml = (await Deno.readTextFile(`${root}/samuel.toml`)).replace(FOREIGN_PLUGIN, "\n");
    await Deno.writeTextFile(`${checkout}/samuel.toml`, toml);
    await Deno.writeTextFile(`${checkout}/samuel.lock`, await readLock(root));
    const again = await w.cli(checkout, ["install", ...TR, "--json", "--frozen"]);
    assertEquals(again.code, 0, again.stderr);
    assertEquals(again.json.data.plugins[0].action, "reinstalled");
    assertEquals(await readLock(checkout), await readLock(root));
  });

  const refused = async (root: string, source: string, errorCode: string, text: string) => {
    const before = await snapshot(root);
    const r = await w.cli(root, ["install", source, ...TR, "--yes", "--json"]);
    assertEquals(r.code, 4, r.stdout + r.stderr);
    assertEquals(r.json.error.code, errorCode, r.json.error.message);
    assertStringIncludes(r.json.error.message, text);
    assertEquals(await snapshot(root), before, "the project is unchanged");
    assert(!(await exists(`${root}/samuel.lock`)));
    assert(!(await exists(`${root}/.samuel/plugins/${source.split("/")[1].split("@")[0]}`)));
    return r;
  };

  await t.step("an attestation whose subject is another module is refused (SAM-VERIFY-020)", async () => {
    const bytes = await wasm({ exports: ["lint"] });
    const other = await wasm({ exports: ["lint", "fix"] });
    const aboutOther = await w.attest(other, releaseSan("acme", "othersubject"));
    await w.publish({ repo: "othersubject", wasm: bytes, bundle: aboutOther });
    const r = await refused(
      await w.project(),
      "acme/othersubject@v0.1.0",
      "SAM-VERIFY-020",
      await sha256(bytes),
    );
    assertStringIncludes(r.json.error.cause, await sha256(other));

    // The same through the API (a listing that answers with an attestation for another digest).
    await w.publish({ repo: "apiother", wasm: bytes, san: null });
    w.gh.file(
      `/repos/acme/apiother/attestations/sha256:${await sha256(bytes)}`,
      JSON.stringify({
        attestations: [{ bundle: JSON.parse(await w.attest(other, releaseSan("acme", "apiother"))) }],
      }),
    );
    await refused(await w.project(), "acme/apiother@v0.1.0", "SAM-VERIFY-020", "is not about this file");
  });

  await t.step(
    "[security].require_predicate_type refuses another predicate type (SAM-VERIFY-021)",
    async () => {
      const bytes = await wasm({ exports: ["lint"] });
      const sbom = await w.attest(bytes, releaseSan("acme", "sbom"), {
        predicateType: "https://spdx.dev/Document/v2.3",
      });
      await w.publish({ repo: "sbom", wasm: bytes, bundle: sbom });
      const r = await refused(
        await projectWith(REQUIRE_SLSA),
        "acme/sbom@v0.1.0",
        "SAM-VERIFY-021",
        SLSA_PROVENANCE_V1,
      );
      assertStringIncludes(r.json.error.message, "https://spdx.dev/Document/v2.3");

      // A plain cosign signature has no predicate type at all.
      await w.publish({ repo: "cosigned" });
      await refused(
        await projectWith(REQUIRE_SLSA),
        "acme/cosigned@v0.1.0",
        "SAM-VERIFY-021",
        "plain signature",
      );

      // Without the requirement, the same SBOM attestation is a valid signature.
      const ok = await w.cli(await w.project(), ["install", "acme/sbom@v0.1.0", ...TR, "--yes", "--json"]);
      assertEquals(ok.code, 0, ok.stderr);
      assertEquals(ok.json.data.plugins[0].verification.predicate_type, "https://spdx.dev/Document/v2.3");

      // A malformed requirement is a config error (exit 2) before anything is fetched.
      const bad = await projectWith('require_predicate_type = "slsa provenance"');
      const r2 = await w.cli(bad, ["install", "acme/sbom@v0.1.0", ...TR, "--yes", "--json"]);
      assertEquals(r2.code, 2, r2.stderr);
      assertEquals(r2.json.error.code, "SAM-CONFIG-003");
    },
  );
});
