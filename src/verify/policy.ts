/**
 * Who may sign a plugin: the exact OIDC issuer and the anchored SAN patterns (DESIGN.md 6.3), the
 * attestation predicate type a project may require (`[security].require_predicate_type`), and the
 * switch that skips verification altogether (`--allow-unsigned`, `SAMUEL_VERIFY_ALLOW_UNSIGNED`).
 */

import { githubReleaseIdentity, identityPatternProblem } from "./identity.ts";
import { samuelError } from "../errors.ts";

/** GitHub Actions' OIDC issuer; compared exactly (a trailing slash is a different issuer). */
export const DEFAULT_ISSUER = "https://token.actions.githubusercontent.com";

export interface VerificationPolicy {
  /** The certificate's OIDC issuer must equal this string. */
  issuer: string;
  /** The certificate SAN must match one of these anchored globs (see identity.ts). */
  identityPatterns: string[];
  /** When set, only an in-toto attestation of exactly this predicate type is accepted. */
  requiredPredicateType?: string;
}

export interface PolicyInput {
  /** The GitHub repository the plugin comes from, when the source is `<owner>/<repo>`. */
  github?: { owner: string; repo: string };
  /** `[security].identity_patterns`. */
  identityPatterns?: readonly string[];
  /** `add` (default) keeps the GitHub default next to the configured patterns; `override` drops it. */
  identityMode?: "add" | "override";
  /** `[security].issuer`; defaults to GitHub Actions. */
  issuer?: string;
  /** `[security].require_predicate_type`, e.g. `https://slsa.dev/provenance/v1`. */
  requirePredicateType?: string;
}

/**
 * Builds the policy for one plugin. A source that is not a GitHub repository has no default signer, so
 * it needs configured patterns; with none, verification fails with the identity error, naming the fix.
 */
export function buildPolicy(input: PolicyInput = {}): VerificationPolicy {
  const configured = [...(input.identityPatterns ?? [])];
  for (const pattern of configured) {
    const problem = identityPatternProblem(pattern);
    if (problem) {
      throw samuelError("SAM-VERIFY-014", {
        message: `invalid identity pattern: ${problem}`,
        cause: "[security].identity_patterns must hold anchored globs of signer identities",
        fix: 'use full patterns such as "https://github.com/<owner>/<repo>/.github/workflows/*@refs/tags/**"',
      });
    }
  }
  const issuer = input.issuer ?? DEFAULT_ISSUER;
  if (issuer.trim() === "") {
    throw samuelError("SAM-VERIFY-014", {
      message: "invalid issuer: it is empty",
      cause: "[security].issuer must be the exact OIDC issuer URL of the signer",
      fix: `remove the setting to use ${DEFAULT_ISSUER}, or give the full issuer URL`,
    });
  }
  const required = input.requirePredicateType;
  if (required !== undefined && (required.trim() === "" || /\s/.test(required))) {
    throw samuelError("SAM-VERIFY-014", {
      message: `invalid required predicate type: ${JSON.stringify(required)}`,
      cause:
        "[security].require_predicate_type must be the exact predicate type URI of an in-toto attestation",
      fix: 'write e.g. require_predicate_type = "https://slsa.dev/provenance/v1", or remove the setting',
    });
  }
  const defaults = input.github && input.identityMode !== "override"
    ? [githubReleaseIdentity(input.github.owner, input.github.repo)]
    : [];
  return {
    issuer,
    identityPatterns: [...new Set([...defaults, ...configured])],
    ...(required !== undefined ? { requiredPredicateType: required } : {}),
  };
}

/** True when `SAMUEL_VERIFY_ALLOW_UNSIGNED` asks to skip verification (`1`, `true` or `yes`, any case). */
export function allowUnsignedFromEnv(value: string | undefined): boolean {
  return value !== undefined && ["1", "true", "yes"].includes(value.trim().toLowerCase());
}
