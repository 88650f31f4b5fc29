/**
 * Child process of soak_test.ts (run with --v8-flags=--expose-gc): stops a spinning guest that holds
 * 16 MiB of touched memory `STOPS` times in one process, then prints threads and RSS before and after
 * (after a GC) and whether a normal invocation still works, as JSON on stdout.
 */

import { wat2wasm } from "../support/wat.ts";
import { preprocess } from "../../src/runtime/preprocess/mod.ts";
import { createMeter } from "../../src/runtime/host/meter.ts";

const STOPS = Number(Deno.args[0] ?? 200);
const bytes = await wat2wasm(`(module
  (memory 256)
  (func (export "spin") (memory.fill (i32.const 0) (i32.const 1) (i32.const 16777216)) (loop $l (br $l)))
  (func (export "work") (param i32) (result i32) (local i32)
    (loop $l (local.set 1 (i32.add (local.get 1) (local.get 0)))
      (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
    (local.get 1)))`);
const { bytes: rewritten } = preprocess(bytes, { maxMemoryBytes: 32 << 20, meter: true });
const module = new WebAssembly.Module(rewritten);

function threads(): number {
  const status = Deno.readTextFileSync("/proc/self/status");
  return Number(/^Threads:\s+(\d+)/m.exec(status)![1]);
}
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
function settle(): number {
  for (let i = 0; i < 3; i++) gc();
  return Deno.memoryUsage().rss;
}

function invoke(
  exportName: string,
  ms: number,
  ...args: number[]
): { ok: boolean; value?: number; stopped: string | null } {
  const meter = createMeter({ hardDeadlineMs: performance.now() + ms });
  const instance = new WebAssembly.Instance(module, { "samuel:meter": meter.imports });
  try {
    const value = (instance.exports[exportName] as (...a: number[]) => number)(...args);
    return { ok: true, value, stopped: meter.stopped };
  } catch {
    return { ok: false, stopped: meter.stopped };
  }
}

// Warm up so the baseline includes V8's compiler threads and the first instance's pages.
for (let i = 0; i < 5; i++) invoke("spin", 2);
const threadsBefore = threads();
const rssBefore = settle();
let stops = 0;
let maxThreads = threadsBefore;
const t0 = performance.now();
for (let i = 0; i < STOPS; i++) {
  const r = invoke("spin", 2);
  if (!r.ok && r.stopped === "timeout") stops++;
  maxThreads = Math.max(maxThreads, threads());
}
const elapsed = performance.now() - t0;
const threadsAfter = threads();
const rssAfter = settle();
const next = invoke("work", 5_000, 1000);
console.log(JSON.stringify({
  stops,
  elapsed,
  threadsBefore,
  threadsAfter,
  maxThreads,
  rssBefore,
  rssAfter,
  next,
}));
