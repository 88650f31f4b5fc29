/**
 * One plugin invocation inside the current isolate (the sandbox Worker calls this): instantiate a
 * pre-processed module with our WASI host, the `samuel` host module and the meter, run its lifecycle
 * (`_initialize` for a reactor, `_start` for a command, where `proc_exit(0)` is a clean end), call the
 * requested `() -> i32` export with the input on stdin, and classify what happened (DESIGN.md section 4):
 *
 * | outcome          | when                                                                 |
 * |------------------|----------------------------------------------------------------------|
 * | `ok`             | the export returned 0                                                |
 * | `plugin_error`   | it returned non-zero, or called `proc_exit` with a non-zero code     |
 * | `trap`           | a wasm trap or an exception out of the guest                         |
 * | `timeout`        | the meter stopped it at the hard deadline, or it ended past it       |
 * | `fuel_exhausted` | the meter stopped it at the `[runtime] fuel` budget                  |
 * | `output_limit`   | stdout or stderr passed its cap                                      |
 *
 * Every entry into the guest goes through JSPI's `promising`, because `net_outbound` suspends.
 *
 * A command run as a program (`samuel plugin exec`) is an invocation too: `exportName: "_start"` runs
 * `_start` as the call itself (its `proc_exit` code is the result, 0 when it returns) and `stdio:
 * "terminal"` gives the guest this process's stdin, stdout and stderr instead of captured buffers (the
 * output caps do not apply then). Both walls run this same function, so exec and run share one path.
 */

import { instanceMemory, WasiExit, WasiHost } from "./wasi/mod.ts";
import { createSamuelHost, type LogSink, type SamuelHost } from "./host/mod.ts";
import type { ReportData } from "./host/report.ts";
import { OutputCapture } from "./host/capture.ts";
import { promising } from "./host/jspi.ts";
import { createMeter, type Meter } from "./host/meter.ts";
import type { ImportInfo, ModuleInfo } from "./preprocess/mod.ts";
import { preopenFs } from "./host_fs.ts";
import type { SandboxSpec } from "./sandbox_spec.ts";

/**
 * The import the pre-processor adds for its probes (`METER_MODULE`.`METER_FIELD` in
 * preprocess/meter_probes.ts; tests/runtime/invoke_test.ts checks they agree). Spelled out here so the
 * sandbox Worker does not load the whole rewriter (12 modules) for two strings: that cost ~10 ms per run.
 */
export const METER_IMPORT = { module: "samuel:meter", field: "refill" } as const;

export type Outcome = "ok" | "plugin_error" | "trap" | "timeout" | "fuel_exhausted" | "output_limit";

export interface InvocationReportData extends ReportData {
  peak_memory_bytes: number;
  meter_refills: number;
  stdout_bytes_total: number;
  stderr_bytes_total: number;
}

export interface InvocationResult {
  outcome: Outcome;
  export: string;
  /** The export's i32 result, when it returned. */
  returnCode?: number;
  /** The `proc_exit` code, when the guest exited. */
  exitCode?: number;
  /** Trap message and wasm backtrace (function names from the name section when present). */
  trap?: { message: string; backtrace: string[] };
  /** Human summary of a failure. */
  message?: string;
  stdout: Uint8Array;
  stderr: Uint8Array;
  report: InvocationReportData;
  timings: { instantiate_ms: number; init_ms: number; call_ms: number };
}

export interface InvokeRequest {
  spec: SandboxSpec;
  /** The `() -> i32` export to call, or `_start` to run a command as a program (see above). */
  exportName: string;
  /** The guest's stdin when `stdio` is `captured`. */
  input: Uint8Array;
  /** `captured` (default): stdin from `input`, stdout/stderr captured under their caps; `terminal`: ours. */
  stdio?: "captured" | "terminal";
  /** Where guest log lines go as they happen (the report keeps them too). */
  logSink?: LogSink;
  /** Upstream `config_get` values. */
  config?: Record<string, string>;
}

/** A stdin source over an in-memory input. */
function bufferStdin(input: Uint8Array) {
  let offset = 0;
  return {
    read(buf: Uint8Array): number {
      const n = Math.min(buf.length, input.length - offset);
      buf.set(input.subarray(offset, offset + n));
      offset += n;
      return n;
    },
  };
}

/**
 * A WASI sink over a capture; a write that reaches the cap fails with EFBIG (whatever part of it fit is
 * kept) instead of looping. Failing at once, rather than returning the short count, matters: the WASI
 * host retries a short write with the rest, which the capture would count a second time in its total.
 */
function captureSink(capture: OutputCapture) {
  return {
    write(buf: Uint8Array): number {
      const n = capture.write(buf);
      if (n < buf.length) throw Object.assign(new Error("output limit reached"), { code: "EFBIG" });
      return n;
    },
  };
}

/** Memories the module imports get a fresh one with its (already capped) limits. */
function importedMemories(
  imports: readonly ImportInfo[],
): Record<string, Record<string, WebAssembly.Memory>> {
  const out: Record<string, Record<string, WebAssembly.Memory>> = {};
  for (const imp of imports) {
    if (imp.kind !== "memory" || !imp.memory) continue;
    const desc: WebAssembly.MemoryDescriptor = { initial: imp.memory.initial };
    if (imp.memory.maximum !== undefined) desc.maximum = imp.memory.maximum;
    if (imp.memory.shared) (desc as { shared?: boolean }).shared = true;
    (out[imp.module] ??= {})[imp.name] = new WebAssembly.Memory(desc);
  }
  return out;
}

/** The wasm frames of a V8 stack trace, e.g. `$main.loop (wasm://wasm/1a2b:wasm-function[12]:0x3f)`. */
export function wasmBacktrace(e: unknown): string[] {
  const stack = e instanceof Error ? e.stack ?? "" : "";
  return stack.split("\n").map((l) => l.trim()).filter((l) =>
    l.includes("wasm://") || l.includes("wasm-function")
  )
    .map((l) => l.replace(/^at /, ""));
}

/** This process's stdio, synchronous, as the WASI host wants it (`samuel plugin exec`). */
function terminalStdio() {
  return {
    stdin: {
      read: (buf: Uint8Array) => Deno.stdin.readSync(buf) ?? 0,
      isTerminal: () => Deno.stdin.isTerminal(),
    },
    stdout: {
      write: (buf: Uint8Array) => Deno.stdout.writeSync(buf),
      isTerminal: () => Deno.stdout.isTerminal(),
    },
    stderr: {
      write: (buf: Uint8Array) => Deno.stderr.writeSync(buf),
      isTerminal: () => Deno.stderr.isTerminal(),
    },
  };
}

/**
 * What the caller in this isolate may do with the instance (never sent to a Worker: a function does not
 * cross `postMessage`). `afterRun` sees the instance's exports once the guest is done, however it ended
 * (the compile profile reads its marks there: app/run.ts).
 */
export interface InvokeHooks {
  afterRun?: (exports: WebAssembly.Exports) => void;
}

export async function invoke(
  module: WebAssembly.Module,
  info: Pick<ModuleInfo, "imports">,
  req: InvokeRequest,
  hooks: InvokeHooks = {},
): Promise<InvocationResult> {
  const { spec } = req;
  const t0 = performance.now();
  const hardDeadline = t0 + spec.hardTimeoutMs;
  const stdout = new OutputCapture(spec.stdoutCap);
  const stderr = new OutputCapture(spec.stderrCap);
  const guest = link(info, req, { softDeadline: t0 + spec.softTimeoutMs, hardDeadline, stdout, stderr });
  const result: InvocationResult = {
    outcome: "ok",
    export: req.exportName,
    stdout: new Uint8Array(),
    stderr: new Uint8Array(),
    report: undefined as unknown as InvocationReportData,
    timings: { instantiate_ms: 0, init_ms: 0, call_ms: 0 },
  };
  const end = await run(module, guest, req, result, t0, hooks);
  settle(result, spec, end >= hardDeadline, stdout, stderr);
  result.stdout = stdout.bytes();
  result.stderr = stderr.bytes();
  result.report = {
    ...guest.host.finish(),
    peak_memory_bytes: guest.memory?.buffer.byteLength ?? 0,
    meter_refills: guest.meter.refills,
    stdout_bytes_total: stdout.total,
    stderr_bytes_total: stderr.total,
  };
  return result;
}

/** One guest's hosts and imports, and its memory once the instance exists. */
interface Linked {
  wasi: WasiHost;
  host: SamuelHost;
  meter: Meter;
  imports: WebAssembly.Imports;
  /** Memories created for the module to import (at most one, module_check allows no more). */
  provided: Record<string, Record<string, WebAssembly.Memory>>;
  memory: WebAssembly.Memory | undefined;
}

/** Builds the WASI host, the `samuel` host module and the meter for `req`, and the import object. */
function link(
  info: Pick<ModuleInfo, "imports">,
  req: InvokeRequest,
  io: { softDeadline: number; hardDeadline: number; stdout: OutputCapture; stderr: OutputCapture },
): Linked {
  const { spec } = req;
  const stdio = req.stdio === "terminal" ? terminalStdio() : {
    stdin: bufferStdin(req.input),
    stdout: captureSink(io.stdout),
    stderr: captureSink(io.stderr),
  };
  const wasi = new WasiHost({
    args: spec.args,
    env: spec.env,
    preopens: spec.preopens,
    ...stdio,
    blockingDeadline: () => io.hardDeadline,
  });
  const linked: Linked = {
    wasi,
    host: undefined as unknown as SamuelHost,
    meter: createMeter({ hardDeadlineMs: io.hardDeadline, fuel: spec.fuel }),
    imports: {},
    provided: importedMemories(info.imports),
    memory: undefined,
  };
  linked.host = createSamuelHost({
    plugin: spec.pluginName,
    memory: () => linked.memory,
    allowedHosts: spec.hosts,
    softDeadline: io.softDeadline,
    logSink: req.logSink,
    fs: preopenFs(spec.preopens),
    config: req.config,
    declared: info.imports,
  });
  const imports: WebAssembly.Imports = { ...wasi.imports, ...linked.provided };
  imports.samuel = { ...linked.host.imports.samuel, ...(linked.provided.samuel ?? {}) };
  if (info.imports.some((i) => i.module === METER_IMPORT.module)) {
    imports[METER_IMPORT.module] = { [METER_IMPORT.field]: linked.meter.imports.refill };
  }
  linked.imports = imports;
  return linked;
}

/**
 * Instantiates, runs the lifecycle and the call, timing each phase; a throw is classified into the
 * result. Returns when it ended (a `performance.now()` time). The hosts are closed either way.
 */
async function run(
  module: WebAssembly.Module,
  guest: Linked,
  req: InvokeRequest,
  result: InvocationResult,
  t0: number,
  hooks: InvokeHooks,
): Promise<number> {
  let exports: WebAssembly.Exports | undefined;
  let phase: "instantiate" | "init" | "call" = "instantiate";
  let mark = t0;
  const lap = () => {
    const now = performance.now();
    const ms = Math.round((now - mark) * 1000) / 1000;
    mark = now;
    return ms;
  };
  try {
    const instance = await WebAssembly.instantiate(module, guest.imports);
    exports = instance.exports;
    const imported = Object.values(guest.provided).flatMap((m) => Object.values(m))[0];
    guest.memory = instanceMemory(instance.exports, imported);
    if (guest.memory) guest.wasi.bindMemory(guest.memory);
    result.timings.instantiate_ms = lap();

    phase = "init";
    const callable = instance.exports as Record<string, unknown>;
    await initialize(callable, req.exportName === "_start");
    result.timings.init_ms = lap();

    phase = "call";
    await call(callable, req.exportName, result);
  } catch (e) {
    classify(result, e, guest.meter.stopped, phase, req.spec);
  } finally {
    if (phase === "call") result.timings.call_ms = lap();
    else if (phase === "init") result.timings.init_ms = lap();
    else result.timings.instantiate_ms = lap();
    guest.host.cancel();
    guest.wasi.close();
    if (exports) hooks.afterRun?.(exports);
  }
  return mark;
}

/**
 * The module's own set-up: `_initialize` for a reactor, else `_start` for a command called for one of
 * its exports (not when `_start` is the call itself).
 */
async function initialize(exports: Record<string, unknown>, program: boolean): Promise<void> {
  if (typeof exports._initialize === "function") {
    await promising(exports._initialize as () => void)();
  } else if (!program && typeof exports._start === "function") {
    try {
      await promising(exports._start as () => void)();
    } catch (e) {
      // TinyGo 0.35 ends `_start` with proc_exit(0): a clean end of set-up, not of the plugin.
      if (!(e instanceof WasiExit && e.code === 0)) throw e;
    }
  }
}

/** Calls the requested export and records its result (a throw is left to `classify`). */
async function call(exports: Record<string, unknown>, exportName: string, result: InvocationResult) {
  const fn = exports[exportName];
  if (typeof fn !== "function") {
    result.outcome = "plugin_error";
    result.message = `the module does not export a function named ${exportName}`;
  } else if (exportName === "_start") {
    // A program's result is its exit code: proc_exit's (classify), or 0 when _start returns.
    await promising(fn as () => void)();
    result.exitCode = 0;
  } else {
    const rc = Number(await promising(fn as () => number)());
    result.returnCode = rc;
    if (rc !== 0) {
      result.outcome = "plugin_error";
      result.message = `${exportName} returned ${rc}`;
    }
  }
}

/**
 * The rules that override how the guest itself ended: past the hard deadline it is a timeout, and an
 * output past its cap is `output_limit`.
 */
function settle(
  result: InvocationResult,
  spec: SandboxSpec,
  pastHardDeadline: boolean,
  stdout: OutputCapture,
  stderr: OutputCapture,
): void {
  // A guest blocked in a host call (a WASI sleep, a read) is not stopped by the meter: the host cuts the
  // call short at the hard deadline and the guest may then return at once, with a result computed on a
  // sleep that never happened. Past the hard deadline the invocation is a timeout however it ended.
  if ((result.outcome === "ok" || result.outcome === "plugin_error") && pastHardDeadline) {
    result.outcome = "timeout";
    result.message =
      `stopped at the hard timeout of ${spec.hardTimeoutMs} ms (it was waiting in a host call)`;
  }
  if (
    (stdout.overflowed || stderr.overflowed) && (result.outcome === "ok" || result.outcome === "plugin_error")
  ) {
    result.outcome = "output_limit";
    const which = stdout.overflowed ? "stdout" : "stderr";
    result.message = `${which} passed its cap of ${
      stdout.overflowed ? spec.stdoutCap : spec.stderrCap
    } bytes`;
  }
}

function classify(
  result: InvocationResult,
  e: unknown,
  stopped: string | null,
  phase: string,
  spec: SandboxSpec,
): void {
  if (e instanceof WasiExit) {
    result.exitCode = e.code;
    result.outcome = e.code === 0 ? "ok" : "plugin_error";
    if (e.code !== 0) result.message = `the plugin exited with code ${e.code} during ${phase}`;
    return;
  }
  if (stopped === "timeout") {
    result.outcome = "timeout";
    result.message = `stopped at the hard timeout of ${spec.hardTimeoutMs} ms`;
    return;
  }
  if (stopped === "fuel") {
    result.outcome = "fuel_exhausted";
    result.message = `stopped after its fuel budget of ${spec.fuel} units`;
    return;
  }
  const message = e instanceof Error ? e.message : String(e);
  result.outcome = "trap";
  result.trap = { message, backtrace: wasmBacktrace(e) };
  result.message = e instanceof WebAssembly.LinkError
    ? `the module cannot be linked: ${message}`
    : `wasm trap during ${phase}: ${message}`;
}
