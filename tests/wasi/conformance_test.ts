/**
 * Runs the C, Go and WAT conformance fixtures (tests/fixtures/wasi) against our WASI host in-process,
 * each in a fresh temp directory. The C programs assert the preview1 errno values and edge cases
 * themselves and exit non-zero with the failing line on stderr.
 */

import { assertEquals, assertStringIncludes } from "../support/assert.ts";
import { fixturePath, hasFixture, runCommand, snapshot } from "./helpers.ts";

function fixtureTest(name: string, fixture: string, fn: () => Promise<void>) {
  Deno.test({
    name: hasFixture(fixture)
      ? name
      : `${name} (skipped: ${fixture} not built; run tests/fixtures/wasi/build.sh)`,
    ignore: !hasFixture(fixture),
    fn,
  });
}

async function inTempDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "samuel-wasi-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

for (const program of ["paths", "fds"]) {
  fixtureTest(
    `C ${program}.c: every check passes and the scratch dir is cleaned up`,
    `${program}.wasm`,
    () =>
      inTempDir(async (dir) => {
        const r = await runCommand(fixturePath(`${program}.wasm`), {
          args: [`${program}.wasm`],
          preopens: [{ guestPath: "/", hostPath: dir, readOnly: false }],
        });
        assertEquals(r.stderr, "");
        assertEquals(r.code, 0);
        assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), []);
      }),
  );
}

fixtureTest(
  "C rights.c: rights are advisory (0/0 reads, modes from FD_READ/FD_WRITE), the grant refuses writes",
  "rights.wasm",
  () =>
    inTempDir(async (dir) => {
      Deno.mkdirSync(`${dir}/rw`);
      Deno.mkdirSync(`${dir}/ro/dir`, { recursive: true });
      Deno.writeTextFileSync(`${dir}/ro/file.txt`, "READONLY");
      const roBefore = await snapshot(`${dir}/ro`);
      const r = await runCommand(fixturePath("rights.wasm"), {
        preopens: [
          { guestPath: "/rw", hostPath: `${dir}/rw`, readOnly: false },
          { guestPath: "/ro", hostPath: `${dir}/ro`, readOnly: true },
        ],
      });
      assertEquals(r.stderr, "");
      assertEquals(r.code, 0);
      assertEquals(await snapshot(`${dir}/ro`), roBefore);
      assertEquals([...Deno.readDirSync(`${dir}/rw`)].map((e) => e.name), []);
    }),
);

fixtureTest("C paths.c also passes under a named preopen", "paths.wasm", () =>
  inTempDir(async (dir) => {
    const r = await runCommand(fixturePath("paths.wasm"), {
      args: ["paths.wasm", "/workspace"],
      preopens: [{ guestPath: "/workspace", hostPath: dir, readOnly: false }],
    });
    assertEquals(r.stderr, "");
    assertEquals(r.code, 0);
  }));

fixtureTest("C misc.c: args, env, clocks, poll, random, sockets, stdio", "misc.wasm", async () => {
  const r = await runCommand(fixturePath("misc.wasm"), {
    args: ["misc.wasm", "one", "two"],
    env: [["A", "1"], ["B", "x y"], ["C", "new\nline"]],
  });
  assertEquals(r.stderr, "");
  assertEquals(r.stdout, "to stdout\n");
  assertEquals(r.code, 0);
});

fixtureTest(
  "WAT faults: bad pointers are EFAULT, bad UTF-8 EILSEQ, memory growth is seen",
  "faults.wasm",
  () =>
    inTempDir(async (dir) => {
      const r = await runCommand(fixturePath("faults.wasm"), {
        preopens: [{ guestPath: "/", hostPath: dir, readOnly: false }],
      });
      assertEquals(r.code, 0, `failed check #${r.code}`);
      assertEquals(r.stdout, "grown\n");
    }),
);

fixtureTest(
  "WAT exit codes: return is 0, proc_exit(0) is 0, proc_exit(42) is 42",
  "exit_codes.wasm",
  async () => {
    const path = fixturePath("exit_codes.wasm");
    assertEquals((await runCommand(path, { args: ["x"] })).code, 0);
    assertEquals((await runCommand(path, { args: ["x", "a"] })).code, 0);
    assertEquals((await runCommand(path, { args: ["x", "a", "b"] })).code, 42);
  },
);

fixtureTest(
  "WAT no memory: proc_exit(2) in _start is exit 2; calls needing memory are EFAULT in the guest",
  "no_memory_exit.wasm",
  async () => {
    assertEquals((await runCommand(fixturePath("no_memory_exit.wasm"))).code, 2);
    const r = await runCommand(fixturePath("no_memory_calls.wasm"));
    assertEquals(r.code, 0, `failed check #${r.code}`);
    assertEquals(r.stdout + r.stderr, "");
  },
);

fixtureTest(
  "WAT imported memory: the host writes through the memory the guest imports",
  "imported_memory.wasm",
  async () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 2 });
    const { WasiHost } = await import("../../src/runtime/wasi/mod.ts");
    const { MemorySink, MemorySource } = await import("./helpers.ts");
    const stdout = new MemorySink();
    const host = new WasiHost({
      args: ["m"],
      env: [],
      preopens: [],
      stdin: new MemorySource(),
      stdout,
      stderr: new MemorySink(),
    });
    host.bindMemory(memory);
    const { instance } = await WebAssembly.instantiate(
      await Deno.readFile(fixturePath("imported_memory.wasm")),
      {
        ...host.imports,
        env: { memory },
      },
    );
    assertEquals(host.start(instance), 3);
    assertEquals(stdout.text(), "imported\n");
  },
);

fixtureTest(
  "Go wasip1 program: files, rename, readdir, sleep, random, exit code",
  "hello_go.wasm",
  () =>
    inTempDir(async (dir) => {
      const r = await runCommand(fixturePath("hello_go.wasm"), {
        args: ["hello_go.wasm", "/data", "5"],
        env: [["GREETING", "hey"]],
        preopens: [{ guestPath: "/data", hostPath: dir, readOnly: false }],
      });
      assertEquals(r.code, 5, r.stderr);
      assertStringIncludes(r.stdout, "args: 3 greeting: hey\n");
      assertStringIncludes(r.stdout, "read: written by go\n");
      assertStringIncludes(r.stdout, "entries: [go-dir]\n");
      assertStringIncludes(r.stdout, "outside: refused\n");
      assertStringIncludes(r.stdout, "slept: true\n");
      assertEquals([...Deno.readDirSync(dir)].length, 0);
    }),
);
