/** Downloads against a real local server: retries, limits, timeouts, redirects, TLS and error messages. */

import { assert, assertEquals, assertMatch, assertRejects, assertStringIncludes } from "../support/assert.ts";
import { FakeGitHub } from "../support/fake_github.ts";
import { download, downloadToFile, isTlsError, parseRetryAfter } from "../../src/source/download.ts";
import { SamuelError } from "../../src/errors.ts";
import { needs } from "../support/needs.ts";

const FAST = { retryBaseMs: 1, timeoutMs: 5_000 };

function code(e: unknown): string {
  assert(e instanceof SamuelError, `expected a SamuelError, got ${e}`);
  return e.code;
}

Deno.test("download: 500 then 200 is retried and succeeds", async () => {
  await using gh = await FakeGitHub.start();
  gh.file("/a.bin", "hello");
  gh.inject("/a.bin", { status: 500 }, { status: 503 });
  const bytes = await download(`${gh.origin}/a.bin`, { ...FAST, retries: 3 });
  assertEquals(new TextDecoder().decode(bytes), "hello");
  assertEquals(gh.count("/a.bin"), 3);
});

Deno.test("download: persistent 5xx gives up after the retries with status and URL", async () => {
  await using gh = await FakeGitHub.start();
  gh.always("/a.bin", { status: 502 });
  const e = await assertRejects(() => download(`${gh.origin}/a.bin`, { ...FAST, retries: 2, label: "x" }));
  assertEquals(code(e), "SAM-DOWNLOAD-007");
  assertStringIncludes((e as Error).message, "HTTP 502");
  assertStringIncludes((e as Error).message, `${gh.origin}/a.bin`);
  assertEquals(gh.count("/a.bin"), 3);
});

Deno.test("download: 404 is not retried and names the asset and the URL", async () => {
  await using gh = await FakeGitHub.start();
  const url = `${gh.origin}/acme/x/releases/download/v1/plugin.wasm`;
  const e = await assertRejects(() =>
    download(url, { ...FAST, retries: 3, label: "release asset plugin.wasm" })
  );
  assertEquals(code(e), "SAM-DOWNLOAD-001");
  assertStringIncludes((e as Error).message, "plugin.wasm");
  assertStringIncludes((e as Error).message, url);
  assertEquals((e as SamuelError).exit, 2);
  assertEquals(gh.count("/acme/x/releases/download/v1/plugin.wasm"), 1);
});

Deno.test("download: other 4xx are not retried and name status and URL", async () => {
  await using gh = await FakeGitHub.start();
  gh.always("/a", { status: 401 });
  const e = await assertRejects(() => download(`${gh.origin}/a`, { ...FAST, retries: 3 }));
  assertEquals(code(e), "SAM-DOWNLOAD-007");
  assertStringIncludes((e as Error).message, "HTTP 401");
  assertEquals(gh.count("/a"), 1);
});

Deno.test("download: GitHub rate limit says when it resets and suggests GITHUB_TOKEN, without retrying", async () => {
  await using gh = await FakeGitHub.start();
  const reset = Math.floor(Date.now() / 1000) + 900;
  gh.inject("/a", FakeGitHub.rateLimited(reset));
  const e = await assertRejects(() => download(`${gh.origin}/a`, { ...FAST, retries: 3 }));
  assertEquals(code(e), "SAM-DOWNLOAD-002");
  assertStringIncludes((e as Error).message, new Date(reset * 1000).toISOString());
  assertStringIncludes((e as SamuelError).fix!, "GITHUB_TOKEN");
  assertEquals(gh.count("/a"), 1);
});

Deno.test("download: 429 with a short Retry-After is waited for and retried", async () => {
  await using gh = await FakeGitHub.start();
  gh.file("/a", "ok");
  gh.inject("/a", { status: 429, headers: { "retry-after": "0" } });
  assertEquals(new TextDecoder().decode(await download(`${gh.origin}/a`, FAST)), "ok");
  assertEquals(gh.count("/a"), 2);
});

Deno.test("download: 429 with a Retry-After beyond the bound fails at once as a rate limit", async () => {
  await using gh = await FakeGitHub.start();
  gh.always("/a", { status: 429, headers: { "retry-after": "3600" } });
  const e = await assertRejects(() => download(`${gh.origin}/a`, { ...FAST, retryMaxMs: 1000 }));
  assertEquals(code(e), "SAM-DOWNLOAD-002");
  assertMatch((e as Error).message, /resets at .* \(in 60 min\)/);
  assertEquals(gh.count("/a"), 1);
});

Deno.test("download: a body over the limit aborts early (Content-Length announced)", async () => {
  await using gh = await FakeGitHub.start();
  gh.file("/big", { size: 50 * 1024 * 1024 });
  const e = await assertRejects(() => download(`${gh.origin}/big`, { ...FAST, maxBytes: 1024 * 1024 }));
  assertEquals(code(e), "SAM-DOWNLOAD-004");
  assert(gh.bytesSent("/big") < 5 * 1024 * 1024, `server sent ${gh.bytesSent("/big")} bytes`);
});

Deno.test("download: a body over the limit aborts early (no Content-Length, streamed)", async () => {
  await using gh = await FakeGitHub.start();
  gh.file("/big", { size: 50 * 1024 * 1024, contentLength: false });
  const e = await assertRejects(() => download(`${gh.origin}/big`, { ...FAST, maxBytes: 1024 * 1024 }));
  assertEquals(code(e), "SAM-DOWNLOAD-004");
  assertStringIncludes((e as Error).message, "1.0 MiB limit");
  assert(gh.bytesSent("/big") < 5 * 1024 * 1024, `server sent ${gh.bytesSent("/big")} bytes`);
  assertEquals(gh.count("/big"), 1);
});

Deno.test("download: a server that does not answer times out (and is retried)", async () => {
  await using gh = await FakeGitHub.start();
  gh.file("/slow", "late");
  gh.always("/slow", { delayMs: 5_000 });
  const started = Date.now();
  const e = await assertRejects(() =>
    download(`${gh.origin}/slow`, { retryBaseMs: 1, timeoutMs: 150, retries: 1 })
  );
  assertEquals(code(e), "SAM-DOWNLOAD-005");
  assertEquals(gh.count("/slow"), 2);
  assert(Date.now() - started < 3_000);
});

Deno.test("download: a body that stalls hits the read timeout", async () => {
  await using gh = await FakeGitHub.start();
  gh.file("/stall", { size: 1024 * 1024 });
  gh.always("/stall", { stallAfterBytes: 1000 });
  const e = await assertRejects(() =>
    download(`${gh.origin}/stall`, { retryBaseMs: 1, timeoutMs: 200, retries: 0 })
  );
  assertEquals(code(e), "SAM-DOWNLOAD-005");
  assertStringIncludes((e as Error).message, "sent nothing for 200 ms");
});

Deno.test("download: slow first answer, then success after a retry", async () => {
  await using gh = await FakeGitHub.start();
  gh.file("/s", "ok");
  gh.inject("/s", { delayMs: 2_000 });
  const bytes = await download(`${gh.origin}/s`, { retryBaseMs: 1, timeoutMs: 200, retries: 2 });
  assertEquals(new TextDecoder().decode(bytes), "ok");
});

Deno.test("download: connection refused is retried, then reported", async () => {
  const gh = await FakeGitHub.start();
  const url = `${gh.origin}/a`;
  await gh.close();
  const e = await assertRejects(() => download(url, { ...FAST, retries: 2 }));
  assertEquals(code(e), "SAM-DOWNLOAD-006");
  assertStringIncludes((e as SamuelError).reason!, "3 attempt(s)");
});

Deno.test("download: the token goes to the trusted origin, not to a foreign redirect target", async () => {
  await using gh = await FakeGitHub.start();
  await using foreign = await FakeGitHub.start();
  foreign.file("/storage/asset", "payload");
  gh.inject("/asset", { redirect: `${foreign.origin}/storage/asset` });
  const bytes = await download(`${gh.origin}/asset`, {
    ...FAST,
    headers: { authorization: "Bearer s3cret" },
  });
  assertEquals(new TextDecoder().decode(bytes), "payload");
  assertEquals(gh.requests[0].headers.authorization, "Bearer s3cret");
  assertEquals(foreign.requests.length, 1);
  assertEquals(foreign.requests[0].headers.authorization, undefined);
});

Deno.test("download: a same-origin redirect keeps the token", async () => {
  await using gh = await FakeGitHub.start();
  gh.file("/b", "B");
  gh.inject("/a", { redirect: "/b" });
  await download(`${gh.origin}/a`, { ...FAST, headers: { authorization: "Bearer t" } });
  assertEquals(gh.requests.map((r) => [r.path, r.headers.authorization]), [["/a", "Bearer t"], [
    "/b",
    "Bearer t",
  ]]);
});

Deno.test("download: a redirect loop ends with a clear error", async () => {
  await using gh = await FakeGitHub.start();
  gh.always("/loop", { redirect: "/loop" });
  const e = await assertRejects(() => download(`${gh.origin}/loop`, { ...FAST, maxRedirects: 3 }));
  assertEquals(code(e), "SAM-DOWNLOAD-008");
});

Deno.test("download: to a file, with progress callbacks", async () => {
  await using gh = await FakeGitHub.start();
  gh.file("/big", { size: 300 * 1024 });
  const dir = await Deno.makeTempDir();
  try {
    const seen: Array<[number, number | undefined]> = [];
    const n = await downloadToFile(`${gh.origin}/big`, `${dir}/out`, {
      ...FAST,
      onProgress: (r, t) => seen.push([r, t]),
    });
    assertEquals(n, 300 * 1024);
    assertEquals((await Deno.stat(`${dir}/out`)).size, 300 * 1024);
    assertEquals(seen.at(-1), [300 * 1024, 300 * 1024]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("download: non-http URLs are refused", async () => {
  const e = await assertRejects(() => download("ftp://example.com/x"));
  assertEquals(code(e), "SAM-DOWNLOAD-009");
});

Deno.test("download: 429 without any headers is retried with backoff, then reported as a rate limit", async () => {
  await using gh = await FakeGitHub.start();
  gh.always("/a", { status: 429 });
  const e = await assertRejects(() => download(`${gh.origin}/a`, { ...FAST, retries: 2 }));
  assertEquals(code(e), "SAM-DOWNLOAD-002");
  assertStringIncludes((e as Error).message, "did not say when it resets");
  assertEquals(gh.count("/a"), 3);
});

Deno.test("download: the TLS classifier ignores host names in URLs", () => {
  const refused = new TypeError(
    "error sending request for url (https://tls.example.com/ssl/x): client error (Connect): tcp connect error: Connection refused",
  );
  assertEquals(isTlsError(refused), false);
  const bad = new TypeError(
    "error sending request for url (https://x/): client error (Connect): invalid peer certificate: UnknownIssuer",
  );
  assertEquals(isTlsError(bad), true);
});

Deno.test("download: a caller's abort is passed through, not retried", async () => {
  await using gh = await FakeGitHub.start();
  gh.file("/slow", "x");
  gh.always("/slow", { delayMs: 2_000 });
  const ctrl = new AbortController();
  setTimeout(() => ctrl.abort(new Error("user cancelled")), 50);
  const e = await assertRejects(() =>
    download(`${gh.origin}/slow`, { ...FAST, retries: 3, signal: ctrl.signal })
  );
  assertEquals((e as Error).message, "user cancelled");
  assertEquals(gh.count("/slow"), 1);
});

Deno.test("download: Retry-After parses seconds and dates", () => {
  assertEquals(parseRetryAfter("5"), 5000);
  assertEquals(parseRetryAfter(new Date(10_000).toUTCString(), 4_000), 6_000);
  assertEquals(parseRetryAfter("soon"), undefined);
  assertEquals(parseRetryAfter(null), undefined);
});

Deno.test("download: https against a plain-HTTP server is reported as a TLS failure", async () => {
  await using gh = await FakeGitHub.start();
  gh.file("/a", "x");
  const url = gh.origin.replace("http://", "https://") + "/a";
  const e = await assertRejects(() => download(url, { ...FAST, retries: 2 }));
  assertEquals(code(e), "SAM-DOWNLOAD-003");
  assertEquals(gh.count("/a"), 0);
});

function openssl(): boolean {
  try {
    return new Deno.Command("openssl", { args: ["version"], stdout: "null", stderr: "null" }).outputSync()
      .success;
  } catch {
    return false;
  }
}

Deno.test({
  ...needs(
    "download: a self-signed certificate is reported as a TLS failure, not retried",
    !openssl() && "openssl not installed",
  ),
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const out = await new Deno.Command("openssl", {
        args: [
          "req",
          "-x509",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-keyout",
          `${dir}/key.pem`,
          "-out",
          `${dir}/cert.pem`,
          "-days",
          "1",
          "-subj",
          "/CN=127.0.0.1",
          "-addext",
          "subjectAltName=IP:127.0.0.1",
        ],
        stdout: "null",
        stderr: "piped",
      }).output();
      assert(out.success, new TextDecoder().decode(out.stderr));
      await using gh = await FakeGitHub.start({
        cert: await Deno.readTextFile(`${dir}/cert.pem`),
        key: await Deno.readTextFile(`${dir}/key.pem`),
      });
      gh.file("/a", "x");
      const e = await assertRejects(() => download(`${gh.origin}/a`, { ...FAST, retries: 2 }));
      assertEquals(code(e), "SAM-DOWNLOAD-003");
      assertMatch((e as SamuelError).reason!, /certificate|UnknownIssuer/i);
      assert(isTlsError((e as SamuelError).inner));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("download: bodies come back byte for byte, with and without Content-Length, in small and odd chunks", async () => {
  await using gh = await FakeGitHub.start();
  const body = new Uint8Array(3 * 1024 * 1024 + 17).map((_, i) => (i * 31) % 251);
  gh.file("/exact", body);
  assertEquals(await download(`${gh.origin}/exact`, FAST), body);
  gh.file("/stream", { size: 2 * 1024 * 1024 + 5, contentLength: false, chunkSize: 1000 });
  const streamed = await download(`${gh.origin}/stream`, FAST);
  assertEquals(streamed.length, 2 * 1024 * 1024 + 5);
  assert(streamed.every((b) => b === 0x61));
});
