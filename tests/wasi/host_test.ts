/**
 * The public API of the WASI host (src/runtime/wasi/mod.ts) as the plugin runtime will use it:
 * reactors, in-memory stdio with a size cap, stdin sources, the blocking deadline, injectable clock and
 * random sources, proc_exit as WasiExit, preopen set-up errors, and closing host files.
 */

import { assert, assertEquals, assertThrows } from "../support/assert.ts";
import { wat2wasm } from "../support/wat.ts";
import { fixturePath, hasFixture, MemorySink, MemorySource, runCommand } from "./helpers.ts";
import { WasiExit, WasiHost, type WasiOptions, WasiSetupError } from "../../src/runtime/wasi/mod.ts";
import { needs } from "../support/needs.ts";

function instantiate(bytes: Uint8Array, imports: WebAssembly.Imports): WebAssembly.Instance {
  return new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>), imports);
}

function options(over: Partial<WasiOptions> = {}): WasiOptions {
  return {
    args: ["t"],
    env: [],
    preopens: [],
    stdin: new MemorySource(),
    stdout: new MemorySink(),
    stderr: new MemorySink(),
    ...over,
  };
}

Deno.test({
  ...needs(
    "reactor: _initialize, exported calls using WASI, proc_exit surfacing as WasiExit",
    !hasFixture("reactor.wasm") && "reactor.wasm not built; run tests/fixtures/wasi/build.sh",
  ),
  async fn() {
    const stdout = new MemorySink();
    const host = new WasiHost(options({ stdout }));
    const { instance } = await WebAssembly.instantiate(
      await Deno.readFile(fixturePath("reactor.wasm")),
      host.imports,
    );
    host.initialize(instance);
    const ex = instance.exports as Record<string, () => number>;
    assertEquals(ex.ready(), 42);
    assertEquals(ex.hello(), 0);
    assertEquals(stdout.text(), "reactor says hi\n");
    const e = assertThrows(() => ex.quit()) as WasiExit;
    assert(e instanceof WasiExit);
    assertEquals(e.code, 9);
  },
});

const POLL_SLEEP = `
(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    ;; one relative monotonic clock subscription of 10 seconds at 0, event at 100, nevents at 200
    (i64.store (i32.const 0) (i64.const 7))
    (i32.store8 (i32.const 8) (i32.const 0))
    (i32.store (i32.const 16) (i32.const 1))
    (i64.store (i32.const 24) (i64.const 10000000000))
    (drop (call $poll (i32.const 0) (i32.const 100) (i32.const 1) (i32.const 200)))))`;

Deno.test("blockingDeadline bounds a poll_oneoff sleep", async () => {
  let deadline = Infinity;
  const host = new WasiHost(options({ blockingDeadline: () => deadline }));
  const instance = instantiate(await wat2wasm(POLL_SLEEP), host.imports);
  const t0 = performance.now();
  deadline = t0 + 50;
  assertEquals(host.start(instance), 0);
  const took = performance.now() - t0;
  assert(took >= 40 && took < 2000, `slept ${took} ms`);
});

const CLOCK_RANDOM = `
(module
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (drop (call $clock (i32.const 0) (i64.const 1) (i32.const 100)))
    (drop (call $clock (i32.const 1) (i64.const 1) (i32.const 108)))
    (drop (call $random (i32.const 116) (i32.const 4)))
    (i32.store (i32.const 0) (i32.const 100))
    (i32.store (i32.const 4) (i32.const 20))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 50)))))`;

Deno.test("clock and random sources are injectable", async () => {
  const stdout = new MemorySink();
  const host = new WasiHost(options({
    stdout,
    clock: { realtime: () => 1234567890123456789n, monotonic: () => 42, cputime: () => 7 },
    random: (buf) => buf.fill(0xab),
  }));
  const instance = instantiate(await wat2wasm(CLOCK_RANDOM), host.imports);
  assertEquals(host.start(instance), 0);
  const bytes = new Uint8Array(stdout.chunks[0]);
  const v = new DataView(bytes.buffer);
  assertEquals(v.getBigUint64(0, true), 1234567890123456789n);
  assertEquals(v.getBigUint64(8, true), 42n);
  assertEquals([...bytes.subarray(16, 20)], [0xab, 0xab, 0xab, 0xab]);
});

Deno.test({
  name: "stdout sinks may cap: the guest sees the short count",
  async fn() {
    const stdout = new MemorySink(4);
    const host = new WasiHost(options({ stdout }));
    const bytes = await wat2wasm(`
      (module
        (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
        (memory (export "memory") 1)
        (data (i32.const 64) "0123456789")
        (func (export "_start")
          (i32.store (i32.const 0) (i32.const 64))
          (i32.store (i32.const 4) (i32.const 10))
          (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16)))
          (call $exit (i32.load (i32.const 16)))))`);
    const instance = instantiate(bytes, host.imports);
    assertEquals(host.start(instance), 4);
    assertEquals(stdout.text(), "0123");
  },
});

Deno.test({
  ...needs(
    "stdin comes from the source, args and env exactly as given",
    !hasFixture("echo.wasm") && "echo.wasm not built: clang with wasi-libc missing",
  ),
  async fn() {
    const r = await runCommand(fixturePath("echo.wasm"), {
      args: ["echo.wasm", "a b", "ünï"],
      env: [["K", "v=w"], ["EMPTY", ""]],
      stdin: new TextEncoder().encode("x".repeat(10000)),
    });
    assertEquals(r.code, 2);
    assertEquals(
      r.stdout,
      "argv[0]=echo.wasm\nargv[1]=a b\nargv[2]=ünï\nenv:K=v=w\nenv:EMPTY=\nstdin:10000\n",
    );
  },
});

Deno.test("a missing or non-directory preopen is a WasiSetupError", async () => {
  const dir = await Deno.makeTempDir();
  try {
    Deno.writeTextFileSync(`${dir}/file`, "");
    for (const hostPath of [`${dir}/missing`, `${dir}/file`]) {
      const e = assertThrows(() =>
        new WasiHost(options({ preopens: [{ guestPath: "/x", hostPath, readOnly: true }] }))
      );
      assert(e instanceof WasiSetupError);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("close() releases host files the guest left open", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const host = new WasiHost(options({ preopens: [{ guestPath: "/d", hostPath: dir, readOnly: false }] }));
    const w = host.imports.wasi_snapshot_preview1 as Record<string, (...a: unknown[]) => number>;
    const memory = new WebAssembly.Memory({ initial: 1 });
    host.bindMemory(memory);
    new Uint8Array(memory.buffer).set(new TextEncoder().encode("f"), 100);
    assertEquals(w.path_open(3, 0, 100, 1, 1, 2n, 0n, 0, 0), 0);
    host.close();
    assertEquals(w.fd_close(new DataView(memory.buffer).getUint32(0, true)), 8); // EBADF: gone
    // The host file is closed: the directory can be removed and nothing holds it.
    Deno.removeSync(`${dir}/f`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("host functions never throw into the guest (except proc_exit)", () => {
  const host = new WasiHost(options());
  const memory = new WebAssembly.Memory({ initial: 1 });
  host.bindMemory(memory);
  const fns = host.imports.wasi_snapshot_preview1 as Record<string, (...a: unknown[]) => unknown>;
  const names = Object.keys(fns).sort();
  assertEquals(names.length, 46);
  for (const name of names) {
    if (name === "proc_exit") continue;
    // Garbage arguments: huge pointers and lengths, bigints where 64-bit values are expected.
    const args = Array.from({ length: fns[name].length }, (_, i) => (i % 2 ? 0xfffffff0 : 3));
    const big = [
      "fd_seek",
      "fd_pread",
      "fd_pwrite",
      "fd_advise",
      "fd_allocate",
      "fd_readdir",
      "clock_time_get",
      "fd_filestat_set_size",
      "fd_filestat_set_times",
      "path_filestat_set_times",
      "path_open",
      "fd_fdstat_set_rights",
    ];
    const call = () =>
      fns[name](...args.map((a, i) => big.includes(name) && typeof a === "number" && i > 0 ? BigInt(a) : a));
    let result: unknown;
    try {
      result = call();
    } catch (e) {
      throw new Error(`${name} threw ${e}`);
    }
    assert(typeof result === "number", `${name} returned ${result}`);
  }
});

Deno.test({
  ...needs(
    "Go wasip1 reactor (c-shared): initialize, then exports that use the filesystem and stdout",
    !hasFixture("reactor_go.wasm") && "reactor_go.wasm not built: Go missing",
  ),
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      Deno.writeTextFileSync(`${dir}/a`, "");
      Deno.mkdirSync(`${dir}/b`);
      const stdout = new MemorySink();
      const host = new WasiHost(options({
        stdout,
        env: [["GREETING", "hi"]],
        preopens: [{ guestPath: "/data", hostPath: dir, readOnly: true }],
      }));
      const instance = instantiate(await Deno.readFile(fixturePath("reactor_go.wasm")), host.imports);
      host.initialize(instance);
      const ex = instance.exports as Record<string, () => number>;
      assertEquals(ex.count(), 2);
      assertEquals(ex.greet(), 0);
      assertEquals(ex.count(), 2);
      assertEquals(stdout.text(), "hello from a Go reactor, hi\n");
      host.close();
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
