/**
 * The one place where `@sigstore/verify` and `@sigstore/bundle` errors become samuel errors. The library
 * reports a `code` (VerificationError) plus a message; we map each to the failure mode the user can act
 * on. Anything else a library throws (a `TypeError` on a shape it did not expect, say) becomes
 * `unexpectedLibraryError`: a coded refusal of the bundle that names what the library said, never a bare
 * exception (sigstore-conformance `bundle-with-root-cert_fail` used to reach the user as a `TypeError`).
 */

import type { SamuelError } from "../errors.ts";
import { FIX_DO_NOT_INSTALL } from "./errors.ts";
import { samuelError } from "../errors.ts";

interface LibraryError {
  code?: string;
  message?: string;
}

const FIX_OTHER_INSTANCE =
  "if the publisher signs with another Sigstore instance (staging, a private deployment), pass " +
  "that instance's trusted root with --trusted-root FILE; if the root is out of date, let install refresh it " +
  "through TUF (`samuel doctor` shows which root is used); " +
  "otherwise do not install this file";

/** Maps an error thrown while verifying `bundleName`; undefined when it carries no code we know. */
export function mapLibraryError(e: unknown, bundleName: string): SamuelError | undefined {
  if (typeof e !== "object" || e === null) return undefined;
  const { code, message = "" } = e as LibraryError;
  const seen = code ? `${code}: ${message}` : message;

  switch (code) {
    case "SIGNATURE_ERROR":
      return samuelError("SAM-VERIFY-007", {
        message: `the signature in ${bundleName} is not valid for this file`,
        cause: `the signature does not verify with the signing certificate's key (${seen})`,
        fix: FIX_DO_NOT_INSTALL,
        inner: e,
      });
    case "TLOG_BODY_ERROR":
      if (/digest mismatch/i.test(message)) {
        return samuelError("SAM-VERIFY-006", {
          message: `the file does not match the transparency log entry in ${bundleName}`,
          cause: `the digest recorded in the log is not the one in the bundle (${seen})`,
          fix: FIX_DO_NOT_INSTALL,
          inner: e,
        });
      }
      if (/payload hash mismatch/i.test(message)) {
        return samuelError("SAM-VERIFY-007", {
          message: `the attestation in ${bundleName} is not the one recorded in the transparency log`,
          cause:
            `its DSSE payload (the in-toto statement) differs from the logged one: it was altered (${seen})`,
          fix: FIX_DO_NOT_INSTALL,
          inner: e,
        });
      }
      if (/signature mismatch/i.test(message)) {
        return samuelError("SAM-VERIFY-007", {
          message: `the signature in ${bundleName} is not the one recorded in the transparency log`,
          cause: `the bundle's signature differs from the logged one: it was altered or swapped (${seen})`,
          fix: FIX_DO_NOT_INSTALL,
          inner: e,
        });
      }
      return tlogError(bundleName, seen, e);
    case "TLOG_ERROR":
    case "TLOG_INCLUSION_PROOF_ERROR":
    case "TLOG_INCLUSION_PROMISE_ERROR":
    case "TLOG_MISSING_INCLUSION_ERROR":
      return tlogError(bundleName, seen, e);
    case "CERTIFICATE_ERROR":
      return samuelError("SAM-VERIFY-009", {
        message: `the signing certificate in ${bundleName} is not trusted`,
        cause:
          "its chain does not lead to a certificate authority of the trusted root, or it was not valid " +
          `when the signature was made: the bundle may come from another Sigstore instance (${seen})`,
        fix: FIX_OTHER_INSTANCE,
        inner: e,
      });
    case "TIMESTAMP_ERROR":
      return samuelError("SAM-VERIFY-012", {
        message: `the signed timestamp in ${bundleName} does not verify`,
        cause: "it was issued by a timestamp authority the trusted root does not list (another Sigstore " +
          `instance?), or it does not cover this bundle's signature (${seen})`,
        fix: FIX_OTHER_INSTANCE,
        inner: e,
      });
    case "PUBLIC_KEY_ERROR":
      return samuelError("SAM-VERIFY-004", {
        message: `signature bundle ${bundleName} refers to a public key, not a Sigstore certificate`,
        cause: `key-signed bundles carry no signer identity (${seen})`,
        fix: "ask the plugin author to sign keyless with `cosign sign-blob --new-bundle-format`",
        inner: e,
      });
    case "NOT_IMPLEMENTED_ERROR":
      return samuelError("SAM-VERIFY-005", {
        message: `signature bundle ${bundleName} uses a feature samuel cannot verify`,
        cause: seen,
        fix: "ask the plugin author to sign with `cosign sign-blob --new-bundle-format`",
        inner: e,
      });
  }
  return undefined;
}

/**
 * Anything else thrown while the libraries read or verify `bundleName`: the bundle has a shape they could
 * not process, so it is refused as malformed, with their words as the cause.
 */
export function unexpectedLibraryError(e: unknown, bundleName: string): SamuelError {
  const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return samuelError("SAM-VERIFY-005", {
    message: `signature bundle ${bundleName} could not be verified: the Sigstore library cannot process it`,
    cause: `its content has a shape the verifier does not expect (${what})`,
    fix: "ask the plugin author to re-sign the release with cosign or sigstore-js and publish the new bundle",
    inner: e,
  });
}

/** A bundle that `bundleFromJSON` refused (its ValidationError carries no code, so we map by origin). */
export function invalidBundleError(e: unknown, bundleName: string): SamuelError {
  return samuelError("SAM-VERIFY-005", {
    message: `signature bundle ${bundleName} is malformed`,
    cause: `it is not a valid Sigstore bundle (${e instanceof Error ? e.message : String(e)}${
      fieldsOf(e) ? `: ${fieldsOf(e)} missing or invalid` : ""
    })`,
    fix: "ask the plugin author to re-sign the release with cosign or sigstore-js and publish the new bundle",
    inner: e,
  });
}

/** The fields `@sigstore/bundle`'s ValidationError names, if any. */
function fieldsOf(e: unknown): string | undefined {
  const fields = (e as { fields?: unknown } | null)?.fields;
  return Array.isArray(fields) && fields.length > 0 ? fields.map(String).join(", ") : undefined;
}

/** A trusted root that `@sigstore/verify` could not turn into trust material. */
export function trustMaterialError(e: unknown, origin: string): SamuelError {
  return samuelError("SAM-VERIFY-013", {
    message: `trusted root ${origin} cannot be used`,
    cause: e instanceof Error ? e.message : String(e),
    fix:
      "pass a valid trusted_root.json with --trusted-root FILE, or drop the option to use the embedded root",
    inner: e,
  });
}

function tlogError(bundleName: string, seen: string, inner: unknown): SamuelError {
  return samuelError("SAM-VERIFY-008", {
    message: `the transparency log entry in ${bundleName} is invalid`,
    cause: `the log's signed proof of inclusion does not verify against the trusted root (${seen})`,
    fix: FIX_DO_NOT_INSTALL,
    inner,
  });
}
