/**
 * The Deno `node:crypto` null-digest fix, applied before the Sigstore modules load.
 *
 * Why: Node's `crypto.verify(null, data, key, sig)` picks the key type's default digest (SHA-256 for EC and
 * RSA keys). Deno 2.9's `node:crypto` throws "no default digest" instead. `@sigstore/core` wraps that call
 * in a try/catch that turns the throw into `false`, so every real Rekor v1 bundle fails its inclusion
 * promise (signed entry timestamp) check with `TLOG_INCLUSION_PROMISE_ERROR`, and DSSE fails the same
 * way. See PLATFORM-NOTES.md, "Sigstore verification under Deno".
 *
 * How: `@sigstore/core` looks `verify` up on the shared `crypto` object at call time, so wrapping that
 * object's `verify` (and `sign`, which `@sigstore/sign` and the mock call the same way) is enough. A null
 * or undefined digest becomes `sha256` for `ec` and `rsa` keys, exactly Node's behaviour; every other call
 * passes through unchanged. The wrapper carries a marker, so applying it twice is a no-op.
 *
 * Guard: tests/verify/crypto_patch_test.ts verifies a real public Rekor v1 bundle (so a Deno change that
 * breaks verification is noticed) and checks that the unpatched call still throws on a null digest; when
 * that second test starts failing, Deno has fixed the bug and this module can be deleted.
 */

import nodeCrypto from "node:crypto";

const MARK = Symbol.for("samuel.verify.cryptoNullDigestPatch");

type VerifyFn = typeof nodeCrypto.verify;
type SignFn = typeof nodeCrypto.sign;
type Marked = { [MARK]?: { verify: VerifyFn; sign: SignFn } };

/** The shared `node:crypto` object, which npm packages also get from `require("crypto")`. */
const shared = nodeCrypto as unknown as typeof nodeCrypto & Marked;

function keyTypeOf(key: unknown): string | undefined {
  try {
    if (key instanceof nodeCrypto.KeyObject) return key.asymmetricKeyType;
    // Strings, buffers and `{ key, format, type }` objects: let Node's own parser tell the type.
    // deno-lint-ignore no-explicit-any
    return nodeCrypto.createPublicKey(key as any).asymmetricKeyType;
  } catch {
    return undefined;
  }
}

function defaultDigest(algorithm: string | null | undefined, key: unknown): string | null | undefined {
  if (algorithm !== null && algorithm !== undefined) return algorithm;
  const type = keyTypeOf(key);
  return type === "ec" || type === "rsa" ? "sha256" : algorithm;
}

/** Installs the fix on the shared `node:crypto` object; safe to call any number of times. */
export function applyCryptoPatch(): void {
  if (shared[MARK]) return;
  const original = { verify: shared.verify, sign: shared.sign };
  const verify = function (
    algorithm: string | null | undefined,
    data: unknown,
    key: unknown,
    ...rest: unknown[]
  ) {
    // deno-lint-ignore no-explicit-any
    return (original.verify as any)(defaultDigest(algorithm, key), data, key, ...rest);
  } as unknown as VerifyFn;
  const sign = function (
    algorithm: string | null | undefined,
    data: unknown,
    key: unknown,
    ...rest: unknown[]
  ) {
    // deno-lint-ignore no-explicit-any
    return (original.sign as any)(defaultDigest(algorithm, key), data, key, ...rest);
  } as unknown as SignFn;
  shared.verify = verify;
  shared.sign = sign;
  Object.defineProperty(shared, MARK, { value: original, enumerable: false });
}

/** True once `applyCryptoPatch` has run in this isolate. */
export function cryptoPatchApplied(): boolean {
  return shared[MARK] !== undefined;
}

/** The `node:crypto` `verify` as Deno ships it, for the test that proves the patch is still needed. */
export function unpatchedVerify(): VerifyFn {
  return shared[MARK]?.verify ?? shared.verify;
}
