/**
 * Issue 4, network rules, proven through the real CLI against real `Deno.serve` servers on 127.0.0.1: an
 * allowed server and a "denied" server that must never see a request. Manifest entries carry no port, so
 * the allowlist is `127.0.0.1` and `*.example.com`, and the denied server (also on 127.0.0.1) is addressed
 * as `localhost`, which is not listed. A WAT guest sends the request JSON it reads from stdin through `samuel.net_outbound` and prints
 * the response; a refused call returns the code as the plugin's return code (DENIED -1 → 1).
 * Attempts: the denied port directly, the allowed port under another name, wildcard look-alikes of
 * `*.example.com` (`evilexample.com`, `example.com` itself, `example.com.evil.test`), user-info tricks,
 * non-http schemes, and redirects from the allowed server to the denied one and to a denied name.
 */

import { assert, assertEquals, assertStringIncludes } from "../support/assert.ts";
import { assertNoLeak, Project, wat2wasm, WAT_IO } from "./_helpers.ts";

const NET_WAT = `(module
  (import "samuel" "net_outbound" (func $net (param i32 i32 i32 i32) (result i32)))
  ${WAT_IO}
  (memory (export "memory") 4)
  (func (export "fetch") (result i32) (local $len i32) (local $rc i32)
    (local.set $len (call $read_stdin))
    (local.set $rc (call $net (i32.const 4096) (local.get $len) (i32.const 65536) (i32.const 65536)))
    (if (i32.lt_s (local.get $rc) (i32.const 0)) (then (return (i32.sub (i32.const 0) (local.get $rc)))))
    (if (i32.gt_u (local.get $rc) (i32.const 65536)) (then (local.set $rc (i32.const 65536))))
    (drop (call $write_out (i32.const 1) (i32.const 65536) (local.get $rc)))
    (i32.const 0)))`;

interface Server extends AsyncDisposable {
  port: number;
  hits: string[];
}

function serve(handler: (req: Request, port: number) => Response): Server {
  const hits: string[] = [];
  let port = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    hits.push(new URL(req.url).pathname);
    return handler(req, port);
  });
  port = server.addr.port;
  return { port, hits, [Symbol.asyncDispose]: () => server.shutdown() };
}

Deno.test("net_outbound: only allowlisted hosts are reached, directly or through redirects", async () => {
  await using denied = serve(() => new Response("DENIED-SERVER-SECRET"));
  await using allowed = serve((req) => {
    const path = new URL(req.url).pathname;
    if (path === "/ok") return new Response("hello from the allowed server");
    if (path === "/to-denied") return Response.redirect(`http://localhost:${denied.port}/stolen`, 302);
    if (path === "/to-denied-v6") return Response.redirect(`http://[::ffff:7f00:1]:${denied.port}/`, 307);
    if (path === "/to-lookalike") return Response.redirect("http://evilexample.com/stolen", 301);
    if (path === "/to-file") return Response.redirect("file:///etc/passwd", 302);
    if (path === "/to-self") return Response.redirect(`http://127.0.0.1:${allowed.port}/ok`, 302);
    return new Response("not found", { status: 404 });
  });
  await using p = await Project.create();
  await p.installOk(await wat2wasm(NET_WAT), {
    name: "net",
    exports: ["fetch"],
    hosts: ["127.0.0.1", "*.example.com"],
    timeout: "2s",
    hardTimeout: "5s",
  });
  const fetchUrl = (url: string) => p.run(["net", "fetch"], { stdin: JSON.stringify({ url }) });

  // Control: the allowed server answers, and a redirect that stays on it is followed.
  const ok = await fetchUrl(`http://127.0.0.1:${allowed.port}/ok`);
  assertEquals(ok.code, 0, ok.stdout);
  assertEquals(ok.json.data.output.status, 200);
  assertEquals(ok.json.data.output.body, "hello from the allowed server");
  const self = await fetchUrl(`http://127.0.0.1:${allowed.port}/to-self`);
  assertEquals(self.code, 0, self.stdout);
  assertEquals(self.json.data.output.body, "hello from the allowed server");
  assertEquals(self.json.data.report.net_calls[0].redirects, 1);

  const refusals: [url: string, code: number, deniedHost?: string][] = [
    [`http://localhost:${denied.port}/direct`, 1, "localhost"],
    [`http://LOCALHOST.:${denied.port}/direct`, 1, "localhost"],
    [`http://localhost:${allowed.port}/ok`, 1, "localhost"],
    [`http://[::ffff:127.0.0.1]:${denied.port}/`, 1],
    [`http://[::1]:${denied.port}/`, 1],
    ["http://evilexample.com/", 1, "evilexample.com"],
    ["http://example.com/", 1, "example.com"],
    ["http://example.com.evil.test/", 1, "example.com.evil.test"],
    ["http://api.example.com.evil.test/", 1, "api.example.com.evil.test"],
    ["https://evil.test/?q=api.example.com", 1, "evil.test"],
    [`http://api.example.com@localhost:${denied.port}/`, 9],
    ["file:///etc/passwd", 3],
    [`ws://127.0.0.1:${allowed.port}/ok`, 3],
    // Redirects from the allowed server: every hop is checked before connecting.
    [`http://127.0.0.1:${allowed.port}/to-denied`, 1, "localhost"],
    [`http://127.0.0.1:${allowed.port}/to-denied-v6`, 1],
    [`http://127.0.0.1:${allowed.port}/to-lookalike`, 1, "evilexample.com"],
    [`http://127.0.0.1:${allowed.port}/to-file`, 3],
  ];
  for (const [url, code, host] of refusals) {
    const r = await fetchUrl(url);
    assertEquals(r.code, 6, `${url}: ${r.stdout}`);
    assertEquals(r.json.data.outcome, "plugin_error", url);
    assertEquals(r.json.data.return_code, code, `${url}: ${JSON.stringify(r.json.data.report)}`);
    if (host !== undefined) {
      // Redirect hops add ` (redirect from <host>)` after the fixed part.
      const denials: string[] = r.json.data.report.denials;
      assertEquals(denials.length, 1, url);
      assert(denials[0].startsWith(`denied: network.outbound ${host} not in allowlist`), denials[0]);
    }
    assertNoLeak(r, "DENIED-SERVER-SECRET", "root:");
  }
  assertEquals(denied.hits, [], "the denied server saw a request");
  assert(allowed.hits.length >= 4, `allowed server hits: ${allowed.hits}`);

  // Human output names the denial too.
  const human = await p.cli(["run", "net", "fetch", "--input", "-"], {
    stdin: JSON.stringify({ url: `http://localhost:${denied.port}/` }),
  });
  assertEquals(human.code, 6);
  assertStringIncludes(human.stderr, "denied: network.outbound localhost not in allowlist");
  assertEquals(denied.hits, []);
});

Deno.test("net_outbound: a plugin with no network grant reaches nothing", async () => {
  await using srv = serve(() => new Response("SERVER-SECRET"));
  await using p = await Project.create();
  await p.installOk(await wat2wasm(NET_WAT), { name: "offline", exports: ["fetch"] });
  for (const url of [`http://127.0.0.1:${srv.port}/`, `http://localhost:${srv.port}/`]) {
    const r = await p.run(["offline", "fetch"], { stdin: JSON.stringify({ url }) });
    assertEquals(r.code, 6, r.stdout);
    assertEquals(r.json.data.return_code, 1);
    assertNoLeak(r, "SERVER-SECRET");
  }
  assertEquals(srv.hits, []);
});
