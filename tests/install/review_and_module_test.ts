/**
 * The capability review (non-interactive refusal, `--yes`, the prompt, `--dry-run`) and the install-time
 * module checks (memory cap, unknown imports, missing or mistyped exports, protocol export), through the
 * real CLI. Every refusal must leave the project byte for byte as it was.
 */

import { assert, assertEquals, assertStringIncludes } from "../support/assert.ts";
import { exists, snapshot, wasm, world } from "./helpers.ts";
import { wat2wasm } from "../support/wat.ts";

Deno.test("capability review and module checks", async (t) => {
  await using w = await world();
  const TR = ["--trusted-root", w.trustedRoot];

  await t.step("risky grants in a non-interactive run without --yes: exit 3, nothing written", async () => {
    await w.publish({ repo: "risky", manifest: { write: ["/workspace/out"], hosts: ["*.example.com"] } });
    const root = await w.project();
    const before = await snapshot(root);
    const r = await w.cli(root, ["install", "acme/risky@v0.1.0", ...TR]);
    assertEquals(r.code, 3, r.stderr);
    assertStringIncludes(r.stderr, "SAM-INSTALL-001");
    assertStringIncludes(r.stderr, "re-run with --yes");
    assertStringIncludes(r.stderr, "filesystem.write /workspace/out");
    assertStringIncludes(r.stderr, "network.hosts *.example.com");
    assertEquals(await snapshot(root), before);
    const j = await w.cli(root, ["install", "acme/risky@v0.1.0", ...TR, "--json"]);
    assertEquals(j.code, 3);
    assertEquals(j.json.error.code, "SAM-INSTALL-001");
    assertEquals(j.json.error.details.risky.length, 2);
  });

  await t.step("no risky grants: installs without a question", async () => {
    await w.publish({ repo: "tame", manifest: { read: ["/workspace/src"] } });
    const root = await w.project();
    const r = await w.cli(root, ["install", "acme/tame@v0.1.0", ...TR, "--json"]);
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.json.data.plugins[0].review, "not-needed");
  });

  await t.step("the prompt: 'y' grants, anything else declines with exit 3", async () => {
    const env = { SAMUEL_TEST_ASSUME_TTY: "1" };
    const root = await w.project();
    const before = await snapshot(root);
    const no = await w.cli(root, ["install", "acme/risky@v0.1.0", ...TR], { env, stdin: "n\n" });
    assertEquals(no.code, 3, no.stderr);
    assertStringIncludes(no.stderr, "grant them? [y/N]");
    assertStringIncludes(no.stderr, "SAM-INSTALL-002");
    assertEquals(await snapshot(root), before);
    const eof = await w.cli(root, ["install", "acme/risky@v0.1.0", ...TR], { env, stdin: "" });
    assertEquals(eof.code, 3);
    const yes = await w.cli(root, ["install", "acme/risky@v0.1.0", ...TR], { env, stdin: "yes\n" });
    assertEquals(yes.code, 0, yes.stderr);
    assert(await exists(`${root}/.samuel/plugins/risky/plugin.wasm`));
  });

  await t.step("--dry-run shows everything and changes nothing (not even the module cache)", async () => {
    const root = await w.project();
    const before = await snapshot(root);
    const home = `${w.tmp}/dry-home`;
    const r = await w.cli(root, ["install", "acme/risky@v0.1.0", ...TR, "--dry-run", "--json"], {
      env: { SAMUEL_HOME: home },
    });
    assertEquals(r.code, 0, r.stderr);
    const p = r.json.data.plugins[0];
    assertEquals(r.json.data.dry_run, true);
    assertEquals(p.action, "would-install");
    assertEquals(p.review, "dry-run");
    assertEquals(p.verification.method, "sigstore");
    assertEquals(p.risky.length, 2);
    assertEquals(await snapshot(root), before);
    assert(!(await exists(`${home}/cache/wasm/modules`)), "no cache entry written");
    const human = await w.cli(root, ["install", "acme/risky@v0.1.0", ...TR, "--dry-run"]);
    assertEquals(human.code, 0);
    assertStringIncludes(human.stdout, "would be installed (dry run: nothing was changed)");
    assertStringIncludes(human.stderr, "filesystem.write");
    assertEquals(await snapshot(root), before);
  });

  const refusedModule = async (repo: string, bytes: Uint8Array, code: string, texts: string[], m = {}) => {
    await w.publish({ repo, wasm: bytes, manifest: m });
    const root = await w.project();
    const before = await snapshot(root);
    const r = await w.cli(root, ["install", `acme/${repo}@v0.1.0`, ...TR, "--yes", "--json"]);
    assertEquals(r.code, 2, r.stdout + r.stderr);
    assertEquals(r.json.error.code, code);
    for (const text of texts) assertStringIncludes(JSON.stringify(r.json.error), text);
    assertEquals(await snapshot(root), before);
  };

  await t.step("initial memory above max_memory: refused", async () => {
    // 3 MiB initial (48 pages) against a 2 MiB cap.
    await refusedModule("bigmem", await wasm({ memoryPages: 48 }), "SAM-PREPROCESS-003", ["48 pages"], {
      maxMemory: 2,
    });
  });

  await t.step("an unknown samuel.* import is refused with its name", async () => {
    const bytes = await wasm({
      imports: `(import "samuel" "teleport" (func (param i32) (result i32)))
  (import "samuel" "log" (func (param i32 i32 i32 i32)))`,
    });
    await refusedModule("unknownimport", bytes, "SAM-INSTALL-003", ["samuel.teleport"]);
  });

  await t.step("imports from other modules and non-preview1 WASI names are refused, all listed", async () => {
    const bytes = await wasm({
      imports: `(import "env" "abort" (func (param i32)))
  (import "wasi_snapshot_preview1" "fd_teleport" (func (param i32) (result i32)))
  (import "samuel" "deadline_ms" (func (result i32)))`,
    });
    await refusedModule("foreignimports", bytes, "SAM-INSTALL-003", [
      "env.abort",
      "wasi_snapshot_preview1.fd_teleport",
      "samuel.deadline_ms",
    ]);
  });

  await t.step("a declared export that the module lacks, or with the wrong type, is refused", async () => {
    await refusedModule("noexport", await wasm({ exports: ["lint"] }), "SAM-INSTALL-004", ["health"], {
      exports: ["lint", "health"],
    });
    const typed = await wat2wasm(`(module (memory (export "memory") 1)
      (func (export "lint") (param i32) (result i32) i32.const 0))`);
    await refusedModule("badtype", typed, "SAM-INSTALL-004", ["(i32) -> i32", "expected () -> i32"]);
  });

  await t.step("samuel_protocol_version outside the host's window is refused; 1 is accepted", async () => {
    await refusedModule("proto2", await wasm({ protocol: 2 }), "SAM-INSTALL-005", ["protocol 2"]);
    await w.publish({ repo: "proto1", wasm: await wasm({ protocol: 1 }) });
    const root = await w.project();
    const r = await w.cli(root, ["install", "acme/proto1@v0.1.0", ...TR, "--json"]);
    assertEquals(r.code, 0, r.stderr);
  });

  await t.step("a file that is not WebAssembly is refused", async () => {
    await refusedModule("notwasm", new TextEncoder().encode("hello"), "SAM-PREPROCESS-001", []);
  });
});

Deno.test("samuel_protocol_version of a reactor is read after _initialize, in a sandbox", async (t) => {
  await using w = await world();
  const TR = ["--trusted-root", w.trustedRoot];
  const reactor = (value: number) =>
    wat2wasm(`(module
      (memory (export "memory") 1)
      (global $p (mut i32) (i32.const 0))
      (func (export "_initialize") (global.set $p (i32.const ${value})))
      (func (export "samuel_protocol_version") (result i32) (global.get $p))
      (func (export "lint") (result i32) (i32.const 0)))`);

  await t.step("protocol 1 after initialisation: installed", async () => {
    await w.publish({ repo: "reactor1", wasm: await reactor(1) });
    const root = await w.project();
    const r = await w.cli(root, ["install", "acme/reactor1@v0.1.0", ...TR, "--json"]);
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.json.warnings, []);
  });

  await t.step("protocol 2 after initialisation: refused, nothing written", async () => {
    await w.publish({ repo: "reactor2", wasm: await reactor(2) });
    const root = await w.project();
    const before = await snapshot(root);
    const r = await w.cli(root, ["install", "acme/reactor2@v0.1.0", ...TR, "--json"]);
    assertEquals(r.code, 2, r.stderr);
    assertEquals(r.json.error.code, "SAM-INSTALL-005");
    assertEquals(await snapshot(root), before);
  });
});
