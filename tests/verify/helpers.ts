/** Shared pieces of the verification tests: fixture paths, the public test identity, error expectations. */

import { assert, assertEquals } from "../support/assert.ts";
import { isSamuelError, type SamuelError } from "../../src/errors.ts";
import { type VerificationPolicy, verifyArtifact } from "../../src/verify/mod.ts";
import type { MockSigstore } from "../support/sigstore_mock.ts";

export const PUBLIC = new URL("../fixtures/sigstore-public/", import.meta.url);

/** The keyless identity of every public conformance bundle (read off their certificates). */
export const CONFORMANCE_SAN =
  "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/" +
  ".github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
export const CONFORMANCE_POLICY = {
  issuer: "https://token.actions.githubusercontent.com",
  identityPatterns: [
    "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/*@refs/heads/main",
  ],
};

export function publicBytes(path: string): Uint8Array {
  return Deno.readFileSync(new URL(path, PUBLIC));
}

export function publicText(path: string): string {
  return Deno.readTextFileSync(new URL(path, PUBLIC));
}

/** Awaits `promise`, expecting a SamuelError with `code` and exit 4; returns it for more checks. */
export async function expectVerifyError(
  promise: Promise<unknown>,
  code: string,
  exit = 4,
): Promise<SamuelError> {
  let error: unknown;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  assert(error !== undefined, `expected ${code}, but verification passed`);
  assert(isSamuelError(error), `expected a SamuelError, got ${error}`);
  assertEquals({ code: error.code, exit: error.exit }, { code, exit }, `${error.code}: ${error.message}`);
  assert(error.message && error.reason && error.fix, "every verification error has message, cause and fix");
  return error;
}

/** `verify(sigstore, bundleText, extra)`: verifies `artifact` against a mock instance's own trusted root. */
export function mockVerifier(artifact: Uint8Array, bundleName: string, policy: VerificationPolicy) {
  return (
    sigstore: MockSigstore,
    bundleText: string,
    extra: Partial<Parameters<typeof verifyArtifact>[0]> = {},
  ) =>
    verifyArtifact({
      artifact,
      bundleText,
      bundleName,
      policy,
      trustedRoot: sigstore.trustedRoot,
      trustedRootOrigin: "mock trusted root",
      ...extra,
    });
}
