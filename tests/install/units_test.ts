/**
 * The install transaction's pure pieces: grant diffs (what an update asks about), signer identity
 * comparison, the pinned source of a lock entry, import checks, and the review's decisions without a
 * subprocess.
 */

import { assert, assertEquals, assertRejects, assertThrows } from "../support/assert.ts";
import { diffGrants, sameGrants } from "../../src/app/grants.ts";
import { checkSigner, signerIdentity } from "../../src/app/install_source.ts";
import { pinnedSourceOf } from "../../src/app/fetch.ts";
import { exportProblems, unsupportedImports } from "../../src/store/module_check.ts";
import type { Reporter } from "../../src/app/io.ts";
import { reviewCapabilities } from "../../src/app/review.ts";
import type { LockedCapabilities } from "../../src/project/lockfile.ts";
import { inspectModule } from "../../src/runtime/preprocess/mod.ts";
import { isSamuelError } from "../../src/errors.ts";
import { wat2wasm } from "../support/wat.ts";

const caps = (o: Partial<LockedCapabilities> = {}): LockedCapabilities => ({
  env: [],
  filesystem: { read: ["/workspace"], write: [] },
  network: { hosts: [] },
  maxMemory: 64,
  timeoutMs: 5000,
  hardTimeoutMs: 30000,
  ...o,
});

const quiet: Reporter = {
  json: false,
  note() {},
  warn() {},
  line() {},
  style: (t) => t,
};

Deno.test("diffGrants: only new risky grants are asked about; limits and removals are listed", () => {
  const before = caps({ env: ["HOME"], network: { hosts: ["a.example.com"] } });
  const after = caps({
    env: ["HOME", "TOKEN"],
    network: { hosts: ["b.example.com"] },
    filesystem: { read: ["/workspace", "/etc"], write: [] },
    maxMemory: 128,
  });
  const d = diffGrants(before, after);
  assertEquals(d.addedRisky.map((g) => `${g.capability} ${g.value}`), [
    "filesystem.read /etc",
    "network.hosts b.example.com",
    "env TOKEN",
  ]);
  assertEquals(d.removed.map((g) => g.value), ["a.example.com"]);
  assertEquals(d.limits, [{ name: "max_memory", from: "64 MiB", to: "128 MiB" }]);
  assertEquals(diffGrants(undefined, before).addedRisky.length, 2);
  assert(sameGrants(caps({ env: ["B", "A"] }), caps({ env: ["A", "B"] })));
  assert(!sameGrants(caps({ fuel: 10 }), caps()));
});

Deno.test("signer identity: the workflow without its ref; issuer must match too", () => {
  const v1 = "https://github.com/acme/x/.github/workflows/release.yml@refs/tags/v1";
  const v2 = "https://github.com/acme/x/.github/workflows/release.yml@refs/tags/v2";
  assertEquals(signerIdentity(v1), signerIdentity(v2));
  const sig = (san: string, issuer = "https://token.actions.githubusercontent.com") => ({
    method: "sigstore" as const,
    san,
    issuer,
    logIndex: 1,
  });
  checkSigner("x", sig(v1), sig(v2), false, quiet);
  const e = assertThrows(() =>
    checkSigner("x", sig(v1), sig(v1.replace("release.yml", "other.yml")), false, quiet)
  );
  assert(isSamuelError(e) && e.code === "SAM-INSTALL-008" && e.exit === 4);
  assertThrows(() => checkSigner("x", sig(v1), sig(v1, "https://other.example"), false, quiet));
  checkSigner("x", sig(v1), sig(v1.replace("release.yml", "other.yml")), true, quiet);
  checkSigner("x", { method: "unsigned", reason: "r" }, sig(v1), false, quiet);
});

Deno.test("pinnedSourceOf: GitHub entries reinstall the locked tag whatever the base URL", () => {
  const e = (source: string, resolvedUrl: string) => ({ source, resolvedUrl, version: "1.2.3" });
  assertEquals(
    pinnedSourceOf(e("acme/x", "http://127.0.0.1:4000/acme/x/releases/download/v1.2.3/plugin.wasm")),
    "acme/x@v1.2.3",
  );
  assertEquals(
    pinnedSourceOf(e("hello@^1", "https://mirror.example/gh/acme/x/releases/download/rel/v1/hello.tar.gz")),
    "acme/x@rel/v1",
  );
  assertEquals(pinnedSourceOf(e("file:///p", "file:///p/plugin.wasm")), "file:///p");
  assertEquals(pinnedSourceOf(e("hello@^1", "https://example.com/hello-1.2.3.wasm")), "hello@1.2.3");
});

Deno.test("unsupportedImports and exportProblems list everything wrong by name", async () => {
  const bytes = await wat2wasm(`(module
    (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
    (import "samuel" "log" (func (param i32 i32 i32 i32)))
    (import "samuel" "nope" (func))
    (import "samuel:meter" "refill" (func (result i32)))
    (import "env" "memory" (memory 1))
    (global (export "lint") i32 (i32.const 0))
    (func (export "health") (param i32) (result i32) (local.get 0)))`);
  const info = inspectModule(bytes);
  assertEquals(unsupportedImports(info.imports).map((p) => p.import), ["samuel:meter.refill", "samuel.nope"]);
  assertEquals(exportProblems(info, ["lint", "health", "gone"]), [
    "lint: exported as a global, not a function",
    "health: has signature (i32) -> i32, expected () -> i32",
    "gone: not exported by the module",
  ]);
});

Deno.test("reviewCapabilities: decisions without a terminal", async () => {
  const risky = caps({ env: ["TOKEN"] });
  assertEquals(
    (await reviewCapabilities("p", caps(), undefined, { out: quiet, yes: false, dryRun: false }))
      .decision,
    "not-needed",
  );
  assertEquals(
    (await reviewCapabilities("p", risky, undefined, { out: quiet, yes: true, dryRun: false }))
      .decision,
    "yes-flag",
  );
  assertEquals(
    (await reviewCapabilities("p", risky, risky, { out: quiet, yes: false, dryRun: false }))
      .decision,
    "not-needed",
  );
  await assertRejects(
    () =>
      reviewCapabilities("p", risky, undefined, {
        out: quiet,
        yes: false,
        dryRun: false,
        interactive: false,
      }),
    (e) => assert(isSamuelError(e) && e.code === "SAM-INSTALL-001" && e.exit === 3),
  );
  const asked = await reviewCapabilities("p", risky, undefined, {
    out: quiet,
    yes: false,
    dryRun: false,
    interactive: true,
    ask: (q) => Promise.resolve(q.includes("[y/N]") ? " Y " : ""),
  });
  assertEquals(asked.decision, "prompt");
});
