/**
 * Costs of the `samuel` host module on the per-invocation hot path: a JSPI suspending import against a
 * plain one (1000 guest→host calls per iteration), `net_outbound` against a bare `fetch` to a local
 * server, a refused and an accepted `log` line, and one allowlist check.
 *   deno bench --allow-all bench/host_bench.ts
 */

import { checkUrl, compileAllowlist } from "../src/runtime/host/allowlist.ts";
import { promising, suspending } from "../src/runtime/host/jspi.ts";
import { createSamuelHost } from "../src/runtime/host/mod.ts";
import { wat2wasm } from "../tests/support/wat.ts";

const LOOP = `(module
  (import "h" "f" (func $f (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "loop") (param $n i32) (result i32) (local $s i32)
    (block $b (loop $l
      (br_if $b (i32.eqz (local.get $n)))
      (local.set $s (i32.add (local.get $s) (call $f (local.get $n))))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $l)))
    (local.get $s)))`;

const loopModule = new WebAssembly.Module(await wat2wasm(LOOP) as BufferSource);
const plain = new WebAssembly.Instance(loopModule, { h: { f: (x: number) => x } });
// deno-lint-ignore require-await
const suspended = new WebAssembly.Instance(loopModule, { h: { f: suspending(async (x: number) => x) } });
const plainLoop = promising(plain.exports.loop as (n: number) => number);
const suspendedLoop = promising(suspended.exports.loop as (n: number) => number);

Deno.bench("1000 plain import calls (through promising)", { group: "jspi", baseline: true }, async () => {
  await plainLoop(1000);
});
Deno.bench("1000 suspending import calls (each awaits)", { group: "jspi" }, async () => {
  await suspendedLoop(1000);
});

const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => new Response("ok"));
const url = `http://127.0.0.1:${server.addr.port}/`;
const NET = `(module
  (import "samuel" "net_outbound" (func $net (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "fetch") (param i32 i32 i32 i32) (result i32)
    (call $net (local.get 0) (local.get 1) (local.get 2) (local.get 3))))`;
const netModule = new WebAssembly.Module(await wat2wasm(NET) as BufferSource);
const netBound: { memory?: WebAssembly.Memory } = {};
const netHost = createSamuelHost({
  plugin: "bench",
  memory: () => netBound.memory,
  allowedHosts: ["127.0.0.1"],
  softDeadline: Infinity,
});
const netInstance = new WebAssembly.Instance(netModule, netHost.imports);
const netMemory = netBound.memory = netInstance.exports.memory as WebAssembly.Memory;
const request = new TextEncoder().encode(JSON.stringify({ url }));
new Uint8Array(netMemory.buffer).set(request, 0);
const guestFetch = promising(netInstance.exports.fetch as (...a: number[]) => number);

Deno.bench("fetch from JS", { group: "net", baseline: true }, async () => {
  await (await fetch(url)).text();
});
Deno.bench("net_outbound from a guest (JSPI + checks + JSON)", { group: "net" }, async () => {
  if (await guestFetch(0, request.length, 4096, 4096) < 0) throw new Error("net_outbound failed");
});

const LOG = `(module
  (import "samuel" "log" (func $log (param i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "info")
  (data (i32.const 16) "a typical log line from a plugin")
  (func (export "line") (call $log (i32.const 0) (i32.const 4) (i32.const 16) (i32.const 32))))`;
const logModule = new WebAssembly.Module(await wat2wasm(LOG) as BufferSource);
function logLine(clock: () => number): () => void {
  const bound: { memory?: WebAssembly.Memory } = {};
  const host = createSamuelHost({
    plugin: "bench",
    memory: () => bound.memory,
    softDeadline: Infinity,
    now: clock,
  });
  const instance = new WebAssembly.Instance(logModule, host.imports);
  bound.memory = instance.exports.memory as WebAssembly.Memory;
  return instance.exports.line as () => void;
}
let t = 0;
const accepted = logLine(() => (t += 1000)); // a second passes between lines: every line is kept
const refused = logLine(() => 0); // the clock stands still: the bucket empties after 10 lines

Deno.bench("log line kept", { group: "log" }, () => accepted());
Deno.bench("log line refused by the rate limit", { group: "log" }, () => refused());

const allow = compileAllowlist(["api.example.com", "*.cdn.example.com", "127.0.0.1", "*.example.org"]);
Deno.bench("checkUrl, compiled allowlist, wildcard hit", { group: "allowlist" }, () => {
  if (!checkUrl("https://a.b.cdn.example.com/x?y=1", allow).ok) throw new Error("unexpected");
});
Deno.bench("checkUrl, compiled allowlist, denied", { group: "allowlist" }, () => {
  if (checkUrl("https://evilexample.org/", allow).ok) throw new Error("unexpected");
});
