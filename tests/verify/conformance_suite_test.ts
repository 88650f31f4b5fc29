/**
 * Every case of the public sigstore-conformance `bundle-verify` suite (tests/fixtures/sigstore-conformance/,
 * read as its README says) through samuel's verifier. A case samuel refuses on purpose is listed in
 * REFUSED_BY_POLICY with the reason; every other case gets the upstream verdict: a `_fail` case is refused
 * with a coded SAM-VERIFY error (the code its README's failure maps to, where EXPECTED_FAILURE lists it),
 * and every other case verifies with the case's identity. DSSE cases are in-toto attestations whose
 * subject must be the artifact.
 */

import { assert, assertEquals } from "../support/assert.ts";
import { isSamuelError } from "../../src/errors.ts";
import { verifyArtifact } from "../../src/verify/mod.ts";

const SUITE = new URL("../fixtures/sigstore-conformance/", import.meta.url);
const DEFAULT_SAN = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/" +
  ".github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const DEFAULT_ISSUER = "https://token.actions.githubusercontent.com";

/**
 * Cases upstream expects to verify that samuel refuses by policy, with the code it gives. A bundle signed
 * with a managed key carries no signer identity, so samuel's identity policy (DESIGN.md 6.3: the
 * certificate SAN must match an anchored pattern) cannot be applied to it: samuel accepts keyless
 * (Fulcio certificate) bundles only.
 */
const REFUSED_BY_POLICY: Record<string, { code: string; reason: string }> = {
  "managed-key-happy-path": {
    code: "SAM-VERIFY-004",
    reason: "key-signed bundle: no certificate, so no signer identity to check",
  },
  "managed-key-and-trusted-root": {
    code: "SAM-VERIFY-004",
    reason: "key-signed bundle: no certificate, so no signer identity to check",
  },
};

/**
 * The code each `_fail` case is refused with: the failure its README names, in samuel's terms. The two
 * managed-key `_fail` cases are refused by the same policy as above, before the key question upstream
 * asks (no key given, a wrong key) arises.
 */
const EXPECTED_FAILURE: Record<string, string> = {
  "bundle-empty-certificate-chain_fail": "SAM-VERIFY-005", // malformed: empty chain
  "bundle-from-wrong-instance_fail": "SAM-VERIFY-009", // staging's log is not in the public-good root
  "bundle-invalid-base64-signature_fail": "SAM-VERIFY-005", // malformed: signature not base64
  "bundle-malformed-json_fail": "SAM-VERIFY-005", // malformed: not JSON
  "bundle-negative-log-index_fail": "SAM-VERIFY-005", // malformed: negative log index
  "bundle-unknown-version_fail": "SAM-VERIFY-003", // unsupported media type (version 99.9)
  "bundle-with-root-cert_fail": "SAM-VERIFY-005", // the chain brings its own root certificate
  "checkpoint-bad-keyhint_fail": "SAM-VERIFY-008", // checkpoint not signed by the entry's log
  "checkpoint-wrong-roothash_fail": "SAM-VERIFY-008", // checkpoint does not apply to this proof
  "dsse-invalid-sig_fail": "SAM-VERIFY-007", // envelope signature incorrect
  "dsse-mismatch-envelope_fail": "SAM-VERIFY-007", // envelope is not the logged one
  "dsse-mismatch-sig_fail": "SAM-VERIFY-007", // envelope signature is not the logged one
  "inclusion-proof-corrupted-hash_fail": "SAM-VERIFY-008", // Merkle proof does not verify
  "incorrect-public-key_fail": "SAM-VERIFY-008", // log entry altered: its signed timestamp fails
  "integrated-time-in-future_fail": "SAM-VERIFY-009", // certificate not valid at the integrated time
  "intoto-expired-certificate_fail": "SAM-VERIFY-009", // certificate outside the CA's validity
  "intoto-log-entry-mismatch_fail": "SAM-VERIFY-007", // log entry does not match the envelope
  "intoto-missing-inclusion-proof_fail": "SAM-VERIFY-005", // v0.2 bundle without inclusion proof
  "intoto-set-outside-signing-cert-validity_fail": "SAM-VERIFY-009", // integrated time outside the cert
  "intoto-tsa-timestamp-outside-cert-validity_fail": "SAM-VERIFY-009", // TSA time outside the cert
  "invalid-checkpoint-signature_fail": "SAM-VERIFY-008", // checkpoint signature invalid
  "invalid-ct-key_fail": "SAM-VERIFY-009", // SCT does not verify with the root's CT key
  "invalid-inclusion-proof_fail": "SAM-VERIFY-005", // v0.2 proof without its checkpoint
  "managed-key-no-key_fail": "SAM-VERIFY-004", // key-signed: refused by policy (see above)
  "managed-key-wrong-key_fail": "SAM-VERIFY-004", // key-signed: refused by policy (see above)
  "message-digest-mismatch_fail": "SAM-VERIFY-006", // message digest is not the artifact's
  "rekor2-checkpoint-missing-log-signature_fail": "SAM-VERIFY-008",
  "rekor2-checkpoint-missing-origin_fail": "SAM-VERIFY-008",
  "rekor2-checkpoint-missing-root-hash_fail": "SAM-VERIFY-008",
  "rekor2-checkpoint-missing-size_fail": "SAM-VERIFY-008",
  "rekor2-checkpoint-no-matching-signature_fail": "SAM-VERIFY-008",
  "rekor2-dsse-invalid-sig_fail": "SAM-VERIFY-007", // envelope signed with another key
  "rekor2-dsse-mismatch-envelope_fail": "SAM-VERIFY-007", // envelope is not the logged one
  "rekor2-dsse-mismatch-sig_fail": "SAM-VERIFY-007", // signature is not the logged one
  "rekor2-no-inclusion-proof_fail": "SAM-VERIFY-005", // Rekor v2 entry without inclusion proof
  "rekor2-no-timestamp_fail": "SAM-VERIFY-012", // Rekor v2 needs a TSA timestamp
  "rekor2-timestamp-outside-trust-root-tsa-validity_fail": "SAM-VERIFY-012",
  "rekor2-timestamp-outside-tsa-cert-validity_fail": "SAM-VERIFY-012",
  "rekor2-timestamp-payload-mismatch_fail": "SAM-VERIFY-012", // timestamp covers another signature
  "rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail": "SAM-VERIFY-012",
  "rekor2-timestamp-untrusted-tsa-without-embedded-cert_fail": "SAM-VERIFY-012",
  "rekor2-timestamp-with-incorrect-time_fail": "SAM-VERIFY-009", // timestamp outside the certificate
  "set-invalid-signature_fail": "SAM-VERIFY-008", // signed entry timestamp invalid
  "signature-mismatch_fail": "SAM-VERIFY-007",
  "trust-root-tlog-missing-validity-start_fail": "SAM-VERIFY-013", // the trusted root itself is refused
  "wrong-hashedrekord-artifact_fail": "SAM-VERIFY-007",
  "wrong-hashedrekord-cert-and-sig_fail": "SAM-VERIFY-007",
  "wrong-hashedrekord-entry_fail": "SAM-VERIFY-007",
  "wrong-material_fail": "SAM-VERIFY-006", // artifact is not the signed one
};

/** `read(url)`, or undefined when the case has no such file. */
function optional<T>(read: (url: URL) => T, url: URL): T | undefined {
  try {
    return read(url);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}
const optionalText = (url: URL) => optional(Deno.readTextFileSync, url);
const optionalBytes = (url: URL) => optional(Deno.readFileSync, url);

interface Case {
  name: string;
  artifact: Uint8Array;
  bundleText: string;
  san: string;
  issuer: string;
  trustedRoot?: unknown;
}

function readCase(name: string): Case {
  const dir = new URL(`${name}/`, SUITE);
  const root = optionalText(new URL("trusted_root.json", dir));
  return {
    name,
    artifact: optionalBytes(new URL("artifact", dir)) ?? Deno.readFileSync(new URL("a.txt", SUITE)),
    bundleText: Deno.readTextFileSync(new URL("bundle.sigstore.json", dir)),
    san: optionalText(new URL("identity", dir))?.trim() ?? DEFAULT_SAN,
    issuer: optionalText(new URL("issuer", dir))?.trim() ?? DEFAULT_ISSUER,
    trustedRoot: root === undefined ? undefined : JSON.parse(root),
  };
}

function verifyCase(c: Case) {
  return verifyArtifact({
    artifact: c.artifact,
    bundleText: c.bundleText,
    bundleName: `${c.name}/bundle.sigstore.json`,
    // The SAN as one anchored pattern matches exactly that SAN (it holds no `*`).
    policy: { issuer: c.issuer, identityPatterns: [c.san] },
    trustedRoot: c.trustedRoot,
    trustedRootOrigin: c.trustedRoot === undefined ? undefined : `${c.name}/trusted_root.json`,
  });
}

/** The predicate type of a DSSE case's statement, read from the bundle itself; undefined otherwise. */
function predicateTypeOf(bundleText: string): string | undefined {
  const envelope = JSON.parse(bundleText).dsseEnvelope;
  return envelope ? JSON.parse(atob(envelope.payload)).predicateType : undefined;
}

async function refusal(promise: Promise<unknown>): Promise<{ code: string; exit: number; message: string }> {
  try {
    await promise;
  } catch (e) {
    assert(isSamuelError(e), `a library exception reached the caller unmapped: ${e}`);
    assert(e.code.startsWith("SAM-VERIFY-"), `${e.code}: ${e.message}`);
    assert(e.message && e.reason && e.fix, `${e.code} has message, cause and fix`);
    return { code: e.code, exit: e.exit, message: e.message };
  }
  throw new Error("verification passed");
}

const CASES = [...Deno.readDirSync(SUITE)].filter((e) => e.isDirectory).map((e) => e.name).sort();

Deno.test("conformance suite: the folder holds the whole suite, and every listed case exists", () => {
  assert(CASES.length >= 65, `only ${CASES.length} cases`);
  for (const name of [...Object.keys(REFUSED_BY_POLICY), ...Object.keys(EXPECTED_FAILURE)]) {
    assert(CASES.includes(name), `listed case ${name} is not in the suite`);
  }
  for (const name of Object.keys(REFUSED_BY_POLICY)) assert(!name.endsWith("_fail"), name);
  for (const name of Object.keys(EXPECTED_FAILURE)) assert(name.endsWith("_fail"), name);
  // Every DSSE case is in the run, and the suite still has its DSSE happy paths.
  const dsse = CASES.filter((n) => readCase(n).bundleText.includes('"dsseEnvelope"'));
  assert(dsse.filter((n) => !n.endsWith("_fail")).length >= 3, dsse.join(", "));
});

for (const name of CASES) {
  const policy = REFUSED_BY_POLICY[name];
  if (policy) {
    Deno.test(`conformance ${name}: refused by policy with ${policy.code} (${policy.reason})`, async () => {
      const r = await refusal(verifyCase(readCase(name)));
      assertEquals(r.code, policy.code, r.message);
    });
  } else if (name.endsWith("_fail")) {
    const expected = EXPECTED_FAILURE[name];
    Deno.test(`conformance ${name}: refused${expected ? ` with ${expected}` : ""}`, async () => {
      const r = await refusal(verifyCase(readCase(name)));
      if (expected) assertEquals(r.code, expected, r.message);
      // Only a trusted root the caller gave that cannot be used is invalid input; the rest is exit 4.
      assertEquals(r.exit, r.code === "SAM-VERIFY-013" ? 2 : 4, r.message);
      assert(!/DSSE.*not supported|attestations are not accepted/i.test(r.message), r.message);
    });
  } else {
    Deno.test(`conformance ${name}: verifies with its identity`, async () => {
      const c = readCase(name);
      const result = await verifyCase(c);
      assertEquals(result.san, c.san);
      assertEquals(result.issuer, c.issuer);
      const predicateType = predicateTypeOf(c.bundleText);
      assertEquals(result.attestation, predicateType ? { predicateType } : undefined);
    });
  }
}
