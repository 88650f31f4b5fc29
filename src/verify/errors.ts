/**
 * What the verification gate's failures share: the fix of every "this signature cannot be trusted"
 * failure. The codes (`SAM-VERIFY-*`) and their exits are in src/errors/catalogue.ts: every signature
 * failure exits 4 (DESIGN.md section 8); only a trusted root or identity pattern the user gave that
 * cannot be used is invalid input (exit 2).
 */

/** The fix shared by every "this signature cannot be trusted" failure. */
export const FIX_DO_NOT_INSTALL =
  "do not install this file; download it again from the publisher, and if the failure persists report it to the plugin author";
