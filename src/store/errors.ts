/**
 * The install transaction's error codes (`SAM-INSTALL-NNN`) in one table, so each failure of install,
 * update, uninstall and reinstall-from-lock keeps a stable code and exit class (DESIGN.md section 8).
 * Failures owned by other layers keep their own codes (`SAM-VERIFY-*`, `SAM-SOURCE-*`, `SAM-MANIFEST-*`,
 * `SAM-PREPROCESS-*`, `SAM-LOCK-*`).
 */

import { Exit, type ExitCode, SamuelError } from "../errors.ts";

export const InstallCode = {
  /** Risky grants, no TTY, no `--yes` (exit 3). */
  reviewNonInteractive: "SAM-INSTALL-001",
  /** The user answered no at the prompt (exit 3). */
  reviewDeclined: "SAM-INSTALL-002",
  /** The module imports something this host does not provide (exit 2). */
  unknownImports: "SAM-INSTALL-003",
  /** A declared export is missing or not `() -> i32` (exit 2). */
  badExports: "SAM-INSTALL-004",
  /** `samuel_protocol_version()` is outside this host's window (exit 2). */
  protocolMismatch: "SAM-INSTALL-005",
  /** A fetched file does not match the digest in samuel.lock (exit 4). */
  digestMismatch: "SAM-INSTALL-006",
  /** `--frozen` and samuel.lock would change (exit 2). */
  frozenLockChange: "SAM-INSTALL-007",
  /** An update is signed by another identity than the one pinned in samuel.lock (exit 4). */
  signerChanged: "SAM-INSTALL-008",
  /** The named plugin is not installed (exit 2). */
  notInstalled: "SAM-INSTALL-009",
  /** Ctrl-C during the commit: rolled back (exit 1). */
  interrupted: "SAM-INSTALL-010",
  /** Writing the project failed; everything was rolled back (exit 1). */
  commitFailed: "SAM-INSTALL-011",
  /** A folder skill has no single artifact to sign (exit 4). */
  unsignable: "SAM-INSTALL-012",
  /** Invalid combination of arguments (exit 2). */
  usage: "SAM-INSTALL-013",
  /** An unsigned plugin would replace a signed one without `--allow-unsigned` (exit 4). */
  signedToUnsigned: "SAM-INSTALL-014",
} as const;

export function installError(
  code: string,
  exit: ExitCode,
  message: string,
  fix: string,
  cause?: string,
  details?: unknown,
  inner?: unknown,
): SamuelError {
  return new SamuelError({ code, exit, message, fix, cause, details, inner });
}

export { Exit };
