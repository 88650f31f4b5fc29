/**
 * Modules without a reachable memory, through `invoke` and through `samuel run` of an installed plugin
 * (tests/fixtures/wasi/wat: no_memory_exit, no_memory_calls, hidden_memory). A module with no memory
 * ends with its own code (proc_exit(2) is `plugin_error` with exit code 2, exit 6), never an internal
 * error; its memory-using calls get EFAULT in the guest; a memory the module declares but does not
 * export is reached through the pre-processor's reserved `samuel:memory` export.
 */

import { assertEquals } from "../support/assert.ts";
import { invoke } from "../../src/runtime/invoke.ts";
import { preprocess } from "../../src/runtime/preprocess/mod.ts";
import { Project, ungrantedSpec, wat2wasm } from "./_helpers.ts";

/** A fixture assembled from its committed WAT source. */
async function fixture(name: string): Promise<Uint8Array> {
  const url = new URL(`../fixtures/wasi/wat/${name}.wat`, import.meta.url);
  return await wat2wasm(await Deno.readTextFile(url), `${name}.wat`);
}

async function invokeFixture(name: string, exportName: string) {
  const pre = preprocess(await fixture(name), { maxMemoryBytes: 16 << 20, meter: true });
  const spec = ungrantedSpec(name, exportName, 2000);
  return await invoke(new WebAssembly.Module(pre.bytes), pre.info, {
    spec,
    exportName,
    input: new Uint8Array(),
  });
}

Deno.test("invoke: no memory and proc_exit(2) in _start is plugin_error with exit code 2", async () => {
  const r = await invokeFixture("no_memory_exit", "main");
  assertEquals([r.outcome, r.exitCode, r.trap], ["plugin_error", 2, undefined]);
  assertEquals(r.report.peak_memory_bytes, 0);
});

Deno.test("invoke: no memory, calls that need one get EFAULT in the guest, the others work", async () => {
  const r = await invokeFixture("no_memory_calls", "main");
  assertEquals(r.outcome, "ok", r.message);
  assertEquals(r.returnCode, 0, `failed check #${r.returnCode}`);
});

Deno.test("invoke: a declared but unexported memory is the one the host reads and writes", async () => {
  const r = await invokeFixture("hidden_memory", "main");
  assertEquals(r.outcome, "ok", r.message);
  assertEquals(r.returnCode, 0, `failed check #${r.returnCode}`);
  assertEquals(new TextDecoder().decode(r.stdout), "hidden memory\n");
  assertEquals(r.report.peak_memory_bytes, 65536);
});

Deno.test("samuel run: the installed no-memory plugin fails with its own code 2, not an internal error", async () => {
  await using p = await Project.create();
  await p.installOk(await fixture("no_memory_exit"), { name: "nomem", exports: ["main"] });
  const r = await p.run(["nomem", "main"]);
  assertEquals(r.code, 6, r.stdout + r.stderr);
  assertEquals(r.json.data.outcome, "plugin_error");
  assertEquals(r.json.data.exit_code, 2);
  assertEquals(r.json.error.code, "SAM-RUN-010");

  await p.installOk(await fixture("no_memory_calls"), { name: "nomemcalls", exports: ["main"] });
  const calls = await p.run(["nomemcalls", "main"]);
  assertEquals(calls.code, 0, calls.stdout + calls.stderr);
  assertEquals(calls.json.data.outcome, "ok");
});

Deno.test("samuel run: a plugin whose memory is not exported can use random_get and fd_write", async () => {
  await using p = await Project.create();
  await p.installOk(await fixture("hidden_memory"), { name: "hidden", exports: ["main"] });
  const r = await p.run(["hidden", "main"]);
  assertEquals(r.code, 0, r.stdout + r.stderr);
  assertEquals(r.json.data.outcome, "ok");
  assertEquals(r.json.data.return_code, 0);
  assertEquals(r.json.data.stdout, "hidden memory\n");
});
