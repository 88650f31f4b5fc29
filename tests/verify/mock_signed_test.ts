/**
 * Plugins signed for real by `@sigstore/sign` against a mock Sigstore instance (tests/support/
 * sigstore_mock.ts), verified against that instance's trusted root: the valid bundle and its v0.3 form
 * verify, and every way a bundle can be wrong fails with its own code.
 */

import { assert, assertEquals, assertStringIncludes } from "../support/assert.ts";
import { ACME_RELEASE_SAN, startMockSigstore, toBundleV03 } from "../support/sigstore_mock.ts";
import { buildPolicy, readTrustedRootFile } from "../../src/verify/mod.ts";
import { expectVerifyError, mockVerifier } from "./helpers.ts";

const ARTIFACT = new TextEncoder().encode("\0asm pretend plugin bytes");
const POLICY = buildPolicy({ github: { owner: "acme", repo: "hello" } });
const BUNDLE_NAME = "hello.wasm.bundle";

const verify = mockVerifier(ARTIFACT, BUNDLE_NAME, POLICY);

/** Edits a bundle's JSON (loosely typed on purpose: the tests break bundles in every direction). */
// deno-lint-ignore no-explicit-any
function edit(bundleText: string, change: (bundle: Record<string, any>) => void): string {
  const bundle = JSON.parse(bundleText);
  change(bundle);
  return JSON.stringify(bundle);
}

// The network sanitizers would flag the keep-alive sockets of the signing client, which outlive a test.
const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "mock-signed: a valid v0.2 bundle verifies under the default policy for acme/hello",
  ...opts,
  fn: async () => {
    await using sigstore = await startMockSigstore();
    const bundleText = await sigstore.sign(ARTIFACT);
    const result = await verify(sigstore, bundleText);
    assertEquals(result.san, ACME_RELEASE_SAN);
    assertEquals(result.issuer, "https://token.actions.githubusercontent.com");
    assertEquals(result.mediaType, "application/vnd.dev.sigstore.bundle+json;version=0.2");
    assertEquals(result.integratedTime, sigstore.clock.toISOString());
    assert(Number.isSafeInteger(result.logIndex));
  },
});

Deno.test({
  name: "mock-signed: converted to v0.3 (both media type spellings) it verifies",
  ...opts,
  fn: async () => {
    await using sigstore = await startMockSigstore();
    const v02 = await sigstore.sign(ARTIFACT);
    for (
      const mediaType of [
        "application/vnd.dev.sigstore.bundle.v0.3+json",
        "application/vnd.dev.sigstore.bundle+json;version=0.3",
      ]
    ) {
      const v03 = toBundleV03(v02, mediaType);
      assert(JSON.parse(v03).verificationMaterial.certificate, "v0.3 carries a single certificate");
      assertEquals((await verify(sigstore, v03)).mediaType, mediaType);
    }
  },
});

Deno.test({
  name: "mock-signed: without a TSA timestamp the log entry alone is enough",
  ...opts,
  fn: async () => {
    await using sigstore = await startMockSigstore();
    const bundleText = await sigstore.sign(ARTIFACT, { timestamp: false });
    assertEquals((await verify(sigstore, bundleText)).san, ACME_RELEASE_SAN);
  },
});

Deno.test({
  name: "mock-signed: a tampered artifact gives SAM-VERIFY-006",
  ...opts,
  fn: async () => {
    await using sigstore = await startMockSigstore();
    const bundleText = await sigstore.sign(ARTIFACT);
    const tampered = ARTIFACT.slice();
    tampered[tampered.length - 1] ^= 1;
    const e = await expectVerifyError(verify(sigstore, bundleText, { artifact: tampered }), "SAM-VERIFY-006");
    assertStringIncludes(e.message, BUNDLE_NAME);
  },
});

Deno.test({
  name: "mock-signed: a wrong issuer gives SAM-VERIFY-010 with expected and seen",
  ...opts,
  fn: async () => {
    await using sigstore = await startMockSigstore();
    const bundleText = await sigstore.sign(ARTIFACT, { issuer: "https://accounts.google.com" });
    const e = await expectVerifyError(verify(sigstore, bundleText), "SAM-VERIFY-010");
    assertStringIncludes(e.message, "expected https://token.actions.githubusercontent.com");
    assertStringIncludes(e.message, "saw https://accounts.google.com");
  },
});

Deno.test({
  name: "mock-signed: wrong identities, including unanchored look-alikes, give SAM-VERIFY-011",
  ...opts,
  fn: async () => {
    await using sigstore = await startMockSigstore();
    const lookAlikes = [
      // Another repository of the same owner, and one whose name extends the expected one.
      "https://github.com/acme/other/.github/workflows/release.yml@refs/tags/v0.1.0",
      "https://github.com/acme/hello-evil/.github/workflows/release.yml@refs/tags/v0.1.0",
      // The expected SAN as a substring of another one.
      `https://evil.example/${ACME_RELEASE_SAN}`,
      `${ACME_RELEASE_SAN.replace("https://", "https://evil.example/")}`,
      // The right workflow, but from a branch rather than a tag.
      "https://github.com/acme/hello/.github/workflows/release.yml@refs/heads/main",
    ];
    for (const san of lookAlikes) {
      const bundleText = await sigstore.sign(ARTIFACT, { san });
      const e = await expectVerifyError(verify(sigstore, bundleText), "SAM-VERIFY-011");
      assertStringIncludes(e.message, san);
      assertStringIncludes(e.reason ?? "", POLICY.identityPatterns[0]);
    }
  },
});

Deno.test({
  name: "mock-signed: `*` in a configured pattern does not cross `/`",
  ...opts,
  fn: async () => {
    await using sigstore = await startMockSigstore();
    const policy = buildPolicy({
      identityPatterns: ["https://github.com/acme/*/.github/workflows/release.yml@refs/tags/*"],
    });
    const ok = await sigstore.sign(ARTIFACT);
    assertEquals((await verify(sigstore, ok, { policy })).san, ACME_RELEASE_SAN);
    for (
      const san of [
        "https://github.com/acme/a/b/.github/workflows/release.yml@refs/tags/v1",
        "https://github.com/acme/hello/.github/workflows/release.yml@refs/tags/v1/x",
      ]
    ) {
      const bundleText = await sigstore.sign(ARTIFACT, { san });
      await expectVerifyError(verify(sigstore, bundleText, { policy }), "SAM-VERIFY-011");
    }
  },
});

Deno.test({
  name: "mock-signed: a source with no identity pattern refuses every signer (SAM-VERIFY-011)",
  ...opts,
  fn: async () => {
    await using sigstore = await startMockSigstore();
    const bundleText = await sigstore.sign(ARTIFACT);
    const e = await expectVerifyError(
      verify(sigstore, bundleText, { policy: buildPolicy({}) }),
      "SAM-VERIFY-011",
    );
    assertStringIncludes(e.reason ?? "", "no identity pattern");
  },
});

Deno.test({
  name: "mock-signed: a bundle from another Sigstore instance gives SAM-VERIFY-009",
  ...opts,
  fn: async () => {
    await using ours = await startMockSigstore();
    await using theirs = await startMockSigstore();
    const bundleText = await theirs.sign(ARTIFACT);
    const e = await expectVerifyError(verify(ours, bundleText), "SAM-VERIFY-009");
    assertStringIncludes(e.reason ?? "", "another Sigstore instance");
  },
});

Deno.test({
  name:
    "mock-signed: a certificate from a CA not in the root gives SAM-VERIFY-009 even when its log is trusted",
  ...opts,
  fn: async () => {
    await using ours = await startMockSigstore();
    await using theirs = await startMockSigstore();
    const bundleText = await theirs.sign(ARTIFACT);
    // Trust their log, CT log and TSA, but only our CA: the chain check alone must refuse it.
    const root = structuredClone(ours.trustedRoot) as Record<string, unknown[]>;
    for (const key of ["tlogs", "ctlogs", "timestampAuthorities"]) {
      root[key] = [...root[key], ...(theirs.trustedRoot[key] as unknown[])];
    }
    const e = await expectVerifyError(verify(ours, bundleText, { trustedRoot: root }), "SAM-VERIFY-009");
    assertStringIncludes(e.reason ?? "", "CERTIFICATE_ERROR");
  },
});

Deno.test({
  name: "mock-signed: a timestamp from an untrusted TSA gives SAM-VERIFY-012",
  ...opts,
  fn: async () => {
    await using sigstore = await startMockSigstore();
    const bundleText = await sigstore.sign(ARTIFACT);
    const root = { ...sigstore.trustedRoot, timestampAuthorities: [] };
    await expectVerifyError(verify(sigstore, bundleText, { trustedRoot: root }), "SAM-VERIFY-012");
  },
});

Deno.test({
  name: "mock-signed: a DSSE envelope that is not an in-toto attestation is refused with SAM-VERIFY-004",
  ...opts,
  fn: async () => {
    await using sigstore = await startMockSigstore();
    const bundleText = await sigstore.sign(ARTIFACT, { dssePayloadType: "text/plain" });
    assert(JSON.parse(bundleText).dsseEnvelope, "the mock signed a DSSE bundle");
    const e = await expectVerifyError(verify(sigstore, bundleText), "SAM-VERIFY-004");
    assertStringIncludes(e.message, '"text/plain", not an in-toto attestation');
  },
});

Deno.test({
  name: "mock-signed: a public-key bundle is refused with SAM-VERIFY-004",
  ...opts,
  fn: async () => {
    await using sigstore = await startMockSigstore();
    const bundleText = edit(await sigstore.sign(ARTIFACT), (b) => {
      delete b.verificationMaterial.x509CertificateChain;
      b.verificationMaterial.publicKey = { hint: "a-key-id" };
    });
    const e = await expectVerifyError(verify(sigstore, bundleText), "SAM-VERIFY-004");
    assertStringIncludes(e.message, "public key");
  },
});

Deno.test({
  name: "mock-signed: unknown media types (v0.4, none) are refused with SAM-VERIFY-003",
  ...opts,
  fn: async () => {
    await using sigstore = await startMockSigstore();
    const v02 = await sigstore.sign(ARTIFACT);
    for (
      const mediaType of [
        "application/vnd.dev.sigstore.bundle.v0.4+json",
        "application/vnd.dev.sigstore.bundle+json;version=0.4",
        "application/json",
      ]
    ) {
      const e = await expectVerifyError(verify(sigstore, toBundleV03(v02, mediaType)), "SAM-VERIFY-003");
      assertStringIncludes(e.message, mediaType);
    }
    await expectVerifyError(verify(sigstore, edit(v02, (b) => delete b.mediaType)), "SAM-VERIFY-003");
  },
});

Deno.test({
  name: "mock-signed: a bundle without a transparency log entry gives SAM-VERIFY-008",
  ...opts,
  fn: async () => {
    await using sigstore = await startMockSigstore();
    const bundleText = edit(await sigstore.sign(ARTIFACT), (b) => b.verificationMaterial.tlogEntries = []);
    const e = await expectVerifyError(verify(sigstore, bundleText), "SAM-VERIFY-008");
    assertStringIncludes(e.message, "no transparency log entry");
  },
});

Deno.test({
  name: "mock-signed: a forged log inclusion promise gives SAM-VERIFY-008",
  ...opts,
  fn: async () => {
    await using sigstore = await startMockSigstore();
    const bundleText = edit(await sigstore.sign(ARTIFACT), (b) => {
      const entry = b.verificationMaterial.tlogEntries[0];
      entry.integratedTime = String(Number(entry.integratedTime) + 1);
    });
    await expectVerifyError(verify(sigstore, bundleText, { policy: POLICY }), "SAM-VERIFY-008");
  },
});

Deno.test({
  name: "mock-signed: a swapped signature gives SAM-VERIFY-007",
  ...opts,
  fn: async () => {
    await using sigstore = await startMockSigstore();
    // Without TSA timestamps: a timestamp covers the signature, so swapping it would fail that check first.
    const other = JSON.parse(await sigstore.sign(ARTIFACT, { timestamp: false }));
    const bundleText = edit(await sigstore.sign(ARTIFACT, { timestamp: false }), (b) => {
      b.messageSignature.signature = other.messageSignature.signature;
    });
    await expectVerifyError(verify(sigstore, bundleText), "SAM-VERIFY-007");
  },
});

Deno.test({
  name: "mock-signed: malformed bundles give SAM-VERIFY-005",
  ...opts,
  fn: async () => {
    await using sigstore = await startMockSigstore();
    const good = await sigstore.sign(ARTIFACT);
    const bad = [
      "",
      "{not json",
      "[]",
      edit(good, (b) => delete b.verificationMaterial),
      edit(good, (b) => delete b.messageSignature),
      edit(good, (b) => b.messageSignature.messageDigest.algorithm = "SHA2_512"),
      edit(good, (b) => b.messageSignature.messageDigest.digest = "AAAA"),
      edit(good, (b) => b.verificationMaterial.x509CertificateChain.certificates = []),
    ];
    for (const text of bad) {
      await expectVerifyError(verify(sigstore, text), "SAM-VERIFY-005");
    }
  },
});

Deno.test({
  name:
    "mock-signed: a given trusted root file is read; unusable ones are invalid input (SAM-VERIFY-013, exit 2)",
  ...opts,
  fn: async () => {
    await using sigstore = await startMockSigstore();
    const dir = await Deno.makeTempDir();
    try {
      const path = `${dir}/trusted_root.json`;
      await Deno.writeTextFile(path, JSON.stringify(sigstore.trustedRoot));
      const root = await readTrustedRootFile(path);
      assertEquals(
        (await verify(sigstore, await sigstore.sign(ARTIFACT), { trustedRoot: root })).san,
        ACME_RELEASE_SAN,
      );

      await Deno.writeTextFile(`${dir}/bad.json`, "{");
      await Deno.writeTextFile(`${dir}/other.json`, JSON.stringify({ mediaType: "application/json" }));
      for (const p of [`${dir}/absent.json`, `${dir}/bad.json`, `${dir}/other.json`]) {
        const e = await expectVerifyError(readTrustedRootFile(p), "SAM-VERIFY-013", 2);
        assertStringIncludes(e.message, p);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
