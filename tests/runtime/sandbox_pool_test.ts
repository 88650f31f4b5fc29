/**
 * `SandboxPool` (`samuel run --all`): plugins with identical grants share one sandbox Worker, different
 * grants get their own (the outer wall is per permission set); a Worker is reused after a guest was
 * stopped by the meter, and replaced after it had to be terminated; each invocation has its own output.
 */

import { assert, assertEquals } from "../support/assert.ts";
import { SandboxPool } from "../../src/runtime/sandbox.ts";
import { preprocess } from "../../src/runtime/preprocess/mod.ts";
import { compile, request, SPIN_WAT, threads } from "./_stops_child.ts";
import { wat2wasm } from "../support/wat.ts";

Deno.test("SandboxPool: one Worker per permission set, reused across plugins and after a stop", async () => {
  const { module, info } = await compile(SPIN_WAT);
  const say = await wat2wasm(`(module
    (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (data (i32.const 64) "from-say")
    (func (export "say") (result i32)
      (i32.store (i32.const 0) (i32.const 64)) (i32.store (i32.const 4) (i32.const 8))
      (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))) (i32.const 0)))`);
  const sayPre = preprocess(say, { maxMemoryBytes: 16 << 20, meter: true });
  const sayModule = new WebAssembly.Module(sayPre.bytes);

  const pool = new SandboxPool();
  try {
    const threads0 = threads();
    const a = request(100, "spin");
    const b = request(1000, "health");
    const other = request(1000, "health");
    other.spec.preopens = [{ guestPath: "/workspace", hostPath: Deno.cwd(), readOnly: true }];
    const sa = pool.sandbox(a.spec);
    assert(pool.sandbox(b.spec) === sa, "identical grants must share the Worker");
    const so = pool.sandbox(other.spec);
    assert(so !== sa, "different grants must not share a Worker");
    assertEquals(pool.size, 2);
    assert(threads() <= threads0 + 2 + 2, `threads ${threads0} -> ${threads()}`);

    // Stopped by the meter, then reused by another "plugin" with the same grants.
    assertEquals((await sa.run(module, info, a)).outcome, "timeout");
    const ok = await pool.sandbox(b.spec).run(module, info, b);
    assertEquals(ok.outcome, "ok");
    const said = await pool.sandbox(b.spec).run(sayModule, sayPre.info, request(1000, "say"));
    assertEquals(new TextDecoder().decode(said.stdout), "from-say");
    const after = await pool.sandbox(b.spec).run(module, info, b);
    assertEquals(after.stdout.length, 0, "output of an earlier invocation leaked into a later one");
    assertEquals((await so.run(module, info, other)).outcome, "ok");

    // Many invocations on one Worker: no Worker start each time.
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) {
      assertEquals((await pool.sandbox(b.spec).run(module, info, b)).outcome, "ok");
    }
    const per = (performance.now() - t0) / 20;
    assert(per < 10, `${per.toFixed(1)} ms per pooled invocation`);
    assertEquals(pool.size, 2);
  } finally {
    pool.close();
  }
});

Deno.test("SandboxPool: a Worker terminated by the watchdog is replaced", async () => {
  // Every guest the meter sees stops on its own (waits included), so the watchdog is a last resort;
  // a spin rewritten without the meter is what still needs it (terminate() does interrupt a spin).
  const pre = preprocess(await wat2wasm(SPIN_WAT), { maxMemoryBytes: 16 << 20, meter: false });
  const module = new WebAssembly.Module(pre.bytes);
  const pool = new SandboxPool();
  try {
    const first = pool.sandbox(request(100, "spin").spec);
    const r = await first.run(module, pre.info, request(100, "spin"), { graceMs: 200 });
    assertEquals(r.outcome, "timeout");
    assertEquals(first.alive, false);
    const second = pool.sandbox(request(1000, "health").spec);
    assert(second !== first && second.alive);
    assertEquals((await second.run(module, pre.info, request(1000, "health"))).outcome, "ok");
  } finally {
    pool.close();
  }
});
