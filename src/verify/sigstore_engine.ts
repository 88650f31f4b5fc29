/**
 * The cryptographic check, done by `@sigstore/verify` offline against a trusted root: certificate chain
 * and SCT, transparency-log inclusion (promise or proof), log body against the bundle, and the signature
 * over the artifact. Loaded only by `verifyArtifact` through a dynamic import, so start-up paths never
 * load Sigstore; it installs the `node:crypto` fix before the Sigstore modules load.
 */

import { Buffer } from "node:buffer";
import { applyCryptoPatch } from "./crypto_patch.ts";
import { invalidBundleError, mapLibraryError, trustMaterialError } from "./library_errors.ts";
import type { TrustedRootJson } from "./trust_root.ts";

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

/**
 * Verifies `bundleJson` (already through the gate) over `artifact`; returns the signer's identity, which
 * the caller checks against its policy (we pass no policy here: the library's SAN check is unanchored).
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
    throw mapLibraryError(e, bundleName) ?? e;
  }
}
