/**
 * Helpers for the pre-processor tests: rewrite and instantiate with a meter, run an export expecting a
 * stop, and locate the compiled fixtures (tests that need a toolchain's output skip when it is missing).
 */

import { preprocess, type PreprocessResult } from "../../src/runtime/preprocess/mod.ts";
import { createMeter, type Meter } from "../../src/runtime/host/meter.ts";

export const FIXTURES = new URL("../fixtures/compute/build/", import.meta.url);

/** Bytes of a built fixture, or undefined when it was not built (toolchain missing). */
export function fixture(name: string): Uint8Array | undefined {
  try {
    return Deno.readFileSync(new URL(name, FIXTURES));
  } catch {
    return undefined;
  }
}

export const MiB = 1 << 20;

export function compile(bytes: Uint8Array): WebAssembly.Module {
  return new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
}

export function rewrite(bytes: Uint8Array, maxMemoryBytes = 64 * MiB, meter = true): PreprocessResult {
  return preprocess(bytes, { maxMemoryBytes, meter });
}

// deno-lint-ignore no-explicit-any
export type Exports = Record<string, any>;

/** Instantiates the rewritten module with a fresh meter (hard deadline `ms` from now, optional fuel). */
export async function instantiateMetered(
  result: PreprocessResult,
  opts: { ms?: number; fuel?: number; imports?: WebAssembly.Imports } = {},
): Promise<{ exports: Exports; meter: Meter; instance: WebAssembly.Instance; deadline: number }> {
  const deadline = performance.now() + (opts.ms ?? 10_000);
  const meter = createMeter({ hardDeadlineMs: deadline, fuel: opts.fuel });
  const { instance } = await WebAssembly.instantiate(result.bytes as Uint8Array<ArrayBuffer>, {
    ...opts.imports,
    "samuel:meter": meter.imports,
  });
  return { exports: instance.exports as Exports, meter, instance, deadline };
}

/** Calls `fn` expecting the meter to stop it with a trap; returns how long it ran. */
export function expectStop(fn: () => unknown, meter: Meter, reason: "timeout" | "fuel" = "timeout"): number {
  const t0 = performance.now();
  try {
    fn();
  } catch (e) {
    const ms = performance.now() - t0;
    if (!(e instanceof WebAssembly.RuntimeError)) throw new Error(`expected a trap, got ${e}`);
    if (meter.stopped !== reason) {
      throw new Error(`expected stop reason ${reason}, got ${meter.stopped}: ${e}`);
    }
    return ms;
  }
  throw new Error("the guest returned instead of being stopped");
}

/** A WASI preview1 stub: every function returns ENOSYS (52) except what a libc start-up needs. */
export function wasiStub(module: WebAssembly.Module): WebAssembly.Imports {
  const fns: Record<string, () => number> = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.module === "wasi_snapshot_preview1") fns[imp.name] = () => 52;
  }
  return { wasi_snapshot_preview1: fns };
}
