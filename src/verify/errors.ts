/**
 * The verification gate's error codes and constructors, in one table so each failure mode keeps a stable
 * code, exit code and fix. Every signature failure exits 4 (DESIGN.md section 8); only a trusted root or
 * identity pattern the user gave us that cannot be used is invalid input (exit 2).
 */

import { Exit, SamuelError } from "../errors.ts";

/** Stable codes, one per failure mode. */
export const VerifyCode = {
  bundleMissing: "SAM-VERIFY-001",
  legacyCosignBundle: "SAM-VERIFY-002",
  unsupportedMediaType: "SAM-VERIFY-003",
  notMessageSignature: "SAM-VERIFY-004",
  malformedBundle: "SAM-VERIFY-005",
  digestMismatch: "SAM-VERIFY-006",
  signatureInvalid: "SAM-VERIFY-007",
  tlogInvalid: "SAM-VERIFY-008",
  untrustedInstance: "SAM-VERIFY-009",
  issuerMismatch: "SAM-VERIFY-010",
  identityMismatch: "SAM-VERIFY-011",
  timestampInvalid: "SAM-VERIFY-012",
  trustedRootInvalid: "SAM-VERIFY-013",
  policyInvalid: "SAM-VERIFY-014",
  // 020-029: in-toto attestations (DSSE bundles), see attestation.ts.
  attestationSubjectMismatch: "SAM-VERIFY-020",
  predicateTypeMismatch: "SAM-VERIFY-021",
} as const;

export type VerifyCode = (typeof VerifyCode)[keyof typeof VerifyCode];

export interface VerifyFailure {
  message: string;
  cause: string;
  fix: string;
  details?: unknown;
  inner?: unknown;
}

/** A signature verification failure (exit 4). */
export function verifyError(code: VerifyCode, failure: VerifyFailure): SamuelError {
  return new SamuelError({ code, exit: Exit.verification, ...failure });
}

/** A trust root or policy given by the user that cannot be used (exit 2). */
export function verifyInputError(code: VerifyCode, failure: VerifyFailure): SamuelError {
  return new SamuelError({ code, exit: Exit.invalidInput, ...failure });
}

/** The fix shared by every "this signature cannot be trusted" failure. */
export const FIX_DO_NOT_INSTALL =
  "do not install this file; download it again from the publisher, and if the failure persists report it to the plugin author";
