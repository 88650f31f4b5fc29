/**
 * In-toto attestations as a plugin's signature (GitHub's `actions/attest-build-provenance`, `gh
 * attestation verify`): a Sigstore bundle whose content is a DSSE envelope holding an in-toto Statement
 * v1. This module owns the statement side, on plain JSON: the envelope must carry the in-toto payload
 * type and one signature, its payload must be a Statement v1 with a predicate type, and, once the
 * signature has verified, one of its subjects must name the artifact's sha256 and the predicate type must
 * be the one the policy requires (if any). The signature itself is `@sigstore/verify`'s job.
 */

import { isBase64Text, isObject, malformed as malformedBundle } from "./bundle_gate.ts";
import { samuelError } from "../errors.ts";

/** The DSSE payload type of an in-toto statement. */
export const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";
/** The statement version accepted (what GitHub's attest actions and cosign 2 write). */
export const IN_TOTO_STATEMENT_V1 = "https://in-toto.io/Statement/v1";

/** What the statement claims, as far as samuel's policy reads it. */
export interface InTotoStatement {
  predicateType: string;
  /** Each subject's name (when given) and sha256 digest (lowercase hex, when given). */
  subjects: { name?: string; sha256?: string }[];
}

const FIX_REATTEST = "ask the plugin author to re-create the attestation (actions/attest-build-provenance, " +
  "or `cosign attest-blob --new-bundle-format`) and publish the new bundle";

function malformed(bundleName: string, cause: string, inner?: unknown) {
  return malformedBundle(bundleName, cause, inner, "attestation bundle", FIX_REATTEST);
}

function decodePayload(payload: unknown): unknown {
  if (!isBase64Text(payload)) throw new TypeError("the payload is not a base64 string");
  const standard = payload.replaceAll("-", "+").replaceAll("_", "/").replace(/=+$/, "");
  const bytes = Uint8Array.from(
    atob(standard.padEnd(Math.ceil(standard.length / 4) * 4, "=")),
    (c) => c.charCodeAt(0),
  );
  return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
}

/** Reads the in-toto statement out of a bundle's `dsseEnvelope`; throws the coded refusal otherwise. */
export function parseInTotoEnvelope(envelope: unknown, bundleName: string): InTotoStatement {
  if (!isObject(envelope)) throw malformed(bundleName, "its dsseEnvelope is not an object");
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw samuelError("SAM-VERIFY-004", {
      message: `signature bundle ${bundleName} holds a DSSE envelope of payload type ${
        JSON.stringify(envelope.payloadType ?? null)
      }, not an in-toto attestation`,
      cause:
        `samuel accepts a DSSE envelope only as an in-toto attestation (payload type ${IN_TOTO_PAYLOAD_TYPE}) ` +
        "whose subject is the plugin file",
      fix:
        "ask the plugin author to sign the file with `cosign sign-blob --new-bundle-format`, or to attest it " +
        "with actions/attest-build-provenance",
    });
  }
  const signatures = envelope.signatures;
  if (!Array.isArray(signatures) || signatures.length !== 1 || !isObject(signatures[0])) {
    throw malformed(
      bundleName,
      `its DSSE envelope must hold exactly one signature (it holds ${
        Array.isArray(signatures) ? signatures.length : "none"
      })`,
    );
  }
  if (!isBase64Text(signatures[0].sig)) throw malformed(bundleName, "its DSSE signature is not base64");
  let statement: unknown;
  try {
    statement = decodePayload(envelope.payload);
  } catch (e) {
    throw malformed(
      bundleName,
      `its DSSE payload is not base64-encoded JSON (${e instanceof Error ? e.message : e})`,
      e,
    );
  }
  if (!isObject(statement)) throw malformed(bundleName, "its DSSE payload is not a JSON object");
  if (statement._type !== IN_TOTO_STATEMENT_V1) {
    throw samuelError("SAM-VERIFY-004", {
      message: `attestation bundle ${bundleName} holds an in-toto statement of type ${
        JSON.stringify(statement._type ?? null)
      }`,
      cause:
        `samuel reads in-toto Statement v1 (${IN_TOTO_STATEMENT_V1}), what GitHub's attest actions write`,
      fix: "ask the plugin author to attest with actions/attest-build-provenance (v2 or later) or cosign 2",
    });
  }
  if (typeof statement.predicateType !== "string" || statement.predicateType === "") {
    throw malformed(bundleName, "its in-toto statement has no predicateType");
  }
  if (!Array.isArray(statement.subject)) {
    throw malformed(bundleName, "its in-toto statement has no subject list");
  }
  const subjects = statement.subject.map((s) => {
    const subject = isObject(s) ? s : {};
    const sha256 = isObject(subject.digest) ? subject.digest.sha256 : undefined;
    return {
      name: typeof subject.name === "string" ? subject.name : undefined,
      sha256: typeof sha256 === "string" ? sha256.toLowerCase() : undefined,
    };
  });
  return { predicateType: statement.predicateType, subjects };
}

/** Refuses a statement none of whose subjects is the artifact (its sha256 in lowercase hex). */
export function checkSubject(statement: InTotoStatement, artifactSha256: string, bundleName: string): void {
  if (statement.subjects.some((s) => s.sha256 === artifactSha256)) return;
  const listed = statement.subjects.slice(0, 5).map((s) =>
    `${s.name ?? "(unnamed)"} sha256:${s.sha256 ?? "(none)"}`
  );
  throw samuelError("SAM-VERIFY-020", {
    message: `attestation ${bundleName} is not about this file: no subject has its sha256 ${artifactSha256}`,
    cause: statement.subjects.length === 0
      ? "the attestation's statement lists no subject at all"
      : `the statement's subjects are ${listed.join(", ")}${
        statement.subjects.length > 5 ? ` and ${statement.subjects.length - 5} more` : ""
      }: the file was changed after it was attested, or the attestation belongs to another file`,
    fix:
      "do not install this file; download it again from the publisher, and if the failure persists report " +
      "it to the plugin author",
    details: { expected: artifactSha256, subjects: statement.subjects },
  });
}

/**
 * Refuses a signature whose predicate type is not `required` (`[security].require_predicate_type`); a
 * plain message signature (`statement` undefined) has no predicate, so it fails any requirement.
 */
export function checkPredicateType(
  statement: InTotoStatement | undefined,
  required: string | undefined,
  bundleName: string,
): void {
  if (required === undefined || statement?.predicateType === required) return;
  throw samuelError("SAM-VERIFY-021", {
    message: statement
      ? `attestation ${bundleName} has predicate type ${statement.predicateType}, but ${required} is required`
      : `signature bundle ${bundleName} is a plain signature, but an attestation of predicate type ${required} ` +
        "is required",
    cause:
      "[security].require_predicate_type in samuel.toml accepts only attestations of that predicate type",
    fix:
      "ask the plugin author to publish an attestation of that type (e.g. actions/attest-build-provenance " +
      "for https://slsa.dev/provenance/v1), or change [security].require_predicate_type",
    details: { required, seen: statement?.predicateType ?? null },
  });
}
