/**
 * Run as its own process by crypto_patch_test.ts: verifies a real public Rekor v1 bundle with
 * `@sigstore/verify` directly, with the `node:crypto` fix (`--patch`) or without, and prints `OK` or the
 * library's error code. A fresh process is the only way to be sure nothing patched `node:crypto` first.
 */

import { applyCryptoPatch } from "../../src/verify/crypto_patch.ts";

if (Deno.args.includes("--patch")) applyCryptoPatch();

const { TrustedRoot } = await import("@sigstore/protobuf-specs");
const { toSignedEntity, toTrustMaterial, Verifier } = await import("@sigstore/verify");
const { bundleFromJSON } = await import("@sigstore/bundle");

const fixtures = new URL("../fixtures/sigstore-public/", import.meta.url);
const read = (path: string) => Deno.readTextFileSync(new URL(path, fixtures));
const trust = toTrustMaterial(TrustedRoot.fromJSON(JSON.parse(read("trusted_root.public-good.json"))));
const bundle = bundleFromJSON(JSON.parse(read("conformance/happy-path-v0.3/bundle.sigstore.json")));
const artifact = Deno.readFileSync(new URL("conformance/a.txt", fixtures));
try {
  new Verifier(trust).verify(toSignedEntity(bundle, artifact as never));
  console.log("OK");
} catch (e) {
  console.log((e as { code?: string }).code ?? String(e));
}
