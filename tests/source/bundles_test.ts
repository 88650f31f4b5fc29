/**
 * Where a GitHub release's bundle is looked for (src/source/bundles.ts), against the fake GitHub on
 * 127.0.0.1: `<module>.sigstore.json` and `*.intoto.jsonl` release assets, then GitHub's attestations API
 * for the module's digest (inline bundles and `bundle_url`s), with `GITHUB_TOKEN` sent to the API and
 * never to a `bundle_url` elsewhere, and a failing API as a warning, not a crash.
 */

import { assert, assertEquals, assertStringIncludes } from "../support/assert.ts";
import { FakeGitHub } from "../support/fake_github.ts";
import { fetchPlugin, parseSourceSpec } from "../../src/source/mod.ts";
import { splitBundles } from "../../src/source/bundles.ts";

const WASM = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 7]);
const MANIFEST = `name = "hello"\nversion = "0.1.0"\nkind = "wasm"\n[wasm]\nmodule = "plugin.wasm"\n` +
  `exports = ["health"]\n`;
const B1 = { mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json", n: 1 };
const B2 = { mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json", n: 2 };

async function hex(bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function fetchFrom(gh: FakeGitHub, extraEnv: Record<string, string> = {}) {
  const env: Record<string, string> = { ...gh.env, ...extraEnv };
  const warnings: string[] = [];
  const fetched = await fetchPlugin(await parseSourceSpec("acme/hello@v0.1.0"), {
    env: (k) => env[k],
    retries: 0,
    retryBaseMs: 1,
    timeoutMs: 5_000,
    progress: false,
    warn: (m) => warnings.push(m),
  });
  return { fetched, warnings };
}

function release(gh: FakeGitHub, extra: Record<string, string> = {}) {
  gh.release("acme", "hello", "v0.1.0", { "samuel-plugin.toml": MANIFEST, "plugin.wasm": WASM, ...extra });
}

Deno.test("bundles: <module>.sigstore.json is used when <module>.bundle is absent", async () => {
  await using gh = await FakeGitHub.start();
  release(gh, { "plugin.wasm.sigstore.json": JSON.stringify(B1, null, 2) });
  const { fetched } = await fetchFrom(gh);
  assertEquals(fetched.bundleName, "plugin.wasm.sigstore.json");
  assertEquals(JSON.parse(fetched.bundleText!), B1);
  assertEquals(fetched.bundleOrigin, "release-asset");
  assertEquals(fetched.moreBundles, undefined);
  assertEquals(gh.count(`/repos/acme/hello/attestations/sha256:${await hex(WASM)}`), 0, "no API call");
});

Deno.test("bundles: every line of a *.intoto.jsonl asset is a candidate, the module's own file first", async () => {
  await using gh = await FakeGitHub.start();
  release(gh, {
    "other.intoto.jsonl": JSON.stringify({ other: true }) + "\n",
    "plugin.wasm.intoto.jsonl": `${JSON.stringify(B1)}\n\n${JSON.stringify(B2)}\n`,
  });
  const { fetched } = await fetchFrom(gh);
  assertEquals(fetched.bundleName, "plugin.wasm.intoto.jsonl (line 1)");
  assertEquals(JSON.parse(fetched.bundleText!), B1);
  assertEquals(fetched.moreBundles?.map((b) => [b.name, JSON.parse(b.text)]), [
    ["plugin.wasm.intoto.jsonl (line 3)", B2],
    ["other.intoto.jsonl", { other: true }],
  ]);
  assertEquals(fetched.bundleOrigin, "release-asset");
});

Deno.test("bundles: without a bundle asset, GitHub's attestations API for the digest is asked, with the token", async () => {
  await using gh = await FakeGitHub.start();
  await using blobs = await FakeGitHub.start();
  release(gh);
  const path = `/repos/acme/hello/attestations/sha256:${await hex(WASM)}`;
  blobs.file("/blob/2", JSON.stringify(B2));
  gh.file(
    path,
    JSON.stringify({
      attestations: [
        { bundle: B1, repository_id: 1 },
        { bundle: null, bundle_url: `${blobs.origin}/blob/2` },
      ],
    }),
    { "content-type": "application/json" },
  );
  const { fetched, warnings } = await fetchFrom(gh, { GITHUB_TOKEN: "t0ken" });
  assertEquals(warnings, []);
  assertEquals(fetched.bundleOrigin, "attestations-api");
  assertEquals(JSON.parse(fetched.bundleText!), B1);
  assertStringIncludes(fetched.bundleName, "attestations API");
  assertEquals(fetched.moreBundles?.map((b) => JSON.parse(b.text)), [B2]);
  const asked = gh.requests.filter((r) => r.path === path);
  assertEquals(asked.length, 1);
  assertEquals(asked[0].headers.authorization, "Bearer t0ken");
  assertEquals(blobs.requests.length, 1);
  assertEquals(blobs.requests[0].headers.authorization, undefined, "no token for another host");
});

Deno.test("bundles: a failing attestations API is a warning, and the plugin has no bundle", async () => {
  await using gh = await FakeGitHub.start();
  release(gh);
  const path = `/repos/acme/hello/attestations/sha256:${await hex(WASM)}`;
  gh.always(path, FakeGitHub.rateLimited());
  const { fetched, warnings } = await fetchFrom(gh);
  assertEquals(fetched.bundleText, undefined);
  assertEquals(fetched.bundleName, "plugin.wasm.bundle");
  assertEquals(warnings.length, 1, warnings.join("\n"));
  assertStringIncludes(warnings[0], "attestations API");

  gh.always(path, { status: 200, body: "not json" });
  const again = await fetchFrom(gh);
  assertEquals(again.fetched.bundleText, undefined);
  assert(again.warnings.some((w) => w.includes("attestations")), again.warnings.join("\n"));
});

Deno.test("bundles: splitBundles keeps one JSON document whole and splits JSONL by line", () => {
  const pretty = JSON.stringify(B1, null, 2);
  assertEquals(splitBundles(pretty, "a.bundle"), [{ name: "a.bundle", text: pretty }]);
  assertEquals(splitBundles(`${JSON.stringify(B1)}\r\n${JSON.stringify(B2)}`, "x.jsonl").map((b) => b.name), [
    "x.jsonl (line 1)",
    "x.jsonl (line 2)",
  ]);
  // Neither: passed on whole, for verification to name the problem.
  assertEquals(splitBundles("{\nnot json", "b.bundle"), [{ name: "b.bundle", text: "{\nnot json" }]);
});
