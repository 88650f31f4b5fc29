/**
 * The cryptographic check, done by `@sigstore/verify` offline against a trusted root: certificate chain
 * and SCT, transparency-log inclusion (promise or proof), log body against the bundle, and the signature
 * over the artifact. Loaded only by `verifyArtifact` through a dynamic import, so start-up paths never
 * load Sigstore; it installs the `node:crypto` fix before the Sigstore modules load.
 */

import { Buffer } from "node:buffer";
import { X509Certificate } from "node:crypto";
import { applyCryptoPatch } from "./crypto_patch.ts";
import { FIX_DO_NOT_INSTALL } from "./errors.ts";
import {
  invalidBundleError,
  mapLibraryError,
  trustMaterialError,
  unexpectedLibraryError,
} from "./library_errors.ts";
import type { TrustedRootJson } from "./trust_root.ts";
import { samuelError } from "../errors.ts";

applyCryptoPatch();

const [{ TrustedRoot }, { Verifier, toSignedEntity, toTrustMaterial }, { bundleFromJSON }] = await Promise
  .all([
    import("npm:@sigstore/protobuf-specs@0.5.2"),
    import("npm:@sigstore/verify@4.1.3"),
    import("npm:@sigstore/bundle@5.0.1"),
  ]);

type TrustMaterial = ReturnType<typeof toTrustMaterial>;

/** Trust material per root object: building it parses every key and certificate, so reuse it. */
const materialCache = new WeakMap<object, TrustMaterial>();

function trustMaterialFor(root: TrustedRootJson, origin: string): TrustMaterial {
  let material = materialCache.get(root);
  if (!material) {
    try {
      material = toTrustMaterial(TrustedRoot.fromJSON(root));
    } catch (e) {
      throw trustMaterialError(e, origin);
    }
    materialCache.set(root, material);
  }
  return material;
}

/** What the certificate says about the signer. */
export interface SignerIdentity {
  san?: string;
  issuer?: string;
}

/** True for a self-signed CA certificate: a root, which a bundle must never carry itself. */
function isRootCertificate(base64Der: unknown): boolean {
  if (typeof base64Der !== "string") return false;
  try {
    const cert = new X509Certificate(Buffer.from(base64Der, "base64"));
    return cert.ca && cert.checkIssued(cert) && cert.verify(cert.publicKey);
  } catch {
    return false; // An unreadable certificate is the library's to report.
  }
}

/**
 * A v0.1/v0.2 chain holds the signing certificate and its intermediates; the root must come from the
 * trusted root. A chain that brings its own root is refused (sigstore-conformance
 * `bundle-with-root-cert_fail`), whatever the library would make of it.
 */
function refuseRootInChain(bundleJson: unknown, bundleName: string): void {
  const chain =
    (bundleJson as { verificationMaterial?: { x509CertificateChain?: { certificates?: unknown } } })
      .verificationMaterial?.x509CertificateChain?.certificates;
  if (!Array.isArray(chain)) return;
  if (chain.some((c) => isRootCertificate((c as { rawBytes?: unknown })?.rawBytes))) {
    throw samuelError("SAM-VERIFY-005", {
      message: `signature bundle ${bundleName} carries a root certificate in its certificate chain`,
      cause:
        "a bundle's chain holds the signing certificate and intermediates only; trust must come from the " +
        "trusted root, never from a root the bundle brings along",
      fix:
        "ask the plugin author to re-sign with cosign or sigstore-js, which never put the root in the chain",
    });
  }
}

/**
 * `@sigstore/verify` reads `inclusionProof.checkpoint.envelope` without looking, so a proof without its
 * checkpoint would crash it; such a proof proves nothing, so the entry is refused as invalid.
 */
function refuseProofWithoutCheckpoint(bundleJson: unknown, bundleName: string): void {
  const entries = (bundleJson as { verificationMaterial?: { tlogEntries?: unknown } }).verificationMaterial
    ?.tlogEntries;
  for (const entry of Array.isArray(entries) ? entries : []) {
    const proof = (entry as { inclusionProof?: { checkpoint?: { envelope?: unknown } } })?.inclusionProof;
    if (proof !== undefined && proof !== null && typeof proof.checkpoint?.envelope !== "string") {
      throw samuelError("SAM-VERIFY-008", {
        message: `the transparency log entry in ${bundleName} has an inclusion proof without a checkpoint`,
        cause: "an inclusion proof is only meaningful against the log's signed checkpoint, which is missing",
        fix: FIX_DO_NOT_INSTALL,
      });
    }
  }
}

/**
 * Verifies `bundleJson` (already through the gate) over `artifact` (a message signature) or over its DSSE
 * envelope (an attestation; `artifact` is then unused: the caller checks the statement's subject); returns
 * the signer's identity, which the caller checks against its policy (we pass no policy here: the
 * library's SAN check is unanchored).
 */
export function verifyBundle(
  bundleJson: unknown,
  artifact: Uint8Array,
  root: TrustedRootJson,
  rootOrigin: string,
  bundleName: string,
): SignerIdentity {
  const trust = trustMaterialFor(root, rootOrigin);
  let bundle: ReturnType<typeof bundleFromJSON>;
  try {
    bundle = bundleFromJSON(bundleJson);
  } catch (e) {
    throw invalidBundleError(e, bundleName);
  }
  refuseRootInChain(bundleJson, bundleName);
  refuseProofWithoutCheckpoint(bundleJson, bundleName);
  try {
    const entity = toSignedEntity(
      bundle,
      Buffer.from(artifact.buffer, artifact.byteOffset, artifact.byteLength),
    );
    const signer = new Verifier(trust, { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 }).verify(
      entity,
    );
    return { san: signer.identity?.subjectAlternativeName, issuer: signer.identity?.extensions?.issuer };
  } catch (e) {
    throw mapLibraryError(e, bundleName) ?? unexpectedLibraryError(e, bundleName);
  }
}
