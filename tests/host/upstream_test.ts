/**
 * The upstream names and the module-level checks, with real WAT guests: `exec` is denied whatever its
 * signature, unknown signatures get stubs that instantiate, `config_get` and `fs_read`/`fs_write` go
 * through the injected map and filesystem (a real temporary folder), missing imports are listed by name.
 */

import { Code } from "../../src/runtime/host/codes.ts";
import {
  createSamuelHost,
  type HostFs,
  type HostImportDecl,
  missingHostImports,
} from "../../src/runtime/host/mod.ts";
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { guest } from "./_harness.ts";

const I32X4 = ["i32", "i32", "i32", "i32"];

Deno.test("exec is always denied, with the command in the report, whatever its signature", async () => {
  const wat = `(module
    (import "samuel" "exec" (func $exec (param i32 i32) (result i32)))
    (memory (export "memory") 1)
    (data (i32.const 0) "rm -rf /")
    (func (export "run") (result i32) (call $exec (i32.const 0) (i32.const 8))))`;
  const g = await guest(wat, { declared: [{ name: "exec", params: ["i32", "i32"], results: ["i32"] }] });
  assertEquals(await g.call("run"), Code.DENIED);
  assertEquals(g.host.finish().denials, ['denied: exec "rm -rf /" (samuel never runs processes)']);

  const wat64 = `(module
    (import "samuel" "exec" (func $exec (param i64 f64) (result i64)))
    (import "samuel" "callback" (func $cb (param i32 i32) (result f64)))
    (memory (export "memory") 1)
    (func (export "run") (result i64) (call $exec (i64.const 1) (f64.const 2)))
    (func (export "cb") (result f64) (call $cb (i32.const 0) (i32.const 0))))`;
  const g64 = await guest(wat64, {
    declared: [
      {
        module: "samuel",
        name: "exec",
        kind: "function",
        type: { params: ["i64", "f64"], results: ["i64"] },
      },
      {
        module: "samuel",
        name: "callback",
        kind: "function",
        type: { params: ["i32", "i32"], results: ["f64"] },
      },
    ],
  });
  assertEquals(await g64.call("run"), -1n);
  assertEquals(await g64.call("cb"), Code.NOT_SUPPORTED);
  const report = g64.host.finish();
  assertEquals(report.denials, ["denied: exec (samuel never runs processes)"]);
  assertMatch(report.notes[0], /samuel\.callback is not supported/);
});

Deno.test("upstream imports with unknown signatures get stubs that instantiate and answer NOT_SUPPORTED", async () => {
  const wat = `(module
    (import "samuel" "fs_read" (func $r (param i64) (result i64)))
    (import "samuel" "fs_write" (func $w (param i32 i32)))
    (import "samuel" "config_get" (func $c (param i32 i32) (result i32 i64)))
    (memory (export "memory") 1)
    (func (export "r") (result i64) (call $r (i64.const 7)))
    (func (export "w") (call $w (i32.const 0) (i32.const 0)))
    (func (export "c") (result i64) (local $x i64)
      (call $c (i32.const 0) (i32.const 0)) (local.set $x) (drop) (local.get $x))
    (func (export "c0") (result i32) (call $c (i32.const 0) (i32.const 0)) (drop)))`;
  const declared: HostImportDecl[] = [
    { name: "fs_read", params: ["i64"], results: ["i64"] },
    { name: "fs_write", params: ["i32", "i32"], results: [] },
    { name: "config_get", params: ["i32", "i32"], results: ["i32", "i64"] },
  ];
  assertEquals(missingHostImports(declared), []);
  const g = await guest(wat, { declared });
  assertEquals(await g.call("r"), BigInt(Code.NOT_SUPPORTED));
  assertEquals(await g.call("w"), undefined);
  assertEquals(await g.call("c0"), Code.NOT_SUPPORTED, "multi-value results: each one cast");
  assertEquals(await g.call("c"), BigInt(Code.NOT_SUPPORTED));
  const notes = g.host.finish().notes;
  assertEquals(notes.length, 3);
  assertMatch(notes[0], /^samuel\.fs_read \(i64\) -> \(i64\): signature not supported/);
});

const CONFIG_GUEST = `(module
  (import "samuel" "config_get" (func $c (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "get") (param i32 i32 i32 i32) (result i32)
    (call $c (local.get 0) (local.get 1) (local.get 2) (local.get 3))))`;

Deno.test("config_get reads the injected map with snprintf semantics", async () => {
  const declared = [{ name: "config_get", params: I32X4, results: ["i32"] }];
  const g = await guest(CONFIG_GUEST, { declared, config: { token: "sëcret", empty: "" } });
  const k = g.put(0, "token");
  assertEquals(await g.call("get", 0, k, 100, 64), 7);
  assertEquals(g.text(100, 7), "sëcret");
  g.put(200, "......");
  assertEquals(await g.call("get", 0, k, 200, 3), 7, "full length even when the buffer is short");
  assertEquals(g.text(200, 6), "së...");
  assertEquals(await g.call("get", 0, g.put(0, "empty"), 200, 0), 0);
  assertEquals(await g.call("get", 0, g.put(0, "missing"), 200, 10), Code.NOT_FOUND);
  assertEquals(await g.call("get", 0, g.put(0, "constructor"), 200, 10), Code.NOT_FOUND, "no prototype keys");
  assertEquals(await g.call("get", 0, k, 65530, 64), Code.OUT_OF_BOUNDS);
  assertEquals(await g.call("get", 65530, 64, 0, 10), Code.OUT_OF_BOUNDS);
  assertEquals(await g.call("get", 0, g.put(0, new Uint8Array([0xc3])), 200, 10), Code.BAD_REQUEST);
  // Default: an empty map.
  const bare = await guest(CONFIG_GUEST, { declared });
  assertEquals(await bare.call("get", 0, bare.put(0, "token"), 100, 64), Code.NOT_FOUND);
});

const FS_GUEST = `(module
  (import "samuel" "fs_read" (func $r (param i32 i32 i32 i32) (result i32)))
  (import "samuel" "fs_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "read") (param i32 i32 i32 i32) (result i32)
    (call $r (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "write") (param i32 i32 i32 i32) (result i32)
    (call $w (local.get 0) (local.get 1) (local.get 2) (local.get 3))))`;

/** A real folder granted read-write at /workspace, everything else denied (what the WASI resolver does). */
function folderFs(root: string): HostFs {
  const resolve = (p: string) =>
    p === "/workspace" || p.startsWith("/workspace/") && !p.split("/").includes("..")
      ? root + p.slice("/workspace".length)
      : undefined;
  return {
    read(path) {
      const real = resolve(path);
      if (real === undefined) return { error: "denied", message: "outside the filesystem grants" };
      try {
        return Deno.readFileSync(real);
      } catch (e) {
        return { error: e instanceof Deno.errors.NotFound ? "not_found" : "io", message: String(e) };
      }
    },
    write(path, data) {
      const real = resolve(path);
      if (real === undefined) return { error: "denied", message: "no write grant" };
      Deno.writeFileSync(real, data);
    },
  };
}

Deno.test("fs_read and fs_write go through the injected grants; denials are reported", async () => {
  const root = await Deno.makeTempDir();
  try {
    Deno.writeTextFileSync(`${root}/in.txt`, "hello file");
    const declared = ["fs_read", "fs_write"].map((name) => ({ name, params: I32X4, results: ["i32"] }));
    const g = await guest(FS_GUEST, { declared, fs: folderFs(root) });
    const p = g.put(0, "/workspace/in.txt");
    assertEquals(await g.call("read", 0, p, 1000, 100), 10);
    assertEquals(g.text(1000, 10), "hello file");
    assertEquals(await g.call("read", 0, p, 1000, 4), 10, "snprintf: size even when the buffer is short");
    const out = g.put(0, "/workspace/out.txt");
    const data = g.put(500, "written by guest");
    assertEquals(await g.call("write", 0, out, 500, data), data);
    assertEquals(Deno.readTextFileSync(`${root}/out.txt`), "written by guest");
    assertEquals(await g.call("read", 0, g.put(0, "/workspace/none"), 1000, 100), Code.NOT_FOUND);
    assertEquals(await g.call("read", 0, g.put(0, "/etc/passwd"), 1000, 100), Code.DENIED);
    assertEquals(await g.call("write", 0, g.put(0, "/workspace/../x"), 500, data), Code.DENIED);
    assertEquals(await g.call("read", 0, p, 65000, 1000), Code.OUT_OF_BOUNDS);
    assertEquals(g.host.finish().denials, [
      "denied: filesystem.read /etc/passwd: outside the filesystem grants",
      "denied: filesystem.write /workspace/../x: no write grant",
    ]);
    // Without an injected filesystem everything is denied.
    const bare = await guest(FS_GUEST, { declared });
    assertEquals(await bare.call("read", 0, bare.put(0, "/workspace/in.txt"), 1000, 100), Code.DENIED);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("fs_read and fs_write: bad pointers and non-UTF-8 paths are refused before the filesystem is asked", async () => {
  const asked: string[] = [];
  const fs: HostFs = {
    read: (path) => (asked.push(`read ${path}`), new Uint8Array(3)),
    write: (path) => void asked.push(`write ${path}`),
  };
  const declared = ["fs_read", "fs_write"].map((name) => ({ name, params: I32X4, results: ["i32"] }));
  const g = await guest(FS_GUEST, { declared, fs });
  const bad = g.put(0, new Uint8Array([0x2f, 0xff]));
  assertEquals(await g.call("read", 0, bad, 1000, 10), Code.BAD_REQUEST);
  assertEquals(await g.call("write", 0, bad, 1000, 10), Code.BAD_REQUEST);
  const p = g.put(0, "/workspace/x");
  // A pointer above 2 GiB arrives as a negative i32: read unsigned, it lies past this 64 KiB memory.
  assertEquals(await g.call("read", -16, p, 1000, 10), Code.OUT_OF_BOUNDS);
  assertEquals(await g.call("read", 0, p, -16, 10), Code.OUT_OF_BOUNDS);
  assertEquals(await g.call("write", 0, p, 65530, 10), Code.OUT_OF_BOUNDS);
  assertEquals(await g.call("write", 0, p, 65530, -1), Code.OUT_OF_BOUNDS);
  assertEquals(asked, []);
  assertEquals(await g.call("read", 0, p, 65536, 0), 3, "a zero-length buffer at the end is a size probe");
  assertEquals(asked, ["read /workspace/x"]);
});

Deno.test("a module without memory: the host sees zero bytes, so only empty ranges are in bounds", () => {
  const host = createSamuelHost({
    plugin: "no-memory",
    memory: () => undefined,
    softDeadline: Infinity,
    config: { "": "empty key" },
    declared: [{ name: "config_get", params: I32X4, results: ["i32"] }, { name: "log" }],
  });
  const samuel = host.imports.samuel as Record<string, (...a: number[]) => number>;
  assertEquals(samuel.config_get(0, 0, 0, 0), "empty key".length);
  assertEquals(samuel.config_get(0, 1, 0, 0), Code.OUT_OF_BOUNDS);
  assertEquals(samuel.config_get(0, 0, 0, 1), Code.OUT_OF_BOUNDS);
  samuel.log(0, 0, 0, 0);
  samuel.log(0, 4, 0, 0);
  const report = host.finish();
  assertEquals([report.log.length, report.log_invalid], [1, 1]);
});

Deno.test("missingHostImports names what cannot be linked, before anything runs", () => {
  const missing = missingHostImports([
    { module: "wasi_snapshot_preview1", name: "fd_write", kind: "function" },
    { module: "samuel", name: "log", kind: "function", type: { params: I32X4, results: [] } },
    { module: "samuel", name: "http_get", kind: "function" },
    { module: "samuel", name: "log2", params: [], results: [] },
    { module: "samuel", name: "deadline_ms", kind: "function", type: { params: [], results: ["i32"] } },
    { module: "samuel", name: "net_outbound", kind: "global" },
    { module: "samuel", name: "exec", kind: "function", type: { params: ["v128"], results: [] } },
    { module: "samuel", name: "toString", kind: "function" },
  ]);
  assertEquals(missing.map((m) => m.name), [
    "http_get",
    "log2",
    "deadline_ms",
    "net_outbound",
    "exec",
    "toString",
  ]);
  assertMatch(
    missing[0].message,
    /^samuel\.http_get: not provided by this host \(it provides log, net_outbound/,
  );
  assertEquals(
    missing[2].message,
    "samuel.deadline_ms: declared as () -> (i32), but protocol 1 defines () -> (i64)",
  );
  assertMatch(missing[3].message, /imported as a global/);
});

Deno.test("deadline_ms counts down and goes negative after the soft deadline", async () => {
  const wat = `(module
    (import "samuel" "deadline_ms" (func $d (result i64)))
    (memory (export "memory") 1)
    (func (export "left") (result i64) (call $d)))`;
  let clock = 5000;
  const g = await guest(wat, { softDeadline: 5060, now: () => clock });
  assertEquals(await g.call("left"), 60n);
  clock += 59.5;
  assertEquals(await g.call("left"), 0n, "the last millisecond reads 0");
  clock += 1;
  assertEquals(await g.call("left"), -1n, "half a millisecond late is already negative");
  clock += 2;
  assertEquals(await g.call("left"), -3n);
  // On the real clock.
  const real = await guest(wat, () => ({ softDeadline: performance.now() + 200 }));
  const before = await real.call("left") as bigint;
  assert(before > 0n && before <= 200n, `before: ${before}`);
  await new Promise((r) => setTimeout(r, 230));
  const after = await real.call("left") as bigint;
  assert(after < 0n, `after: ${after}`);
  const none = await guest(wat, { softDeadline: Infinity });
  assertEquals(await none.call("left"), BigInt(Number.MAX_SAFE_INTEGER));
});

Deno.test("only declared imports are built; the report serialises to JSON", async () => {
  const wat = `(module (import "samuel" "log" (func (param i32 i32 i32 i32))) (memory (export "memory") 1))`;
  const g = await guest(wat, { declared: [{ name: "log", params: I32X4, results: [] }] });
  assertEquals(Object.keys(g.host.imports.samuel), ["log"]);
  const all = await guest(wat);
  assertEquals(Object.keys(all.host.imports.samuel).sort(), [
    "callback",
    "config_get",
    "deadline_ms",
    "exec",
    "fs_read",
    "fs_write",
    "log",
    "net_outbound",
    "net_response",
  ]);
  assertEquals(JSON.parse(JSON.stringify(g.host.finish())), {
    plugin: "test-plugin",
    denials: [],
    denials_omitted: 0,
    log: [],
    log_dropped: 0,
    log_invalid: 0,
    net_calls: [],
    net_calls_omitted: 0,
    notes: [],
  });
});
