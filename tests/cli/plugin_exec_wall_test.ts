/**
 * Issue 12 point 5, `samuel plugin exec` behind the same wall as `samuel run`, with the limits
 * `wasmtime run` users expect, through the real CLI:
 * - the process narrows itself to the `--dir` grants before the guest starts: a preload
 *   (tests/runtime/_wall_probe_preload.ts) calls Deno APIs inside the CLI's isolate at instantiation and
 *   every attempt outside the grants is refused; a process that cannot narrow (`-A`) runs the guest in a
 *   Worker instead, never in the wide isolate;
 * - `--timeout D` stops a spinning guest (exit 134, SAM-EXEC-007), `--fuel N` stops it after N refills,
 *   deterministically (SAM-EXEC-008), `--max-memory MIB` makes `memory.grow` fail past the cap, and a
 *   module whose initial memory exceeds it is refused before running; bad values are usage errors;
 * - the samuel host module is linked: a `log` line reaches stderr.
 */

import { assert, assertEquals, assertStringIncludes } from "../support/assert.ts";
import { HERMETIC_ENV, MAIN, RUN_FLAGS, runCli } from "../support/cli.ts";
import { wat2wasm } from "../support/wat.ts";
import { isRefusal, type WallAttempt, type WallOutcome } from "../runtime/_wall_attempts.ts";

const PRELOAD = new URL("../runtime/_wall_probe_preload.ts", import.meta.url).pathname;
const decoder = new TextDecoder();

const SPIN = `(module (memory (export "memory") 1) (func (export "_start") (loop $l (br $l))))`;

/** Counts to 50 million, then exits 0 (a fixed amount of work: the same refills every run). */
const COUNT = `(module
  (memory (export "memory") 1)
  (func (export "_start") (local $i i32)
    (loop $l (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 50000000))))))`;

/** Grows memory by 100 pages (6.25 MiB): proc_exit(3) when refused, proc_exit(0) when it worked. */
const GROW = `(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (if (i32.eq (memory.grow (i32.const 100)) (i32.const -1))
      (then (call $exit (i32.const 3))))
    (call $exit (i32.const 0))))`;

/** Starts with 200 pages (12.5 MiB). */
const BIG = `(module (memory (export "memory") 200) (func (export "_start")))`;

/** Logs "hello from exec" at level "info" through the samuel host module. */
const LOG = `(module
  (import "samuel" "log" (func $log (param i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "info")
  (data (i32.const 16) "hello from exec")
  (func (export "_start") (call $log (i32.const 0) (i32.const 4) (i32.const 16) (i32.const 15))))`;

/** Writes "ok\n" to stdout. */
const HELLO = `(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "\\10\\00\\00\\00\\03\\00\\00\\00")
  (data (i32.const 16) "ok\\n")
  (func (export "_start") (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))`;

async function modules(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, wat] of Object.entries({ SPIN, COUNT, GROW, BIG, LOG, HELLO })) {
    out[name] = `${dir}/${name.toLowerCase()}.wasm`;
    await Deno.writeFile(out[name], await wat2wasm(wat));
  }
  return out;
}

async function withDir(fn: (dir: string, m: Record<string, string>) => Promise<void>): Promise<void> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "samuel-exec-wall-" }));
  try {
    await fn(dir, await modules(dir));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The CLI with the probe preloaded; returns the outcomes seen inside its isolate at instantiation. */
async function probed(
  args: string[],
  attempts: WallAttempt[],
  env: Record<string, string>,
  flags: readonly string[] = RUN_FLAGS,
): Promise<{ code: number; stdout: string; stderr: string; probe?: WallOutcome[] }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-q", "--preload", PRELOAD, ...flags, MAIN, ...args],
    env: { NO_COLOR: "1", ...HERMETIC_ENV, ...env, WALL_PROBE_ATTEMPTS: JSON.stringify(attempts) },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = decoder.decode(out.stderr);
  const line = stderr.split("\n").find((l) => l.startsWith("WALL-PROBE "));
  return {
    code: out.code,
    stdout: decoder.decode(out.stdout),
    stderr,
    probe: line ? JSON.parse(line.slice("WALL-PROBE ".length)) : undefined,
  };
}

Deno.test("plugin exec: the process is narrowed to the --dir grants before the guest starts", async () => {
  await withDir(async (dir, m) => {
    await Deno.mkdir(`${dir}/rw`);
    await Deno.mkdir(`${dir}/ro`);
    await Deno.mkdir(`${dir}/outside`);
    await Deno.writeTextFile(`${dir}/ro/file.txt`, "readonly");
    await Deno.writeTextFile(`${dir}/outside/secret.txt`, "EXEC-SECRET");
    const attempts: WallAttempt[] = [
      { name: "read granted", op: "read", path: `${dir}/ro/file.txt` },
      { name: "write granted", op: "write", path: `${dir}/rw/ok.txt` },
      { name: "read outside", op: "read", path: `${dir}/outside/secret.txt` },
      { name: "read the module's folder", op: "readDir", path: dir },
      { name: "write read-only", op: "write", path: `${dir}/ro/file.txt` },
      { name: "write outside", op: "write", path: `${dir}/outside/x.txt` },
      { name: "env", op: "env" },
      { name: "command", op: "command" },
      { name: "ffi", op: "dlopen" },
      { name: "connect", op: "connect", port: 9 },
      { name: "import outside", op: "import", path: `file://${dir}/outside/x.ts` },
      { name: "hostname", op: "hostname" },
    ];
    const r = await probed(
      ["plugin", "exec", "--dir", `${dir}/rw::/rw`, "--dir-ro", `${dir}/ro::/ro`, m.HELLO],
      attempts,
      {},
    );
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.stdout, "ok\n");
    assert(r.probe, `the guest was not instantiated in the CLI's isolate: ${r.stderr}`);
    const by = Object.fromEntries(r.probe.map((o) => [o.name, o]));
    assertEquals(by["read granted"].result, "ok:readonly");
    assertEquals(by["write granted"].result, "ok");
    assertEquals(r.probe.filter((o) => !o.name.endsWith("granted") && !isRefusal(o)), []);
    assertEquals(await Deno.readTextFile(`${dir}/ro/file.txt`), "readonly");
    assertEquals([...Deno.readDirSync(`${dir}/outside`)].map((e) => e.name), ["secret.txt"]);
  });
});

Deno.test("plugin exec: a process started with -A runs the guest in a Worker, never in the wide isolate", async () => {
  await withDir(async (_dir, m) => {
    const r = await probed(["--verbose", "plugin", "exec", m.HELLO], [], {}, ["-A"]);
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.stdout, "ok\n");
    assertEquals(r.probe, undefined);
    assertStringIncludes(r.stderr, "outer wall: a sandbox Worker");
  });
});

Deno.test("plugin exec --timeout stops a spinning guest at the deadline: exit 134, SAM-EXEC-007", async () => {
  await withDir(async (_dir, m) => {
    const t0 = performance.now();
    const r = await runCli(["plugin", "exec", "--timeout", "300ms", m.SPIN]);
    const ms = performance.now() - t0;
    assertEquals(r.code, 134, r.stderr);
    assertStringIncludes(r.stderr, "--timeout");
    assertStringIncludes(r.stderr, "SAM-EXEC-007");
    assert(ms < 20_000, `took ${ms} ms`);
  });
});

Deno.test("plugin exec --fuel stops a guest after N refills, the same way every time (SAM-EXEC-008)", async () => {
  await withDir(async (_dir, m) => {
    for (let i = 0; i < 2; i++) {
      const r = await runCli(["plugin", "exec", "--fuel", "3", m.COUNT]);
      assertEquals(r.code, 134, r.stderr);
      assertStringIncludes(r.stderr, "SAM-EXEC-008");
    }
    const enough = await runCli(["plugin", "exec", "--fuel", "1000000", m.COUNT]);
    assertEquals(enough.code, 0, enough.stderr);
  });
});

Deno.test("plugin exec --max-memory: memory.grow fails past the cap; a larger initial memory is refused", async () => {
  await withDir(async (_dir, m) => {
    assertEquals((await runCli(["plugin", "exec", m.GROW])).code, 0);
    const capped = await runCli(["plugin", "exec", "--max-memory", "2", m.GROW]);
    assertEquals(capped.code, 3, capped.stderr);
    const big = await runCli(["plugin", "exec", "--max-memory", "2", m.BIG]);
    assertEquals(big.code, 2, big.stderr);
    assertStringIncludes(big.stderr, "SAM-PREPROCESS-003");
  });
});

Deno.test("plugin exec: limit values that make no sense are usage errors (exit 2, SAM-EXEC-001)", async () => {
  await withDir(async (_dir, m) => {
    for (
      const args of [
        ["--timeout", "soon"],
        ["--timeout", "0ms"],
        ["--max-memory", "0"],
        ["--max-memory", "1.5"],
        ["--fuel", "-1"],
        ["--fuel"],
      ]
    ) {
      const r = await runCli(["plugin", "exec", ...args, m.HELLO]);
      assertEquals(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assertStringIncludes(r.stderr, "SAM-EXEC-001", args.join(" "));
      assertEquals(r.stdout, "");
    }
  });
});

Deno.test("plugin exec links the samuel host module: a log line reaches stderr", async () => {
  await withDir(async (_dir, m) => {
    const r = await runCli(["plugin", "exec", m.LOG]);
    assertEquals(r.code, 0, r.stderr);
    assertStringIncludes(r.stderr, "[log.wasm] info: hello from exec");
  });
});
