/**
 * The pre-processor's version, alone in its module so the `samuel run` path can compute cache keys
 * without loading the rewriter.
 */

/** Bump whenever the output for a given input can change; cached modules are keyed on it. */
export const PREPROCESSOR_VERSION = "5";
