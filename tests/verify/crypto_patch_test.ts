/**
 * Guards the Deno `node:crypto` null-digest fix (src/verify/crypto_patch.ts). The first tests must keep
 * passing: a real public Rekor v1 bundle verifies. The "still needed" tests document the Deno bug; when
 * they fail after a Deno upgrade, Deno has fixed `verify(null, …)` and the patch can be removed.
 */

import nodeCrypto from "node:crypto";
import { Buffer } from "node:buffer";
import { assert, assertEquals, assertThrows } from "../support/assert.ts";
import { applyCryptoPatch, cryptoPatchApplied, unpatchedVerify } from "../../src/verify/crypto_patch.ts";
import { verifyArtifact } from "../../src/verify/mod.ts";
import { CONFORMANCE_POLICY, publicBytes, publicText } from "./helpers.ts";

const PROBE = new URL("./unpatched_probe.ts", import.meta.url).pathname;
const CONFIG = new URL("../../deno.json", import.meta.url).pathname;

async function probe(...args: string[]): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-env", "--no-prompt", "--config", CONFIG, PROBE, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout).trim();
  assert(out.success, `probe failed: ${new TextDecoder().decode(out.stderr)}`);
  return stdout;
}

/** The signed entry timestamp of a real Rekor v1 entry, with the payload it signs and Rekor's key. */
function realRekorSet() {
  const bundle = JSON.parse(publicText("conformance/happy-path-v0.3/bundle.sigstore.json"));
  const entry = bundle.verificationMaterial.tlogEntries[0];
  const root = JSON.parse(publicText("trusted_root.public-good.json"));
  const log = root.tlogs.find((t: { logId: { keyId: string } }) => t.logId.keyId === entry.logId.keyId);
  // Rekor's SET signs the canonical JSON (sorted keys) of these four fields.
  const payload = JSON.stringify({
    body: entry.canonicalizedBody,
    integratedTime: Number(entry.integratedTime),
    logID: Buffer.from(entry.logId.keyId, "base64").toString("hex"),
    logIndex: Number(entry.logIndex),
  });
  return {
    data: Buffer.from(payload),
    key: nodeCrypto.createPublicKey({
      key: Buffer.from(log.publicKey.rawBytes, "base64"),
      format: "der",
      type: "spki",
    }),
    signature: Buffer.from(entry.inclusionPromise.signedEntryTimestamp, "base64"),
  };
}

Deno.test("regression: a real public Rekor v1 bundle verifies under Deno (node:crypto null digest)", async () => {
  const result = await verifyArtifact({
    artifact: publicBytes("conformance/a.txt"),
    bundleText: publicText("conformance/happy-path-v0.3/bundle.sigstore.json"),
    bundleName: "a.txt.sigstore.json",
    policy: CONFORMANCE_POLICY,
  });
  assertEquals(result.logIndex, 79571823);
  assert(cryptoPatchApplied(), "verifyArtifact applies the patch");
});

Deno.test("regression: with the patch, @sigstore/verify alone accepts the Rekor v1 bundle (fresh process)", async () => {
  assertEquals(await probe("--patch"), "OK");
});

Deno.test("still needed: without the patch the same bundle fails its inclusion promise (fresh process)", async () => {
  assertEquals(await probe(), "TLOG_INCLUSION_PROMISE_ERROR");
});

Deno.test("still needed: Deno's own verify(null) throws on Rekor's EC key; sha256 and the patched call succeed", () => {
  const { data, key, signature } = realRekorSet();
  const original = unpatchedVerify();
  assertThrows(() => original(null, data, key, signature));
  assert(original("sha256", data, key, signature), "the SET is valid with SHA-256");
  applyCryptoPatch();
  assert(nodeCrypto.verify(null, data, key, signature), "the patched verify picks SHA-256, like Node");
  assert(!nodeCrypto.verify(null, Buffer.from("other"), key, signature), "and still rejects other data");
});

Deno.test("the patch is idempotent and leaves explicit digests and Ed25519 alone", () => {
  applyCryptoPatch();
  const once = nodeCrypto.verify;
  applyCryptoPatch();
  assert(nodeCrypto.verify === once, "a second apply changes nothing");

  const ed = nodeCrypto.generateKeyPairSync("ed25519");
  const edSig = nodeCrypto.sign(null, Buffer.from("x"), ed.privateKey);
  assert(nodeCrypto.verify(null, Buffer.from("x"), ed.publicKey, edSig));

  const ec = nodeCrypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
  const sig384 = nodeCrypto.sign("sha384", Buffer.from("x"), ec.privateKey);
  assert(nodeCrypto.verify("sha384", Buffer.from("x"), ec.publicKey, sig384));
  assert(!nodeCrypto.verify(null, Buffer.from("x"), ec.publicKey, sig384), "null means sha256, not sha384");
  const sigNull = nodeCrypto.sign(null, Buffer.from("x"), ec.privateKey);
  assert(
    nodeCrypto.verify("sha256", Buffer.from("x"), ec.publicKey, sigNull),
    "sign(null) signs with sha256",
  );
});
