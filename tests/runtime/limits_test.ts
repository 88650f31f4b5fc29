/**
 * Issue 4, limits, proven through the real CLI: a C malloc loop must see NULL under a 16 MiB cap, raw
 * `memory.grow` must get -1, a tight loop, a deep recursion and a loop of bulk memory operations (none of
 * them calling an import) are stopped at a 300 ms hard timeout with exit 7, a log flood is rate-limited
 * and counted, a 1 GiB stdout flood is capped (exit 6, the capture keeps 16 MiB), a trap exits 6 with the
 * trap message and a backtrace naming the functions, a stack overflow is a trap, and a module importing
 * what the host does not provide is refused at install with the list of what is missing.
 */

import { assert, assertEquals, assertMatch, assertStringIncludes } from "../support/assert.ts";
import { probeWasm, Project, wat2wasm } from "./_helpers.ts";
import { needs } from "../support/needs.ts";

/** The C probe (tests/fixtures/runtime/probe.c), built once; undefined without clang and wasi-libc. */
const PROBE = await probeWasm();
const withProbe = (name: string) => needs(name, !PROBE && "clang/wasi-libc missing");

const MiB = 1024 * 1024;
const HARD_MS = 300;

const LIMITS_WAT = `(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "samuel" "log" (func $log (param i32 i32 i32 i32)))
  (memory (export "memory") 2)
  (data (i32.const 0) "info")
  (data (i32.const 16) "flooding the log")
  (func $spin (export "spin") (result i32) (loop $l (br $l)) (i32.const 0))
  (func $fib (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  (func (export "recurse") (result i32) (call $fib (i32.const 60)))
  (func $deep (param $n i32) (result i32) (i32.add (call $deep (i32.add (local.get $n) (i32.const 1))) (i32.const 1)))
  (func (export "stack_overflow") (result i32) (call $deep (i32.const 0)))
  (func (export "fill_loop") (result i32)
    (loop $l (memory.fill (i32.const 1024) (i32.const 7) (i32.const 65536)) (br $l)) (i32.const 0))
  ;; Grows one page at a time until memory.grow says -1; prints nothing, returns pages reached (as a
  ;; non-zero code would make the run fail, the test reads it from the report's peak memory instead).
  (func (export "grow_bomb") (result i32)
    (block $full (loop $l (br_if $full (i32.eq (memory.grow (i32.const 1)) (i32.const -1))) (br $l)))
    ;; One huge request past the cap must fail too, and the memory must still be usable.
    (if (i32.ne (memory.grow (i32.const 65535)) (i32.const -1)) (then (return (i32.const 2))))
    (i32.store (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 4)) (i32.const 42))
    (i32.const 0))
  (func (export "log_flood") (result i32) (local $i i32)
    (loop $l
      (call $log (i32.const 0) (i32.const 4) (i32.const 16) (i32.const 16))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 100000))))
    (i32.const 0))
  ;; 16384 writes of 64 KiB = 1 GiB, ignoring errors the way a careless plugin would.
  (func (export "stdout_flood") (result i32) (local $i i32)
    (memory.fill (i32.const 65536) (i32.const 65) (i32.const 65536))
    (i32.store (i32.const 32) (i32.const 65536))
    (i32.store (i32.const 36) (i32.const 65536))
    (loop $l
      (drop (call $fd_write (i32.const 1) (i32.const 32) (i32.const 1) (i32.const 40)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 16384))))
    (i32.const 0))
  (func $boom (param i32) (result i32) (unreachable))
  (func $middle (param i32) (result i32) (call $boom (i32.add (local.get 0) (i32.const 1))))
  (func (export "trap") (result i32) (call $middle (i32.const 1)))
  (func (export "health") (result i32) (i32.const 0)))`;

const EXPORTS = [
  "spin",
  "recurse",
  "stack_overflow",
  "fill_loop",
  "grow_bomb",
  "log_flood",
  "stdout_flood",
  "trap",
  "health",
];

async function limitsProject(): Promise<Project> {
  const p = await Project.create();
  await p.installOk(await wat2wasm(LIMITS_WAT), {
    name: "limits",
    exports: EXPORTS,
    maxMemory: 16,
    timeout: "100ms",
    hardTimeout: `${HARD_MS}ms`,
  });
  return p;
}

Deno.test("spinning guests stop at the hard timeout with exit 7; the next run is fine", async () => {
  await using p = await limitsProject();
  for (const exp of ["spin", "recurse", "fill_loop"]) {
    const t0 = performance.now();
    const r = await p.run(["limits", exp]);
    const wall = performance.now() - t0;
    assertEquals(r.code, 7, `${exp}: ${r.stdout}`);
    assertEquals(r.json.ok, false);
    assertEquals(r.json.data.outcome, "timeout", exp);
    assertEquals(r.json.error.code, "SAM-RUN-012");
    assertStringIncludes(r.json.error.message, `hard timeout of ${HARD_MS} ms`);
    // The hard deadline counts from the start of the invocation (instantiate + init + call).
    const t = r.json.data.timings;
    const ran = t.instantiate_ms + t.init_ms + t.call_ms;
    assert(ran >= HARD_MS - 5 && ran < HARD_MS + 150, `${exp}: stopped after ${JSON.stringify(t)}`);
    // The whole process ends promptly: nothing keeps spinning after the guest was stopped.
    assert(wall < HARD_MS + 2000, `${exp}: process took ${wall} ms`);
  }
  // --timeout overrides the manifest's hard timeout for one run.
  const short = await p.run(["limits", "spin", "--timeout", "100ms"]);
  assertEquals(short.code, 7);
  assert(
    short.json.data.timings.call_ms < 250,
    `--timeout 100ms: ${JSON.stringify(short.json.data.timings)}`,
  );
  const human = await p.cli(["run", "limits", "spin", "--timeout", "50ms"]);
  assertEquals(human.code, 7);
  assertStringIncludes(human.stderr, "timed out");
  const next = await p.run(["limits", "health"]);
  assertEquals(next.code, 0, next.stdout);
});

Deno.test("a guest asleep in a host call at the hard timeout is a timeout too (exit 7)", async () => {
  await using p = await Project.create();
  // poll_oneoff on a one-hour clock subscription: the host cuts the wait at the hard deadline and the
  // guest returns 0 at once, which must not pass for success.
  await p.installOk(
    await wat2wasm(`(module
      (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "sleep") (result i32)
        (i32.store8 (i32.const 8) (i32.const 0))
        (i32.store (i32.const 16) (i32.const 1))
        (i64.store (i32.const 24) (i64.const 3600000000000))
        (drop (call $poll (i32.const 0) (i32.const 100) (i32.const 1) (i32.const 200)))
        (i32.const 0)))`),
    { name: "sleeper", exports: ["sleep"], timeout: "100ms", hardTimeout: `${HARD_MS}ms` },
  );
  const r = await p.run(["sleeper", "sleep"]);
  assertEquals(r.code, 7, r.stdout);
  assertEquals(r.json.data.outcome, "timeout");
  assertStringIncludes(r.json.error.message, "waiting in a host call");
  assert(r.json.data.timings.call_ms < HARD_MS + 150, JSON.stringify(r.json.data.timings));
});

Deno.test("memory cap: raw memory.grow gets -1 at 16 MiB and the guest goes on", async () => {
  await using p = await limitsProject();
  const r = await p.run(["limits", "grow_bomb"]);
  assertEquals(r.code, 0, r.stdout);
  assertEquals(r.json.data.report.peak_memory_bytes, 16 * MiB);
});

Deno.test(withProbe("memory cap: a C malloc loop sees NULL under a 16 MiB cap"), async () => {
  const probe = PROBE!;
  await using p = await Project.create();
  await p.installOk(probe, { name: "probe", exports: ["malloc_bomb"], maxMemory: 16 });
  const r = await p.run(["probe", "malloc_bomb"]);
  assertEquals(r.code, 0, r.stdout + r.stderr);
  assertEquals(r.json.data.output.saw_null, true);
  const blocks = r.json.data.output.blocks;
  assert(blocks >= 10 && blocks < 16, `got ${blocks} blocks of 1 MiB`);
  assert(r.json.data.report.peak_memory_bytes <= 16 * MiB, `${r.json.data.report.peak_memory_bytes}`);
});

Deno.test("log flood: 100 000 lines are rate-limited, counted once, and the run succeeds", async () => {
  await using p = await limitsProject();
  const r = await p.run(["limits", "log_flood"]);
  assertEquals(r.code, 0, r.stdout);
  const report = r.json.data.report;
  assert(report.log.length >= 1 && report.log.length <= 20, `kept ${report.log.length} lines`);
  assertEquals(report.log.length + report.log_dropped, 100_000);
  assertEquals(report.log[0].message, "flooding the log");
  // Human output: the kept lines and one summary line, not 100 000 lines.
  const human = await p.cli(["run", "limits", "log_flood"]);
  assertEquals(human.code, 0);
  const lines = human.stderr.trim().split("\n");
  assert(lines.length <= 25, `human stderr has ${lines.length} lines`);
  assertMatch(human.stderr, /\d+ log lines dropped/);
});

Deno.test("1 GiB stdout flood: capped at 16 MiB, exit 6, the total is reported", async () => {
  await using p = await limitsProject();
  const r = await p.run(["limits", "stdout_flood"]);
  assertEquals(r.code, 6, r.stderr);
  assertEquals(r.json.data.outcome, "output_limit");
  assertEquals(r.json.error.code, "SAM-RUN-014");
  assertEquals(r.json.data.stdout.length, 16 * MiB);
  assertEquals(r.json.data.report.stdout_bytes_total, 1024 * MiB);
});

Deno.test("a trap exits 6 with the trap message and a backtrace naming the functions", async () => {
  await using p = await limitsProject();
  const r = await p.run(["limits", "trap"]);
  assertEquals(r.code, 6, r.stdout);
  assertEquals(r.json.data.outcome, "trap");
  assertEquals(r.json.error.code, "SAM-RUN-011");
  assertStringIncludes(r.json.data.trap.message, "unreachable");
  const bt: string[] = r.json.data.trap.backtrace;
  assert(bt.length >= 3, `backtrace: ${bt.join(" | ")}`);
  assertMatch(bt[0], /boom/);
  assertMatch(bt[1], /middle/);
  const human = await p.cli(["run", "limits", "trap"]);
  assertEquals(human.code, 6);
  assertStringIncludes(human.stderr, "unreachable");
  assertMatch(human.stderr, /boom[\s\S]*middle/);

  const so = await p.run(["limits", "stack_overflow"]);
  assertEquals(so.code, 6, so.stdout);
  assertEquals(so.json.data.outcome, "trap");
  assertMatch(so.json.data.trap.message, /call stack/i);
  const next = await p.run(["limits", "health"]);
  assertEquals(next.code, 0);
});

Deno.test("an import the host does not provide is refused at install, with the list", async () => {
  await using p = await Project.create();
  const wasm = await wat2wasm(`(module
    (import "samuel" "teleport" (func (param i32) (result i32)))
    (import "env" "host_secret" (func (result i32)))
    (import "wasi_snapshot_preview1" "sock_open" (func (param i32 i32 i32) (result i32)))
    (func (export "lint") (result i32) (i32.const 0)))`);
  const r = await p.install(wasm, { name: "needy", exports: ["lint"] });
  assertEquals(r.code, 2, r.stderr);
  for (const name of ["samuel.teleport", "env.host_secret", "sock_open"]) {
    assertStringIncludes(r.stderr, name);
  }
  const run = await p.run(["needy", "lint"]);
  assertEquals(run.code, 2);
  assertEquals(run.json.error.code, "SAM-RUN-001");
});

Deno.test("memory cap: a module whose initial memory exceeds max_memory is refused at install", async () => {
  await using p = await Project.create();
  const wasm = await wat2wasm(
    `(module (memory (export "memory") 512) (func (export "lint") (result i32) (i32.const 0)))`,
  );
  const r = await p.install(wasm, { name: "fat", exports: ["lint"], maxMemory: 16 });
  assertEquals(r.code, 2, r.stderr);
  assertStringIncludes(r.stderr, "SAM-PREPROCESS-003");
  const ok = await p.install(wasm, { name: "fat", exports: ["lint"], maxMemory: 32 });
  assertEquals(ok.code, 0, ok.stderr);
});
