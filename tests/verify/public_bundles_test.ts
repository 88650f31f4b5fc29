/**
 * Real public Sigstore bundles (sigstore-conformance assets, a cosign legacy bundle) against the embedded
 * public-good trusted root: the accepted media types verify with their real identity, and each broken
 * bundle fails with its own code.
 */

import { assertEquals, assertStringIncludes } from "../support/assert.ts";
import { verifyArtifact } from "../../src/verify/mod.ts";
import {
  CONFORMANCE_POLICY,
  CONFORMANCE_SAN,
  expectVerifyError,
  publicBytes,
  publicText,
} from "./helpers.ts";

const ARTIFACT = publicBytes("conformance/a.txt");

function verifyCase(name: string, policy = CONFORMANCE_POLICY, artifact = ARTIFACT) {
  return verifyArtifact({
    artifact,
    bundleText: publicText(`conformance/${name}/bundle.sigstore.json`),
    bundleName: `${name}.sigstore.json`,
    policy,
  });
}

const HAPPY: [string, string, number][] = [
  ["happy-path-v0.1", "application/vnd.dev.sigstore.bundle+json;version=0.1", 27246492],
  ["happy-path-v0.2", "application/vnd.dev.sigstore.bundle+json;version=0.2", 27246492],
  ["happy-path-v0.3", "application/vnd.dev.sigstore.bundle+json;version=0.3", 79571823],
  ["happy-path-v0.3-new-mediaType", "application/vnd.dev.sigstore.bundle.v0.3+json", 79571823],
];

for (const [name, mediaType, logIndex] of HAPPY) {
  Deno.test(`public bundle ${name} verifies against the embedded public-good root`, async () => {
    const result = await verifyCase(name);
    assertEquals(result.method, "sigstore");
    assertEquals(result.san, CONFORMANCE_SAN);
    assertEquals(result.issuer, "https://token.actions.githubusercontent.com");
    assertEquals(result.mediaType, mediaType);
    assertEquals(result.logIndex, logIndex);
    assertEquals(typeof result.integratedTime, "string");
    assertEquals(result.bundleSha256.length, 64);
  });
}

Deno.test("public bundle verifies against the same root given as a file's JSON", async () => {
  const root = JSON.parse(publicText("trusted_root.public-good.json"));
  const result = await verifyArtifact({
    artifact: ARTIFACT,
    bundleText: publicText("conformance/happy-path-v0.3/bundle.sigstore.json"),
    bundleName: "a.txt.bundle",
    policy: CONFORMANCE_POLICY,
    trustedRoot: root,
    trustedRootOrigin: "trusted_root.public-good.json",
  });
  assertEquals(result.san, CONFORMANCE_SAN);
});

Deno.test("public _fail: signature-mismatch gives SAM-VERIFY-007 (signature invalid)", async () => {
  await expectVerifyError(verifyCase("signature-mismatch_fail"), "SAM-VERIFY-007");
});

Deno.test("public _fail: message-digest-mismatch gives SAM-VERIFY-006 (artifact digest mismatch)", async () => {
  const e = await expectVerifyError(verifyCase("message-digest-mismatch_fail"), "SAM-VERIFY-006");
  assertStringIncludes(e.reason ?? "", "a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf");
});

Deno.test("public _fail: wrong-hashedrekord-artifact gives SAM-VERIFY-007 (log entry is another signature)", async () => {
  await expectVerifyError(verifyCase("wrong-hashedrekord-artifact_fail"), "SAM-VERIFY-007");
});

Deno.test("public _fail: bundle-from-wrong-instance gives SAM-VERIFY-009 (not trusted by the root)", async () => {
  const e = await expectVerifyError(verifyCase("bundle-from-wrong-instance_fail"), "SAM-VERIFY-009");
  assertStringIncludes(e.fix ?? "", "--trusted-root");
});

Deno.test("public _fail: set-invalid-signature gives SAM-VERIFY-008 (transparency log entry invalid)", async () => {
  await expectVerifyError(verifyCase("set-invalid-signature_fail"), "SAM-VERIFY-008");
});

Deno.test("public: a tampered artifact gives SAM-VERIFY-006", async () => {
  const tampered = new TextEncoder().encode("not the signed text\n");
  await expectVerifyError(verifyCase("happy-path-v0.3", CONFORMANCE_POLICY, tampered), "SAM-VERIFY-006");
});

Deno.test("public: the real identity fails another repository's default policy with SAM-VERIFY-011", async () => {
  const policy = {
    issuer: "https://token.actions.githubusercontent.com",
    identityPatterns: ["https://github.com/acme/hello/.github/workflows/*@refs/tags/**"],
  };
  const e = await expectVerifyError(verifyCase("happy-path-v0.3", policy), "SAM-VERIFY-011");
  assertStringIncludes(e.message, CONFORMANCE_SAN);
  assertStringIncludes(e.reason ?? "", "https://github.com/acme/hello/.github/workflows/*@refs/tags/**");
});

Deno.test("public: an issuer with a trailing slash is another issuer (SAM-VERIFY-010)", async () => {
  const policy = { ...CONFORMANCE_POLICY, issuer: "https://token.actions.githubusercontent.com/" };
  const e = await expectVerifyError(verifyCase("happy-path-v0.3", policy), "SAM-VERIFY-010");
  assertStringIncludes(e.message, "expected https://token.actions.githubusercontent.com/");
  assertStringIncludes(e.message, "saw https://token.actions.githubusercontent.com");
});

Deno.test("public: cosign's legacy bundle gets SAM-VERIFY-002 naming --new-bundle-format", async () => {
  const e = await expectVerifyError(
    verifyArtifact({
      artifact: publicBytes("legacy-cosign/artifact.txt"),
      bundleText: publicText("legacy-cosign/artifact.bundle"),
      bundleName: "artifact.bundle",
      policy: CONFORMANCE_POLICY,
    }),
    "SAM-VERIFY-002",
  );
  assertStringIncludes(e.fix ?? "", "cosign sign-blob --new-bundle-format");
  assertStringIncludes(e.message, "artifact.bundle");
});

Deno.test("public: a missing bundle says `signature bundle missing` and names the file (SAM-VERIFY-001)", async () => {
  const e = await expectVerifyError(
    verifyArtifact({
      artifact: ARTIFACT,
      bundleText: undefined,
      bundleName: "hello.wasm.bundle",
      policy: CONFORMANCE_POLICY,
    }),
    "SAM-VERIFY-001",
  );
  assertStringIncludes(e.message, "signature bundle missing");
  assertStringIncludes(e.message, "hello.wasm.bundle");
  assertStringIncludes(e.fix ?? "", "--allow-unsigned");
});
