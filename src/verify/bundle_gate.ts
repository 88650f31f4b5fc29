/**
 * The structural gate a bundle passes before any cryptography: it must exist, be JSON, not be cosign's
 * legacy format, carry a whitelisted media type (`@sigstore/bundle` accepts any v0.x), sign either the
 * artifact directly (a message signature) or an in-toto statement about it (a DSSE envelope, see
 * attestation.ts) with a Fulcio certificate (not a bare public key), and carry at least one
 * transparency-log entry. Runs on plain JSON, so it needs no Sigstore module.
 */

import { type InTotoStatement, parseInTotoEnvelope } from "./attestation.ts";
import { FIX_DO_NOT_INSTALL } from "./errors.ts";
import { samuelError } from "../errors.ts";

/** Media types we accept: v0.1, v0.2 and v0.3 in both spellings of v0.3. */
export const ACCEPTED_MEDIA_TYPES: readonly string[] = [
  "application/vnd.dev.sigstore.bundle+json;version=0.1",
  "application/vnd.dev.sigstore.bundle+json;version=0.2",
  "application/vnd.dev.sigstore.bundle+json;version=0.3",
  "application/vnd.dev.sigstore.bundle.v0.3+json",
];

/** A bundle that passed the gate, with the facts later steps need. */
export interface GatedBundle {
  /** The parsed JSON, for `bundleFromJSON`. */
  json: Record<string, unknown>;
  mediaType: string;
  /** What was signed: the artifact's sha256 (`messageSignature`), or an in-toto statement (`dsseEnvelope`). */
  content:
    | { kind: "message"; signedSha256: Uint8Array }
    | { kind: "attestation"; statement: InTotoStatement };
  /** `logId.keyId` (base64) of each transparency-log entry. */
  logIds: string[];
  /** The first entry's log index and integrated time (seconds), as the bundle states them. */
  logIndex: number;
  integratedTime?: number;
}

type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const FIX_RESIGN =
  "ask the plugin author to re-sign the release with cosign or sigstore-js and publish the new bundle";

/** SAM-VERIFY-005 for `bundleName`; `what` names the kind of bundle, `fix` how its author remakes it. */
export function malformed(
  bundleName: string,
  cause: string,
  inner?: unknown,
  what = "signature bundle",
  fix = FIX_RESIGN,
) {
  return samuelError("SAM-VERIFY-005", {
    message: `${what} ${bundleName} is malformed`,
    cause,
    fix,
    inner,
  });
}

function decodeBase64(text: unknown): Uint8Array | undefined {
  if (typeof text !== "string") return undefined;
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/** Protobuf-JSON bytes: base64, standard or URL-safe alphabet, padding optional. */
export function isBase64Text(text: unknown): text is string {
  return typeof text === "string" && /^[A-Za-z0-9+/_-]+={0,2}$/.test(text);
}

function isLegacyCosign(json: Json): boolean {
  // cosign 1.x `sign-blob --bundle`: `{base64Signature, cert, rekorBundle}`, and no media type.
  return json.mediaType === undefined && ("base64Signature" in json || "rekorBundle" in json);
}

function isBareEnvelope(json: Json): boolean {
  // A DSSE envelope on its own (older slsa-github-generator `*.intoto.jsonl`): no certificate, no log entry.
  return json.mediaType === undefined && "payloadType" in json && "signatures" in json;
}

/** Parses and checks a bundle; throws the specific SamuelError (exit 4) for each way it can fail. */
export function gateBundle(bundleText: string | undefined, bundleName: string): GatedBundle {
  const json = parseBundle(bundleText, bundleName);
  refuseOtherFormats(json, bundleName);
  const mediaType = acceptedMediaType(json, bundleName);
  const material = certificateMaterial(json, bundleName);
  const content = signedContent(json, bundleName);
  return { json, mediaType, content, ...logEntries(material, bundleName) };
}

/** The bundle as a JSON object; a missing bundle is SAM-VERIFY-001, anything else malformed. */
function parseBundle(bundleText: string | undefined, bundleName: string): Json {
  if (bundleText === undefined) {
    throw samuelError("SAM-VERIFY-001", {
      message: `signature bundle missing: ${bundleName}`,
      cause: "plugins must be signed with Sigstore, and the release carries no bundle next to the module",
      fix: `ask the plugin author to publish ${bundleName} (cosign sign-blob --new-bundle-format --bundle ` +
        `${bundleName} …), or, if you trust the source anyway, re-run with --allow-unsigned`,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(bundleText);
  } catch (e) {
    throw malformed(bundleName, `it is not JSON (${e instanceof Error ? e.message : String(e)})`, e);
  }
  if (!isObject(parsed)) throw malformed(bundleName, "it is not a JSON object");
  return parsed;
}

/** Signature files that are not Sigstore bundles at all, each refused with the way to get a real one. */
function refuseOtherFormats(json: Json, bundleName: string): void {
  if (isLegacyCosign(json)) {
    throw samuelError("SAM-VERIFY-002", {
      message: `signature bundle ${bundleName} uses cosign's legacy bundle format`,
      cause: "the legacy format ({base64Signature, cert, rekorBundle}) is not a Sigstore bundle and cannot " +
        "be verified offline against a trusted root",
      fix: "ask the plugin author to re-sign with `cosign sign-blob --new-bundle-format --bundle " +
        `${bundleName} <file>\` (cosign 2.x) and publish the new bundle`,
    });
  }
  if (isBareEnvelope(json)) {
    throw samuelError("SAM-VERIFY-003", {
      message: `signature bundle ${bundleName} is a bare DSSE envelope, not a Sigstore bundle`,
      cause:
        "an envelope alone carries no signing certificate and no transparency-log entry to verify offline",
      fix: "ask the plugin author to publish the Sigstore bundle of the attestation (actions/attest-build-" +
        "provenance writes one; its `bundle-path` output), e.g. as <module>.bundle",
    });
  }
}

function acceptedMediaType(json: Json, bundleName: string): string {
  const mediaType = json.mediaType;
  if (typeof mediaType !== "string" || !ACCEPTED_MEDIA_TYPES.includes(mediaType)) {
    throw samuelError("SAM-VERIFY-003", {
      message: typeof mediaType === "string"
        ? `signature bundle ${bundleName} has unsupported media type ${mediaType}`
        : `signature bundle ${bundleName} has no media type`,
      cause: `samuel accepts Sigstore bundles v0.1 to v0.3 only: ${ACCEPTED_MEDIA_TYPES.join(", ")}`,
      fix: "ask the plugin author to sign with a Sigstore client that writes bundle v0.3 " +
        "(cosign sign-blob --new-bundle-format), or upgrade samuel if a newer version accepts this format",
    });
  }
  return mediaType;
}

/** `verificationMaterial`, which must name a certificate (a bare public key carries no identity). */
function certificateMaterial(json: Json, bundleName: string): Json {
  const material = json.verificationMaterial;
  if (!isObject(material)) throw malformed(bundleName, "it has no verificationMaterial");
  if ("publicKey" in material) {
    throw samuelError("SAM-VERIFY-004", {
      message: `signature bundle ${bundleName} is signed with a bare public key, not a Sigstore certificate`,
      cause: "a key-signed bundle carries no signer identity, so the identity policy cannot be checked",
      fix: "ask the plugin author to sign keyless (Sigstore/Fulcio, e.g. from GitHub Actions) with " +
        "`cosign sign-blob --new-bundle-format`",
    });
  }
  if (!("certificate" in material) && !("x509CertificateChain" in material)) {
    throw malformed(bundleName, "its verificationMaterial has no certificate");
  }
  return material;
}

/** The transparency-log facts of `GatedBundle`: at least one entry, each with a log id. */
function logEntries(
  material: Json,
  bundleName: string,
): Pick<GatedBundle, "logIds" | "logIndex" | "integratedTime"> {
  const entries = material.tlogEntries;
  if (!Array.isArray(entries) || entries.length === 0) {
    throw samuelError("SAM-VERIFY-008", {
      message: `signature bundle ${bundleName} has no transparency log entry`,
      cause: "samuel requires every signature to be recorded in a Sigstore transparency log (Rekor)",
      fix: "ask the plugin author to sign with the transparency log enabled (no --tlog-upload=false)",
    });
  }
  const logIds: string[] = [];
  for (const entry of entries) {
    const keyId = isObject(entry) && isObject(entry.logId) ? entry.logId.keyId : undefined;
    if (typeof keyId !== "string") throw malformed(bundleName, "a transparency log entry has no logId");
    logIds.push(keyId);
  }
  const first = entries[0] as Json;
  const logIndex = Number(first.logIndex);
  if (!Number.isSafeInteger(logIndex) || logIndex < 0) {
    throw malformed(bundleName, "its transparency log entry has no valid logIndex");
  }
  const time = Number(first.integratedTime);
  return { logIds, logIndex, integratedTime: Number.isSafeInteger(time) && time > 0 ? time : undefined };
}

/** The bundle's signed content: exactly one of `messageSignature` and an in-toto `dsseEnvelope`. */
function signedContent(json: Json, bundleName: string): GatedBundle["content"] {
  if ("dsseEnvelope" in json) {
    if ("messageSignature" in json) {
      throw malformed(bundleName, "it holds both a messageSignature and a dsseEnvelope");
    }
    return { kind: "attestation", statement: parseInTotoEnvelope(json.dsseEnvelope, bundleName) };
  }
  const message = json.messageSignature;
  if (!isObject(message)) throw malformed(bundleName, "it has no messageSignature");
  const digest = message.messageDigest;
  if (!isObject(digest) || digest.algorithm !== "SHA2_256") {
    throw malformed(bundleName, "its messageSignature has no SHA2_256 messageDigest");
  }
  const signedSha256 = decodeBase64(digest.digest);
  if (!signedSha256 || signedSha256.length !== 32) {
    throw malformed(bundleName, "its messageDigest is not a base64 sha256");
  }
  // The libraries decode leniently (invalid characters are skipped), so check the encoding here.
  if (!isBase64Text(message.signature)) throw malformed(bundleName, "its signature is not base64");
  return { kind: "message", signedSha256 };
}

/**
 * Compares the artifact's sha256 with the signed one; a difference means the file was changed. An
 * attestation names its artifact in the statement instead, checked once its signature has verified.
 */
export function checkArtifactDigest(
  gated: GatedBundle,
  artifactSha256: Uint8Array,
  bundleName: string,
): void {
  if (gated.content.kind !== "message") return;
  const { signedSha256 } = gated.content;
  const same = artifactSha256.length === signedSha256.length &&
    artifactSha256.every((b, i) => b === signedSha256[i]);
  if (!same) {
    throw samuelError("SAM-VERIFY-006", {
      message: `the file does not match its signature bundle ${bundleName}`,
      cause: `its sha256 is ${toHex(artifactSha256)}, but the bundle signs ${toHex(signedSha256)}: ` +
        "the file was changed after signing, or the bundle belongs to another file",
      fix: FIX_DO_NOT_INSTALL,
    });
  }
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
