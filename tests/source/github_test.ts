/** GitHub release sources end to end against the fake GitHub on 127.0.0.1. */

import { assert, assertEquals, assertRejects, assertStringIncludes } from "../support/assert.ts";
import { FakeGitHub } from "../support/fake_github.ts";
import { fetchPlugin, parseSourceSpec } from "../../src/source/mod.ts";
import type { FetchContext } from "../../src/source/types.ts";
import { SamuelError } from "../../src/errors.ts";
import { gzip, tar } from "./tar_helper.ts";

const WASM = (n: number) => new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, n]);
const manifest = (version: string, module = "plugin.wasm") =>
  `name = "hello"\nversion = "${version}"\nkind = "wasm"\n[wasm]\nmodule = "${module}"\nexports = ["health"]\n`;

function ctxFor(gh: FakeGitHub, extra: Record<string, string> = {}, more: FetchContext = {}): FetchContext {
  const env = { ...gh.env, ...extra };
  return {
    env: (k) => env[k as keyof typeof env],
    retryBaseMs: 1,
    timeoutMs: 5_000,
    progress: false,
    ...more,
  };
}

async function fetchFrom(
  gh: FakeGitHub,
  source: string,
  extra: Record<string, string> = {},
  more: FetchContext = {},
) {
  return await fetchPlugin(await parseSourceSpec(source), ctxFor(gh, extra, more));
}

function code(e: unknown): string {
  assert(e instanceof SamuelError, String(e));
  return e.code;
}

function twoReleases(gh: FakeGitHub) {
  gh.release("acme", "hello", "v0.1.0", {
    "samuel-plugin.toml": manifest("0.1.0"),
    "plugin.wasm": WASM(1),
    "plugin.wasm.bundle": '{"mediaType":"v0.1"}',
  });
  gh.release("acme", "hello", "v0.2.0", { "samuel-plugin.toml": manifest("0.2.0"), "plugin.wasm": WASM(2) });
}

Deno.test("github: no tag fetches the latest release", async () => {
  await using gh = await FakeGitHub.start();
  twoReleases(gh);
  const f = await fetchFrom(gh, "acme/hello");
  assertEquals(f.tag, "v0.2.0");
  assertEquals(f.module, WASM(2));
  assertEquals(f.kind, "wasm");
  assertEquals(f.source, "acme/hello");
  assertEquals(f.pinned, "acme/hello@v0.2.0");
  assertEquals(f.resolvedUrl, `${gh.origin}/acme/hello/releases/download/v0.2.0/plugin.wasm`);
  assertStringIncludes(f.manifestText, 'version = "0.2.0"');
  assertEquals(f.bundleText, undefined, "a missing bundle is not an error here");
  assertEquals(f.bundleName, "plugin.wasm.bundle");
  assertEquals(gh.count(FakeGitHub.latestPath("acme", "hello")), 1);
  // The manifest is fetched first; with no bundle asset, the search goes on to the other names, the
  // release listing (for *.intoto.jsonl) and the attestations API for the module's digest.
  const order = gh.requests.map((r) => r.path.split("/").pop());
  const digest = Array.from(
    new Uint8Array(await crypto.subtle.digest("SHA-256", WASM(2) as Uint8Array<ArrayBuffer>)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
  assertEquals(order, [
    "latest",
    "samuel-plugin.toml",
    "plugin.wasm",
    "plugin.wasm.bundle",
    "plugin.wasm.sigstore.json",
    "v0.2.0",
    `sha256:${digest}`,
  ]);
});

Deno.test("github: a tag fetches that release, with its bundle, and never asks for latest", async () => {
  await using gh = await FakeGitHub.start();
  twoReleases(gh);
  const f = await fetchFrom(gh, "acme/hello@v0.1.0");
  assertEquals(f.tag, "v0.1.0");
  assertEquals(f.module, WASM(1));
  assertEquals(f.bundleText, '{"mediaType":"v0.1"}');
  assertEquals(f.source, "acme/hello@v0.1.0");
  assertEquals(gh.count(FakeGitHub.latestPath("acme", "hello")), 0);
});

Deno.test("github: the module asset is the basename of [wasm].module", async () => {
  await using gh = await FakeGitHub.start();
  gh.release("acme", "hello", "v1", {
    "samuel-plugin.toml": manifest("1.0.0", "build/hello.wasm"),
    "hello.wasm": WASM(7),
  });
  const f = await fetchFrom(gh, "acme/hello@v1");
  assertEquals(f.moduleName, "hello.wasm");
  assertEquals(f.module, WASM(7));
  assertEquals(f.bundleName, "hello.wasm.bundle");
});

Deno.test("github: a missing module is a 404 naming the asset and the URL", async () => {
  await using gh = await FakeGitHub.start();
  gh.release("acme", "hello", "v1", { "samuel-plugin.toml": manifest("1.0.0") });
  const e = await assertRejects(() => fetchFrom(gh, "acme/hello@v1"));
  assertEquals(code(e), "SAM-DOWNLOAD-001");
  assertStringIncludes((e as Error).message, "release asset plugin.wasm of acme/hello@v1");
  assertStringIncludes((e as Error).message, `${gh.origin}/acme/hello/releases/download/v1/plugin.wasm`);
  assertStringIncludes((e as SamuelError).reason!, "has no asset plugin.wasm");
});

Deno.test("github: an unknown tag fails on the manifest, naming it", async () => {
  await using gh = await FakeGitHub.start();
  twoReleases(gh);
  const e = await assertRejects(() => fetchFrom(gh, "acme/hello@v9"));
  assertEquals(code(e), "SAM-DOWNLOAD-001");
  assertStringIncludes((e as Error).message, "samuel-plugin.toml");
  assertStringIncludes((e as Error).message, "/releases/download/v9/samuel-plugin.toml");
});

Deno.test("github: a repository without releases says so", async () => {
  await using gh = await FakeGitHub.start();
  const e = await assertRejects(() => fetchFrom(gh, "acme/empty"));
  assertEquals(code(e), "SAM-DOWNLOAD-001");
  assertStringIncludes((e as Error).message, "latest release of acme/empty");
  assertStringIncludes((e as SamuelError).reason!, "no published release");
});

Deno.test("github: a bundle failure other than 404 is an error", async () => {
  await using gh = await FakeGitHub.start();
  twoReleases(gh);
  gh.always(FakeGitHub.assetPath("acme", "hello", "v0.1.0", "plugin.wasm.bundle"), { status: 403 });
  const e = await assertRejects(() => fetchFrom(gh, "acme/hello@v0.1.0"));
  assertEquals(code(e), "SAM-DOWNLOAD-007");
});

Deno.test("github: 500 then 200 on an asset is retried", async () => {
  await using gh = await FakeGitHub.start();
  twoReleases(gh);
  const path = FakeGitHub.assetPath("acme", "hello", "v0.2.0", "plugin.wasm");
  gh.inject(path, { status: 500 });
  const f = await fetchFrom(gh, "acme/hello@v0.2.0");
  assertEquals(f.module, WASM(2));
  assertEquals(gh.count(path), 2);
});

Deno.test("github: the API rate limit is reported with its reset time and GITHUB_TOKEN", async () => {
  await using gh = await FakeGitHub.start();
  twoReleases(gh);
  gh.inject(FakeGitHub.latestPath("acme", "hello"), FakeGitHub.rateLimited());
  const e = await assertRejects(() => fetchFrom(gh, "acme/hello"));
  assertEquals(code(e), "SAM-DOWNLOAD-002");
  assertStringIncludes((e as Error).message, "resets at");
  assertStringIncludes((e as SamuelError).fix!, "GITHUB_TOKEN");
});

Deno.test("github: GITHUB_TOKEN goes to the API and download hosts, not to a foreign redirect", async () => {
  await using gh = await FakeGitHub.start();
  await using storage = await FakeGitHub.start();
  twoReleases(gh);
  storage.file("/blob/plugin.wasm", WASM(2));
  gh.inject(FakeGitHub.assetPath("acme", "hello", "v0.2.0", "plugin.wasm"), {
    redirect: `${storage.origin}/blob/plugin.wasm`,
  });
  const f = await fetchFrom(gh, "acme/hello", { GITHUB_TOKEN: "ghp_secret" });
  assertEquals(f.module, WASM(2));
  for (const r of gh.requests) assertEquals(r.headers.authorization, "Bearer ghp_secret", r.path);
  assertEquals(storage.requests.length, 1);
  assertEquals(storage.requests[0].headers.authorization, undefined);
});

Deno.test("github: no token, no Authorization header", async () => {
  await using gh = await FakeGitHub.start();
  twoReleases(gh);
  await fetchFrom(gh, "acme/hello");
  for (const r of gh.requests) assertEquals(r.headers.authorization, undefined);
});

Deno.test("github: an oversized module is aborted", async () => {
  await using gh = await FakeGitHub.start();
  gh.release("acme", "big", "v1", {
    "samuel-plugin.toml": manifest("1.0.0"),
    "plugin.wasm": { size: 8 * 1024 * 1024 },
  });
  const e = await assertRejects(() => fetchFrom(gh, "acme/big@v1", {}, { limits: { moduleBytes: 1024 } }));
  assertEquals(code(e), "SAM-DOWNLOAD-004");
  assert(gh.bytesSent(FakeGitHub.assetPath("acme", "big", "v1", "plugin.wasm")) < 1024 * 1024);
});

Deno.test("github: a skill release is its <name>.tar.gz, unpacked into the staging folder", async () => {
  await using gh = await FakeGitHub.start();
  const staging = await Deno.makeTempDir();
  try {
    const toml = 'name = "hello-skill"\nversion = "1.0.0"\nkind = "skill"\n';
    const archive = await gzip(
      tar([{ name: "SKILL.md", data: "# hi\n" }, { name: "samuel-plugin.toml", data: toml }]),
    );
    gh.release("acme", "skill", "v1.0.0", { "samuel-plugin.toml": toml, "hello-skill.tar.gz": archive });
    const f = await fetchFrom(gh, "acme/skill", {}, { stagingDir: staging });
    assertEquals(f.kind, "skill");
    assertEquals(f.moduleName, "hello-skill.tar.gz");
    assertEquals(f.module, archive);
    assertEquals(f.bundleName, "hello-skill.tar.gz.bundle");
    assert(f.skillDir!.startsWith(staging));
    assertEquals(await Deno.readTextFile(`${f.skillDir}/SKILL.md`), "# hi\n");
  } finally {
    await Deno.remove(staging, { recursive: true });
  }
});

Deno.test("github: a malicious skill archive is refused", async () => {
  await using gh = await FakeGitHub.start();
  const staging = await Deno.makeTempDir();
  try {
    const toml = 'name = "evil"\nversion = "1.0.0"\nkind = "skill"\n';
    const archive = await gzip(tar([{ name: "SKILL.md", data: "x" }, { name: "../../escape", data: "x" }]));
    gh.release("acme", "evil", "v1", { "samuel-plugin.toml": toml, "evil.tar.gz": archive });
    const e = await assertRejects(() => fetchFrom(gh, "acme/evil@v1", {}, { stagingDir: staging }));
    assertEquals(code(e), "SAM-ARCHIVE-002");
  } finally {
    await Deno.remove(staging, { recursive: true });
  }
});
