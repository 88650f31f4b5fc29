/**
 * Helpers of tests/runtime/stops_test.ts, and its child process: run with
 * `deno run -A --v8-flags=--expose-gc _stops_child.ts N`, it stops N spinning guests in-process (`invoke`
 * without a Worker) at a 10 ms hard timeout, then forces a collection and prints a `StopsReport` as JSON:
 * thread counts before and after, RSS before, at its peak and after the collection, the worst overshoot
 * past the deadline, and whether the next invocation ran normally.
 */

import { wat2wasm } from "../support/wat.ts";
import { invoke, type InvokeRequest } from "../../src/runtime/invoke.ts";
import { preprocess } from "../../src/runtime/preprocess/mod.ts";
import { type Grants, sandboxFromGrants, type SandboxSpec } from "../../src/runtime/sandbox_spec.ts";

export interface StopsReport {
  outcomes: Record<string, number>;
  threadsBefore: number;
  threadsAfter: number;
  rssBefore: number;
  rssPeak: number;
  rssAfterGc: number;
  worstOvershootMs: number;
  worstExport?: string;
  medianOvershootMs: number;
  next: string;
}

// Every spinning export first takes and touches 4 MiB, so each stopped instance leaves memory behind
// for the garbage collector: 200 stops allocate 800 MiB, and a leak would show as RSS growing by that.
export const SPIN_WAT = `(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func $take (drop (memory.grow (i32.const 64))) (memory.fill (i32.const 0) (i32.const 1) (i32.const 4194304)))
  (func (export "spin") (result i32) (call $take) (loop $l (br $l)) (i32.const 0))
  (func $fib (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  (func (export "recurse") (result i32) (call $take) (call $fib (i32.const 60)))
  (func (export "fill_loop") (result i32)
    (call $take)
    (loop $l (memory.fill (i32.const 0) (i32.const 7) (i32.const 4194304)) (br $l)) (i32.const 0))
  ;; A guest that catches every exception around its loop: the stop is a trap, which it cannot catch.
  (func (export "catch_all") (result i32)
    (call $take)
    (loop $again
      (try (do (loop $l (br $l))) (catch_all (br $again))))
    (i32.const 0))
  (func (export "health") (result i32) (i32.const 0)))`;

export function grants(hardTimeoutMs: number): Grants {
  return {
    env: [],
    filesystem: { read: [], write: [] },
    network: { hosts: [] },
    maxMemory: 16,
    timeoutMs: hardTimeoutMs,
    hardTimeoutMs,
  };
}

export function spec(hardTimeoutMs: number, exportName: string): SandboxSpec {
  return sandboxFromGrants({
    pluginName: "t",
    exportName,
    grants: grants(hardTimeoutMs),
    projectRoot: "/tmp",
    getEnv: () => undefined,
  });
}

export async function compile(wat: string) {
  const pre = preprocess(await wat2wasm(wat), { maxMemoryBytes: 16 << 20, meter: true });
  return { module: new WebAssembly.Module(pre.bytes), info: pre.info };
}

export function request(hardTimeoutMs: number, exportName: string): InvokeRequest {
  return { spec: spec(hardTimeoutMs, exportName), exportName, input: new Uint8Array() };
}

export function threads(): number {
  const status = Deno.readTextFileSync("/proc/self/status");
  return Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? NaN);
}

if (import.meta.main) {
  const n = Number(Deno.args[0] ?? 200);
  // deno-lint-ignore no-explicit-any
  const gc = (globalThis as any).gc as () => void;
  const { module, info } = await compile(SPIN_WAT);
  const exports = ["spin", "recurse", "fill_loop", "catch_all"];
  // Warm up, so the baseline includes V8's compiler threads and the code of the host.
  for (const e of exports) await invoke(module, info, request(5, e));
  gc();
  const report: StopsReport = {
    outcomes: {},
    threadsBefore: threads(),
    threadsAfter: 0,
    rssBefore: Deno.memoryUsage().rss,
    rssPeak: 0,
    rssAfterGc: 0,
    worstOvershootMs: 0,
    next: "",
    medianOvershootMs: 0,
  };
  const overshoots: number[] = [];
  for (let i = 0; i < n; i++) {
    const e = exports[i % exports.length];
    const t0 = performance.now();
    const r = await invoke(module, info, request(10, e));
    const overshoot = performance.now() - t0 - 10;
    overshoots.push(overshoot);
    report.outcomes[r.outcome] = (report.outcomes[r.outcome] ?? 0) + 1;
    if (overshoot > report.worstOvershootMs) {
      report.worstOvershootMs = Math.round(overshoot * 10) / 10;
      report.worstExport = `${e} #${i}`;
    }
    report.rssPeak = Math.max(report.rssPeak, Deno.memoryUsage().rss);
  }
  report.threadsAfter = threads();
  overshoots.sort((a, b) => a - b);
  report.medianOvershootMs = Math.round(overshoots[overshoots.length >> 1] * 100) / 100;
  // Backing stores of collected memories are released after the collection, on later tasks.
  for (let i = 0; i < 5; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 20));
  }
  report.rssAfterGc = Deno.memoryUsage().rss;
  const next = await invoke(module, info, request(1000, "health"));
  report.next = next.outcome === "ok" && next.returnCode === 0 ? "ok" : `${next.outcome} ${next.message}`;
  console.log(JSON.stringify(report));
}
