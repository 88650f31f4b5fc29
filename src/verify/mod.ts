/**
 * The signature verification gate (DESIGN.md 6.3): `verifyArtifact` checks that a plugin file carries a
 * valid Sigstore bundle from an allowed signer, and throws a specific `SamuelError` (exit 4) otherwise.
 * The bundle is a message signature over the file (`cosign sign-blob`) or an in-toto attestation about it
 * (a DSSE envelope, GitHub's `actions/attest-build-provenance`): the same log, timestamp, issuer and
 * identity checks apply to both, and an attestation must also name the file's sha256 as a subject (and
 * carry the predicate type `[security].require_predicate_type` asks for). `verifyFirstAcceptable` tries
 * several bundles in turn (a JSONL asset, the attestations API) and keeps the first that verifies.
 * This module is cheap to import: the Sigstore libraries, the `node:crypto` fix and the embedded trusted
 * root are loaded on the first call only.
 */

import { checkPredicateType, checkSubject } from "./attestation.ts";
import { checkArtifactDigest, gateBundle, toHex } from "./bundle_gate.ts";
import { isSamuelError, samuelError } from "../errors.ts";
import { findMatchingPattern } from "./identity.ts";
import type { VerificationPolicy } from "./policy.ts";
import { asTrustedRoot, embeddedTrustedRoot, trustedLogIds } from "./trust_root.ts";

export { ACCEPTED_MEDIA_TYPES } from "./bundle_gate.ts";
export { IN_TOTO_PAYLOAD_TYPE, IN_TOTO_STATEMENT_V1 } from "./attestation.ts";
export { compileIdentityPattern, githubReleaseIdentity, matchesIdentity } from "./identity.ts";
export { allowUnsignedFromEnv, buildPolicy, DEFAULT_ISSUER } from "./policy.ts";
export type { PolicyInput, VerificationPolicy } from "./policy.ts";
export { embeddedTrustedRoot, readTrustedRootFile } from "./trust_root.ts";
export type { TrustedRootJson } from "./trust_root.ts";

export interface VerifyArtifactOptions {
  /** The plugin file's bytes, exactly as downloaded. */
  artifact: Uint8Array;
  /** The bundle's text, or undefined when the release has no bundle. */
  bundleText: string | undefined;
  /** The bundle's file name (e.g. `hello.wasm.bundle`), used in messages. */
  bundleName: string;
  policy: VerificationPolicy;
  /** A parsed trusted_root.json (`readTrustedRootFile`); the embedded public-good root by default. */
  trustedRoot?: unknown;
  /** Names `trustedRoot` in messages (its path); "embedded public-good root" by default. */
  trustedRootOrigin?: string;
}

/** What was verified, for the lock file (`verification = "sigstore"`). */
export interface VerificationResult {
  method: "sigstore";
  /** The certificate's subject alternative name (the signing workflow). */
  san: string;
  issuer: string;
  /** Index of the first transparency log entry. */
  logIndex: number;
  /** When the log recorded the signature (ISO 8601, UTC), when the bundle says. */
  integratedTime?: string;
  mediaType: string;
  /** sha256 (hex) of the bundle's bytes. */
  bundleSha256: string;
  /** Set when the bundle is an in-toto attestation (DSSE) rather than a signature of the file's bytes. */
  attestation?: { predicateType: string };
}

/** What the lock records when verification was skipped on purpose (DESIGN.md 6: "recorded as such"). */
export interface UnsignedVerification {
  method: "unsigned";
  /** Why: `--allow-unsigned` or `SAMUEL_VERIFY_ALLOW_UNSIGNED`. */
  reason: string;
}

/** Either outcome of the verification step, as the install transaction stores it. */
export type Verification = VerificationResult | UnsignedVerification;

/** The record for a plugin installed without verification; `reason` names the switch that allowed it. */
export function unsignedVerification(
  reason: "--allow-unsigned" | "SAMUEL_VERIFY_ALLOW_UNSIGNED",
): UnsignedVerification {
  return { method: "unsigned", reason: `verification skipped by ${reason}` };
}

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
}

/** Verifies `artifact` against its bundle and the policy; throws a `SamuelError` on any failure. */
export async function verifyArtifact(options: VerifyArtifactOptions): Promise<VerificationResult> {
  const { artifact, bundleText, bundleName, policy } = options;
  const gated = gateBundle(bundleText, bundleName);
  const artifactSha256 = await sha256(artifact);
  checkArtifactDigest(gated, artifactSha256, bundleName);

  const origin = options.trustedRoot === undefined
    ? "embedded public-good root"
    : options.trustedRootOrigin ?? "given trusted root";
  const root = asTrustedRoot(options.trustedRoot ?? await embeddedTrustedRoot(), origin);
  const known = trustedLogIds(root);
  const unknown = gated.logIds.filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw samuelError("SAM-VERIFY-009", {
      message: `signature bundle ${bundleName} was logged by a transparency log that is not trusted`,
      cause: `log ${unknown[0]} is not in the ${origin}: the bundle comes from another Sigstore instance ` +
        "(staging, a private deployment) or the trusted root is out of date",
      fix: "if the publisher signs with another Sigstore instance, pass that instance's trusted root with " +
        "--trusted-root FILE; if the root is out of date, let install refresh it (unset SAMUEL_TUF_MIRROR=off, " +
        "or run where tuf-repo-cdn.sigstore.dev is reachable; `samuel doctor` shows which root is used); " +
        "otherwise do not install",
    });
  }

  const engine = await import("./sigstore_engine.ts");
  const signer = engine.verifyBundle(gated.json, artifact, root, origin, bundleName);

  if (signer.issuer !== policy.issuer) {
    throw samuelError("SAM-VERIFY-010", {
      message: `signer issuer mismatch in ${bundleName}: expected ${policy.issuer}, saw ${
        signer.issuer ?? "none"
      }`,
      cause: "the certificate was issued for an identity from another OIDC provider than the policy allows " +
        "(issuers are compared exactly)",
      fix:
        "if you trust that provider, set [security].issuer in samuel.toml to the exact issuer; otherwise do " +
        "not install this file",
      details: { expected: policy.issuer, seen: signer.issuer ?? null },
    });
  }
  const san = signer.san ?? "";
  if (findMatchingPattern(san, policy.identityPatterns) === undefined) {
    const expected = policy.identityPatterns.length > 0
      ? policy.identityPatterns.join(", ")
      : "none (no identity pattern is configured for this source)";
    throw samuelError("SAM-VERIFY-011", {
      message: `signer identity not allowed in ${bundleName}: ${san || "(no SAN)"}`,
      cause: `the certificate SAN ${san || "(none)"} matches none of the identity patterns: ${expected}`,
      fix: "if you trust this signer, add a pattern matching it to [security].identity_patterns in " +
        "samuel.toml; otherwise do not install this file",
      details: { seen: san, patterns: policy.identityPatterns },
    });
  }

  // The statement is only worth reading once its signature has verified.
  const statement = gated.content.kind === "attestation" ? gated.content.statement : undefined;
  if (statement) checkSubject(statement, toHex(artifactSha256), bundleName);
  checkPredicateType(statement, policy.requiredPredicateType, bundleName);

  return {
    method: "sigstore",
    san,
    issuer: signer.issuer,
    logIndex: gated.logIndex,
    integratedTime: gated.integratedTime === undefined
      ? undefined
      : new Date(gated.integratedTime * 1000).toISOString(),
    mediaType: gated.mediaType,
    bundleSha256: toHex(await sha256(new TextEncoder().encode(bundleText))),
    ...(statement ? { attestation: { predicateType: statement.predicateType } } : {}),
  };
}

/** One bundle a source offers for a file, by name (for messages) and text. */
export interface BundleCandidate {
  name: string;
  text: string;
}

/**
 * Verifies `artifact` against each candidate in turn and returns the first that passes, with its index.
 * With no candidate it fails as "bundle missing" under `missingName`; when every candidate fails, the
 * first one's error is thrown (the source lists its best guess first), naming how many were tried.
 */
export async function verifyFirstAcceptable(
  options: Omit<VerifyArtifactOptions, "bundleText" | "bundleName"> & {
    candidates: readonly BundleCandidate[];
    missingName: string;
  },
): Promise<{ result: VerificationResult; index: number }> {
  const { candidates, missingName, ...rest } = options;
  if (candidates.length === 0) {
    return {
      result: await verifyArtifact({ ...rest, bundleText: undefined, bundleName: missingName }),
      index: 0,
    };
  }
  let first: unknown;
  for (let index = 0; index < candidates.length; index++) {
    const { name, text } = candidates[index];
    try {
      return { result: await verifyArtifact({ ...rest, bundleText: text, bundleName: name }), index };
    } catch (e) {
      first ??= e;
    }
  }
  if (candidates.length > 1 && isSamuelError(first)) {
    throw samuelError(first.code, {
      message: first.message,
      cause:
        `${first.reason ?? ""} (none of the ${candidates.length} bundles offered for this file verified; ` +
        "this is the first one's failure)",
      fix: first.fix,
      details: first.details,
      inner: first,
    });
  }
  throw first;
}
