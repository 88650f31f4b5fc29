/**
 * `net_outbound` from a real WAT guest through JSPI against real `Deno.serve` servers on 127.0.0.1:
 * round-trips, and every allowlist rule attacked (direct, look-alikes, redirects to a denied host), with
 * the denied server proving nothing reached it; buffers, caps, deadlines and binary bodies.
 */

import { Code } from "../../src/runtime/host/codes.ts";
import type { SamuelHostContext } from "../../src/runtime/host/mod.ts";
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { type Guest, guest, serve } from "./_harness.ts";

const NET_GUEST = `(module
  (import "samuel" "net_outbound" (func $net (param i32 i32 i32 i32) (result i32)))
  (import "samuel" "net_response" (func $resp (param i32 i32) (result i32)))
  (memory (export "memory") 8)
  (func (export "fetch") (param i32 i32 i32 i32) (result i32)
    (call $net (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "response") (param i32 i32) (result i32)
    (call $resp (local.get 0) (local.get 1))))`;

const REQ = 0;
const RESP = 65536;
const RESP_CAP = 256 * 1024;

interface Reply {
  status: number;
  url: string;
  headers: Record<string, string>;
  body?: string;
  body_base64?: string;
}

function netGuest(ctx: Partial<SamuelHostContext> | (() => Partial<SamuelHostContext>)): Promise<Guest> {
  return guest(NET_GUEST, ctx);
}

/** Sends `req` as the guest would; returns the code and, when it fit, the decoded response. */
async function send(g: Guest, req: unknown, cap = RESP_CAP): Promise<{ code: number; reply?: Reply }> {
  const len = g.put(REQ, typeof req === "string" ? req : JSON.stringify(req));
  const code = await g.call("fetch", REQ, len, RESP, cap) as number;
  return code >= 0 && code <= cap ? { code, reply: JSON.parse(g.text(RESP, code)) } : { code };
}

Deno.test("GET and POST round-trip method, headers and body", async () => {
  const server = serve(async (req) =>
    Response.json({ method: req.method, x: req.headers.get("x-test"), body: await req.text() }, {
      headers: { "x-reply": "yes" },
    })
  );
  try {
    const g = await netGuest({ allowedHosts: ["127.0.0.1"] });
    const get = await send(g, { url: `${server.origin}/get?a=1`, headers: { "X-Test": "hello" }, body: "" });
    assert(get.code > 0, `code ${get.code}`);
    assertEquals(get.reply?.status, 200);
    assertEquals(get.reply?.headers["x-reply"], "yes");
    assertEquals(JSON.parse(get.reply!.body!), { method: "GET", x: "hello", body: "" });
    const post = await send(g, { method: "post", url: `${server.origin}/post`, body: "héllo ✓" });
    assertEquals(JSON.parse(post.reply!.body!), { method: "POST", x: null, body: "héllo ✓" });
    assertEquals(server.hits, ["/get?a=1", "/post"]);
    const report = g.host.finish();
    assertEquals(report.denials, []);
    assertEquals(report.net_calls.map((c) => [c.method, c.host, c.status, c.bytes, c.error]), [
      ["GET", `127.0.0.1:${server.port}`, 200, get.reply!.body!.length, undefined],
      [
        "POST",
        `127.0.0.1:${server.port}`,
        200,
        new TextEncoder().encode(post.reply!.body!).length,
        undefined,
      ],
    ]);
  } finally {
    await server.close();
  }
});

Deno.test("a host not granted is refused before connecting: direct, look-alike, IP spelling", async () => {
  const server = serve(() => new Response("should not be reached"));
  try {
    const g = await netGuest({ allowedHosts: ["localhost", "*.example.com", "api.example.com"] });
    const denied = [
      [`${server.origin}/direct`, "127.0.0.1"],
      [`http://2130706433:${server.port}/decimal`, "127.0.0.1"],
      [`http://0x7f.1:${server.port}/hex`, "127.0.0.1"],
      ["http://evilexample.com/", "evilexample.com"],
      ["http://example.com/", "example.com"],
      ["http://example.com.evil.org/", "example.com.evil.org"],
      ["http://api.example.com.evil.org/", "api.example.com.evil.org"],
    ];
    for (const [url] of denied) assertEquals((await send(g, { url })).code, Code.DENIED, url);
    assertEquals(server.hits, [], "the denied server saw no request");
    const report = g.host.finish();
    assertEquals(
      report.denials,
      denied.map(([, host]) => `denied: network.outbound ${host} not in allowlist`),
    );
    assert(report.net_calls.every((c) => c.error === "DENIED" && c.status === undefined));
  } finally {
    await server.close();
  }
});

Deno.test("user info, other schemes and malformed requests are refused without connecting", async () => {
  const server = serve(() => new Response("no"));
  try {
    const g = await netGuest({ allowedHosts: ["127.0.0.1", "example.com"] });
    assertEquals((await send(g, { url: `http://example.com@127.0.0.1:${server.port}/` })).code, Code.BAD_URL);
    assertEquals((await send(g, { url: `http://127.0.0.1@evil.org:${server.port}/` })).code, Code.BAD_URL);
    assertEquals((await send(g, { url: `ftp://127.0.0.1:${server.port}/` })).code, Code.SCHEME_NOT_ALLOWED);
    assertEquals((await send(g, { url: "file:///etc/passwd" })).code, Code.SCHEME_NOT_ALLOWED);
    assertEquals((await send(g, { url: "not a url" })).code, Code.BAD_URL);
    for (
      const bad of [
        "{not json",
        "[]",
        { method: "GET" },
        { url: server.origin, method: "CONNECT" },
        { url: server.origin, method: "G E T" },
        { url: server.origin, headers: { host: "evil.org" } },
        { url: server.origin, headers: { "Proxy-Authorization": "x" } },
        { url: server.origin, headers: { "x-bad": "a\r\nb: c" } },
        { url: server.origin, headers: { n: 1 } },
        { url: server.origin, body: "x" },
        { url: server.origin, method: "POST", body: "x", body_base64: "eA==" },
        { url: server.origin, method: "POST", body_base64: "***" },
        { url: server.origin, timeout_ms: -1 },
      ]
    ) {
      assertEquals((await send(g, bad)).code, Code.BAD_REQUEST, JSON.stringify(bad));
    }
    // Invalid UTF-8 in the request.
    const len = g.put(REQ, new Uint8Array([0x7b, 0xff, 0x7d]));
    assertEquals(await g.call("fetch", REQ, len, RESP, 100), Code.BAD_REQUEST);
    // Buffers outside guest memory (8 pages = 512 KiB), including a "negative" pointer.
    assertEquals(await g.call("fetch", 512 * 1024 - 2, 10, RESP, 100), Code.OUT_OF_BOUNDS);
    assertEquals(await g.call("fetch", REQ, 2, 512 * 1024 - 10, 100), Code.OUT_OF_BOUNDS);
    assertEquals(await g.call("fetch", REQ, 2, -16, 100), Code.OUT_OF_BOUNDS);
    assertEquals(server.hits, []);
    const report = g.host.finish();
    assertMatch(report.denials[0], /^denied: network\.outbound 127\.0\.0\.1: URL carries user info/);
    assertMatch(report.denials[2], /^denied: network\.outbound scheme ftp: not allowed/);
  } finally {
    await server.close();
  }
});

Deno.test("a redirect to a denied host is refused, and the denied server sees nothing", async () => {
  const denied = serve(() => new Response("secret"));
  const allowed = serve((req) => {
    const to = new URL(req.url).searchParams.get("to")!;
    return new Response(null, { status: 302, headers: { location: to } });
  });
  try {
    // Both listen on 127.0.0.1: a port-specific entry grants only the first server.
    const g = await netGuest({ allowedHosts: [`127.0.0.1:${allowed.port}`] });
    const viaPort = await send(g, {
      url: `${allowed.origin}/r?to=${encodeURIComponent(denied.origin + "/x")}`,
    });
    assertEquals(viaPort.code, Code.DENIED);
    const viaName = await send(g, { url: `${allowed.origin}/r?to=http://localhost:${denied.port}/x` });
    assertEquals(viaName.code, Code.DENIED);
    const viaScheme = await send(g, { url: `${allowed.origin}/r?to=file:///etc/passwd` });
    assertEquals(viaScheme.code, Code.SCHEME_NOT_ALLOWED);
    const viaUserinfo = await send(g, {
      url: `${allowed.origin}/r?to=http://127.0.0.1:${allowed.port}@evil.org/`,
    });
    assertEquals(viaUserinfo.code, Code.BAD_URL);
    assertEquals(denied.hits, [], "the denied server saw no request");
    assertEquals(allowed.hits.length, 4);
    const report = g.host.finish();
    assertEquals(report.denials.slice(0, 2), [
      `denied: network.outbound 127.0.0.1 not in allowlist (redirect from 127.0.0.1:${allowed.port})`,
      `denied: network.outbound localhost not in allowlist (redirect from 127.0.0.1:${allowed.port})`,
    ]);
    assertEquals(report.net_calls[0].status, 302);
    assertEquals(report.net_calls[0].error, "DENIED");
  } finally {
    await denied.close();
    await allowed.close();
  }
});

Deno.test("redirects between allowed hosts are followed; 303 turns POST into GET; loops stop", async () => {
  const b = serve(async (req) =>
    new Response(`${req.method} ${new URL(req.url).pathname} [${await req.text()}]`)
  );
  const a = serve((req) => {
    const path = new URL(req.url).pathname;
    if (path === "/loop") return new Response(null, { status: 302, headers: { location: "/loop" } });
    const status = path === "/see-other" ? 303 : 307;
    return new Response(null, { status, headers: { location: `${b.origin}/final` } });
  });
  try {
    const g = await netGuest({ allowedHosts: ["127.0.0.1"] });
    const kept = await send(g, { method: "POST", url: `${a.origin}/temp`, body: "payload" });
    assertEquals(kept.reply?.body, "POST /final [payload]");
    assertEquals(kept.reply?.url, `${b.origin}/final`);
    const other = await send(g, { method: "POST", url: `${a.origin}/see-other`, body: "payload" });
    assertEquals(other.reply?.body, "GET /final []");
    assertEquals((await send(g, { url: `${a.origin}/loop` })).code, Code.TOO_MANY_REDIRECTS);
    const report = g.host.finish();
    assertEquals(report.net_calls.map((c) => c.redirects), [1, 1, 5]);
    assertEquals(report.denials, []);
  } finally {
    await a.close();
    await b.close();
  }
});

Deno.test("a response larger than the guest buffer is read whole with net_response", async () => {
  const body = "x".repeat(5000);
  const server = serve(() => new Response(body));
  try {
    const g = await netGuest({ allowedHosts: ["127.0.0.1"] });
    assertEquals(await g.call("response", RESP, 100), Code.NO_PENDING_RESPONSE);
    const len = g.put(REQ, JSON.stringify({ url: server.origin }));
    g.put(RESP + 16, "SENTINEL");
    const full = await g.call("fetch", REQ, len, RESP, 16) as number;
    assert(full > 5000, `full length ${full}`);
    assertEquals(g.text(RESP, 16), '{"status":200,"u');
    assertEquals(g.text(RESP + 16, 8), "SENTINEL", "nothing written past resp_cap");
    // Too small again: still pending; then whole.
    assertEquals(await g.call("response", RESP, 10), full);
    assertEquals(await g.call("response", RESP + 8, full), full);
    assertEquals(JSON.parse(g.text(RESP + 8, full)).body, body);
    assertEquals(await g.call("response", RESP, full), Code.NO_PENDING_RESPONSE, "released once read");
    // A size probe with cap 0.
    assertEquals(await g.call("fetch", REQ, len, 0, 0), full);
    assertEquals(await g.call("response", RESP, RESP_CAP), full);
  } finally {
    await server.close();
  }
});

Deno.test("the response size cap stops reading, with or without content-length", async () => {
  const server = serve((req) => {
    if (new URL(req.url).pathname === "/declared") return new Response("y".repeat(4096));
    const chunk = new Uint8Array(1024).fill(0x7a);
    let n = 0;
    // An endless stream: only the cap can end it.
    return new Response(new ReadableStream({ pull: (c) => void c.enqueue(n++ < 1e6 ? chunk : chunk) }));
  });
  try {
    const g = await netGuest({ allowedHosts: ["127.0.0.1"], responseCap: 2048 });
    assertEquals((await send(g, { url: `${server.origin}/declared` })).code, Code.TOO_LARGE);
    const t = performance.now();
    assertEquals((await send(g, { url: `${server.origin}/endless` })).code, Code.TOO_LARGE);
    assert(performance.now() - t < 2000);
    // HEAD announces a size it does not send: not "too large".
    const head = await send(g, { method: "HEAD", url: `${server.origin}/declared` });
    assertEquals([head.reply?.status, head.reply?.headers["content-length"], head.reply?.body], [
      200,
      "4096",
      "",
    ]);
    assertEquals(g.host.finish().net_calls.map((c) => c.error), ["TOO_LARGE", "TOO_LARGE", undefined]);
  } finally {
    await server.close();
  }
});

Deno.test("a slow server cannot hold the guest past the soft deadline", async () => {
  let release = () => {};
  const gate = new Promise<void>((resolve) => release = resolve);
  const server = serve(async (req) => {
    if (new URL(req.url).pathname === "/trickle") {
      // Headers at once, then a body that stalls: the deadline must bound reading the body too.
      return new Response(
        new ReadableStream({
          async pull(c) {
            c.enqueue(new Uint8Array([0x61]));
            await gate;
            c.close();
          },
        }),
      );
    }
    await gate;
    return new Response("late");
  });
  try {
    const g = await netGuest(() => ({ allowedHosts: ["127.0.0.1"], softDeadline: performance.now() + 150 }));
    const t = performance.now();
    assertEquals((await send(g, { url: `${server.origin}/slow` })).code, Code.TIMEOUT);
    const took = performance.now() - t;
    assert(took < 1000, `returned after ${took} ms`);
    // Past the deadline, a call fails at once and nothing is sent.
    assertEquals((await send(g, { url: `${server.origin}/after` })).code, Code.TIMEOUT);
    assertEquals(server.hits, ["/slow"]);
    // The request's own timeout_ms bounds it too.
    const g2 = await netGuest({ allowedHosts: ["127.0.0.1"] });
    const t2 = performance.now();
    assertEquals((await send(g2, { url: `${server.origin}/slow2`, timeout_ms: 50 })).code, Code.TIMEOUT);
    assert(performance.now() - t2 < 1000);
    const t3 = performance.now();
    assertEquals((await send(g2, { url: `${server.origin}/trickle`, timeout_ms: 50 })).code, Code.TIMEOUT);
    assert(performance.now() - t3 < 1000);
    assertEquals(g.host.finish().net_calls.map((c) => c.error), ["TIMEOUT", "TIMEOUT"]);
    // A runtime giving up on the invocation aborts the call in flight.
    const pendingCall = send(g2, { url: `${server.origin}/cancelled` });
    await new Promise((r) => setTimeout(r, 20));
    g2.host.cancel();
    assertEquals((await pendingCall).code, Code.TIMEOUT);
  } finally {
    release();
    await server.close();
  }
});

Deno.test("binary bodies travel as base64 both ways", async () => {
  const server = serve(async (req) =>
    new Response(new Uint8Array(await req.arrayBuffer()), {
      headers: { "content-type": "application/octet-stream" },
    })
  );
  try {
    const g = await netGuest({ allowedHosts: ["127.0.0.1"] });
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const r = await send(g, { method: "PUT", url: server.origin, body_base64: bytes.toBase64() });
    assertEquals(r.reply?.body, undefined);
    assertEquals(Uint8Array.fromBase64(r.reply!.body_base64!), bytes);
  } finally {
    await server.close();
  }
});

Deno.test("connection failures and HTTP errors are told apart", async () => {
  const server = serve(() =>
    new Response("nope", { status: 404, headers: [["set-cookie", "a=1, x"], ["set-cookie", "b=2"]] })
  );
  const closed = serve(() => new Response(""));
  await closed.close();
  try {
    const g = await netGuest({ allowedHosts: ["127.0.0.1"] });
    const notFound = await send(g, { url: server.origin });
    assertEquals(notFound.reply?.status, 404);
    assertEquals(notFound.reply?.headers["set-cookie"], "a=1, x\nb=2");
    assertEquals((await send(g, { url: closed.origin })).code, Code.CONNECTION_FAILED);
  } finally {
    await server.close();
  }
});
