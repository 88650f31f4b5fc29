/**
 * In-toto attestations (DSSE bundles) signed for real by `@sigstore/sign` against a mock Sigstore
 * instance, as GitHub's `actions/attest-build-provenance` makes them: an attestation whose subject is the
 * file verifies and reports its predicate type; every way it can be about another file, of another kind
 * or from another signer is refused with its own code; and `verifyFirstAcceptable` picks the first of
 * several bundles that verifies.
 */

import { assertEquals, assertStringIncludes } from "../support/assert.ts";
import {
  ACME_RELEASE_SAN,
  SLSA_PROVENANCE_V1,
  startMockSigstore,
  toBundleV03,
} from "../support/sigstore_mock.ts";
import { buildPolicy, verifyFirstAcceptable } from "../../src/verify/mod.ts";
import { expectVerifyError, mockVerifier } from "./helpers.ts";

const ARTIFACT = new TextEncoder().encode("\0asm pretend plugin bytes, attested");
const OTHER = new TextEncoder().encode("\0asm some other module");
const POLICY = buildPolicy({ github: { owner: "acme", repo: "hello" } });
const NAME = "plugin.wasm.bundle";

const verify = mockVerifier(ARTIFACT, NAME, POLICY);

function sha256Hex(bytes: Uint8Array): Promise<string> {
  return crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>).then((d) =>
    Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, "0")).join("")
  );
}

// The signing client's keep-alive sockets outlive a test.
const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "attestation: SLSA provenance about the file verifies and reports its predicate type",
  ...opts,
  fn: async () => {
    await using sigstore = await startMockSigstore();
    const bundleText = await sigstore.attest(ARTIFACT);
    assertEquals(JSON.parse(bundleText).dsseEnvelope.payloadType, "application/vnd.in-toto+json");
    const result = await verify(sigstore, bundleText);
    assertEquals(result.attestation, { predicateType: SLSA_PROVENANCE_V1 });
    assertEquals(result.san, ACME_RELEASE_SAN);
    assertEquals(result.issuer, "https://token.actions.githubusercontent.com");
    assertEquals(result.integratedTime, sigstore.clock.toISOString());
    // The same bundle in v0.3 form (a single certificate), as GitHub's attest action writes it.
    const v03 = await verify(sigstore, toBundleV03(bundleText));
    assertEquals(v03.attestation, { predicateType: SLSA_PROVENANCE_V1 });
    // A message signature carries no attestation record.
    assertEquals((await verify(sigstore, await sigstore.sign(ARTIFACT))).attestation, undefined);
  },
});

Deno.test({
  name: "attestation: one of several subjects naming the file is enough (upper-case hex too)",
  ...opts,
  fn: async () => {
    await using sigstore = await startMockSigstore();
    const subjects: { name: string; digest: Record<string, string> }[] = [
      { name: "other.wasm", digest: { sha256: await sha256Hex(OTHER) } },
      { name: "plugin.wasm", digest: { sha512: "00", sha256: (await sha256Hex(ARTIFACT)).toUpperCase() } },
    ];
    const result = await verify(sigstore, await sigstore.attest(ARTIFACT, { subjects }));
    assertEquals(result.attestation?.predicateType, SLSA_PROVENANCE_V1);
  },
});

Deno.test({
  name: "attestation: about another file, or about nothing, is refused with SAM-VERIFY-020",
  ...opts,
  fn: async () => {
    await using sigstore = await startMockSigstore();
    const other = await sigstore.attest(OTHER, { name: "other.wasm" });
    const e = await expectVerifyError(verify(sigstore, other), "SAM-VERIFY-020");
    assertStringIncludes(e.message, await sha256Hex(ARTIFACT));
    assertStringIncludes(e.reason ?? "", `other.wasm sha256:${await sha256Hex(OTHER)}`);

    const none = await sigstore.attest(ARTIFACT, { subjects: [] });
    const e2 = await expectVerifyError(verify(sigstore, none), "SAM-VERIFY-020");
    assertStringIncludes(e2.reason ?? "", "lists no subject");

    const sha512Only = await sigstore.attest(ARTIFACT, {
      subjects: [{ name: "x", digest: { sha512: "ab" } }],
    });
    await expectVerifyError(verify(sigstore, sha512Only), "SAM-VERIFY-020");
  },
});

Deno.test({
  name: "attestation: the signer policy applies as to signatures (SAM-VERIFY-010, SAM-VERIFY-011)",
  ...opts,
  fn: async () => {
    await using sigstore = await startMockSigstore();
    const branch = await sigstore.attest(ARTIFACT, {
      san: "https://github.com/acme/hello/.github/workflows/release.yml@refs/heads/main",
    });
    await expectVerifyError(verify(sigstore, branch), "SAM-VERIFY-011");
    const issuer = await sigstore.attest(ARTIFACT, { issuer: "https://accounts.google.com" });
    await expectVerifyError(verify(sigstore, issuer), "SAM-VERIFY-010");
    await using theirs = await startMockSigstore();
    await expectVerifyError(verify(sigstore, await theirs.attest(ARTIFACT)), "SAM-VERIFY-009");
  },
});

Deno.test({
  name: "attestation: a changed statement or a swapped signature no longer verifies (SAM-VERIFY-007)",
  ...opts,
  fn: async () => {
    await using sigstore = await startMockSigstore();
    // Swap in an envelope payload about the file that was never signed (the signed one is about OTHER).
    const signed = JSON.parse(await sigstore.attest(OTHER, { timestamp: false }));
    const forged = JSON.parse(await sigstore.attest(ARTIFACT, { timestamp: false }));
    signed.dsseEnvelope.payload = forged.dsseEnvelope.payload;
    const e = await expectVerifyError(verify(sigstore, JSON.stringify(signed)), "SAM-VERIFY-007");
    assertStringIncludes(e.message, "not the one recorded in the transparency log");
    // A signature from another signing of the same statement: the log recorded the first one.
    const again = JSON.parse(await sigstore.attest(ARTIFACT, { timestamp: false }));
    again.dsseEnvelope.signatures = forged.dsseEnvelope.signatures;
    await expectVerifyError(verify(sigstore, JSON.stringify(again)), "SAM-VERIFY-007");
  },
});

Deno.test({
  name: "attestation: a malformed envelope or statement is refused with its code, never a crash",
  ...opts,
  fn: async () => {
    await using sigstore = await startMockSigstore();
    const good = JSON.parse(await sigstore.attest(ARTIFACT));
    const variant = (change: (b: typeof good) => void) => {
      const b = structuredClone(good);
      change(b);
      return JSON.stringify(b);
    };
    const statement = (s: unknown) => btoa(JSON.stringify(s));
    const malformed = [
      variant((b) => b.dsseEnvelope.signatures = []),
      variant((b) => b.dsseEnvelope.signatures.push(b.dsseEnvelope.signatures[0])),
      variant((b) => b.dsseEnvelope.signatures[0].sig = "not base64!"),
      variant((b) => b.dsseEnvelope.payload = "%%%"),
      variant((b) => b.dsseEnvelope.payload = btoa("not json")),
      variant((b) => b.dsseEnvelope.payload = statement([1, 2])),
      variant((b) =>
        b.dsseEnvelope.payload = statement({ _type: "https://in-toto.io/Statement/v1", subject: [] })
      ),
      variant((b) =>
        b.dsseEnvelope.payload = statement({ _type: "https://in-toto.io/Statement/v1", predicateType: "x" })
      ),
      variant((b) => b.messageSignature = { messageDigest: { algorithm: "SHA2_256", digest: "" } }),
    ];
    for (const text of malformed) await expectVerifyError(verify(sigstore, text), "SAM-VERIFY-005");
    const v01 = await sigstore.attest(ARTIFACT, { statementType: "https://in-toto.io/Statement/v0.1" });
    const e = await expectVerifyError(verify(sigstore, v01), "SAM-VERIFY-004");
    assertStringIncludes(e.message, "Statement/v0.1");
  },
});

Deno.test({
  name: "attestation: [security].require_predicate_type accepts only that type (SAM-VERIFY-021)",
  ...opts,
  fn: async () => {
    await using sigstore = await startMockSigstore();
    const policy = buildPolicy({
      github: { owner: "acme", repo: "hello" },
      requirePredicateType: SLSA_PROVENANCE_V1,
    });
    assertEquals(policy.requiredPredicateType, SLSA_PROVENANCE_V1);
    const slsa = await sigstore.attest(ARTIFACT);
    assertEquals((await verify(sigstore, slsa, { policy })).attestation?.predicateType, SLSA_PROVENANCE_V1);

    const sbom = await sigstore.attest(ARTIFACT, { predicateType: "https://spdx.dev/Document/v2.3" });
    const e = await expectVerifyError(verify(sigstore, sbom, { policy }), "SAM-VERIFY-021");
    assertStringIncludes(e.message, "https://spdx.dev/Document/v2.3");
    assertStringIncludes(e.message, SLSA_PROVENANCE_V1);

    const plain = await sigstore.sign(ARTIFACT);
    const e2 = await expectVerifyError(verify(sigstore, plain, { policy }), "SAM-VERIFY-021");
    assertStringIncludes(e2.message, "plain signature");

    for (const bad of ["", " ", "https://slsa.dev/provenance/v1 extra"]) {
      await expectVerifyError(
        Promise.resolve().then(() => buildPolicy({ requirePredicateType: bad })),
        "SAM-VERIFY-014",
        2,
      );
    }
  },
});

Deno.test({
  name: "verifyFirstAcceptable: keeps the first bundle that verifies; reports the first failure otherwise",
  ...opts,
  fn: async () => {
    await using sigstore = await startMockSigstore();
    const base = { artifact: ARTIFACT, policy: POLICY, trustedRoot: sigstore.trustedRoot, missingName: NAME };
    const aboutOther = { name: "api #1", text: await sigstore.attest(OTHER) };
    const good = { name: "api #2", text: await sigstore.attest(ARTIFACT) };
    const picked = await verifyFirstAcceptable({ ...base, candidates: [aboutOther, good] });
    assertEquals(picked.index, 1);
    assertEquals(picked.result.attestation?.predicateType, SLSA_PROVENANCE_V1);

    const e = await expectVerifyError(
      verifyFirstAcceptable({ ...base, candidates: [aboutOther, { name: "api #2", text: "{" }] }),
      "SAM-VERIFY-020",
    );
    assertStringIncludes(e.reason ?? "", "none of the 2 bundles");
    const missing = await expectVerifyError(
      verifyFirstAcceptable({ ...base, candidates: [] }),
      "SAM-VERIFY-001",
    );
    assertStringIncludes(missing.message, NAME);
  },
});
