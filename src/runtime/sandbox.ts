/**
 * Runs invocations behind the outer wall: a Worker whose Deno permissions are no wider than the
 * plugin's grants (DESIGN.md section 5). We chose a Worker over a child process because it is the cheaper
 * of the two sound options (PLATFORM-NOTES: ~10–20 ms per Worker against ~20–30 ms per process, and the
 * compiled module is handed over with `postMessage` instead of being compiled twice). `samuel run` uses a
 * one-shot `Sandbox`; `samuel run --all` a `SandboxPool`, where plugins with identical grants share a
 * Worker (measured: ~0.3 ms per invocation on a reused Worker against ~20 ms for a new one, most of it
 * `new Worker()` itself, which blocks the calling thread ~10 ms while the isolate is created).
 *
 * Stopping: a guest running wasm code stops itself at the hard deadline (the meter makes it trap, and
 * `memory.atomic.wait` is rewritten to wait in slices the meter can end), and host calls are bounded by
 * the deadlines, so the Worker answers. Should it still not answer within a grace period after the hard
 * deadline (a bug in a host, say), it is terminated and the invocation is reported as a `timeout` like
 * any other (exit 7; a note in the report says why). A thread blocked in something `Worker.terminate()`
 * cannot interrupt (an unmetered `memory.atomic.wait`) would stay until the process exits, which is why
 * waits are metered (tests/runtime/stops_test.ts).
 */

import { codeUrl } from "../code_url.ts";
import type { InvocationResult, InvokeRequest } from "./invoke.ts";
import type { ModuleInfo } from "./preprocess/mod.ts";
import type { LogLine } from "./host/report.ts";
import { type SandboxSpec, type WallGrants, workerPermissions } from "./sandbox_spec.ts";
import type { SandboxMessage, SandboxRequest } from "./sandbox_worker.ts";

/** Extra time after the hard deadline before the Worker itself is given up on. */
export const WORKER_GRACE_MS = 2_000;

export interface SandboxOptions {
  /** Receives guest log lines as they happen. */
  onLog?: (line: LogLine) => void;
  /** Grace period after the hard timeout before the Worker is given up on (default `WORKER_GRACE_MS`). */
  graceMs?: number;
  /**
   * Receives the functions the guest entered when the module is a profiling copy (compile hints:
   * preprocess/call_marks.ts), read in the Worker once the guest is done, before the result arrives.
   */
  onCalls?: (functions: number[]) => void;
}

/** A failure of the sandbox itself (not of the plugin). */
export class SandboxError extends Error {
  constructor(message: string, readonly detail?: string) {
    super(message);
    this.name = "SandboxError";
    // The Worker's own stack trace is the useful one (shown with --verbose).
    if (detail) this.stack = detail;
  }
}

/**
 * A sandbox Worker started ahead of time: its permissions depend only on the grants, so the caller can
 * start it first and load and compile the module while the Worker boots (the two overlap on 2 cores).
 * By default a sandbox runs one invocation and is then terminated. A `reusable` one (see `SandboxPool`)
 * runs invocations one after another, each with a fresh instance and fresh hosts, until it is closed or
 * its Worker had to be terminated (watchdog, sandbox failure).
 */
export class Sandbox {
  readonly #worker: Worker;
  readonly #reusable: boolean;
  #used = false;
  #busy = false;
  #dead = false;

  /** `grants`: the host paths to allow, when the caller computed them already (`wallGrants(spec)`). */
  constructor(spec: SandboxSpec, opts: { reusable?: boolean; grants?: WallGrants } = {}) {
    this.#reusable = opts.reusable === true;
    // Resolved here, not at import: in the bundle, code_url.ts learns where the modules are only once
    // the entry point has run.
    this.#worker = new Worker(codeUrl("runtime/sandbox_worker"), {
      type: "module",
      name: this.#reusable ? "samuel-sandbox" : `samuel-plugin-${spec.pluginName}`,
      deno: { permissions: workerPermissions(spec, opts.grants) },
    } as WorkerOptions);
  }

  /** False once the Worker was terminated: a pool then starts a new one. */
  get alive(): boolean {
    return !this.#dead;
  }

  /** Runs one invocation; a one-shot sandbox's Worker is terminated when it settles. */
  run(
    module: WebAssembly.Module,
    info: ModuleInfo,
    request: Omit<InvokeRequest, "logSink">,
    options: SandboxOptions = {},
  ): Promise<InvocationResult> {
    if (this.#dead) throw new Error("this sandbox was terminated");
    if (this.#busy) throw new Error("a Sandbox runs one invocation at a time");
    if (this.#used && !this.#reusable) throw new Error("a one-shot Sandbox runs one invocation");
    this.#used = true;
    this.#busy = true;
    const worker = this.#worker;
    return new Promise<InvocationResult>((resolve, reject) => {
      const started = performance.now();
      // No hard timeout (plugin exec without --timeout): no watchdog. setTimeout would take an infinite
      // (or over 2^31 ms) delay as 1 ms and fire at once.
      const limit = request.spec.hardTimeoutMs + (options.graceMs ?? WORKER_GRACE_MS);
      const watchdog = limit < 2 ** 31 - 1
        ? setTimeout(() => {
          this.close();
          resolve(stuckResult(request, performance.now() - started));
        }, limit)
        : undefined;
      const done = (failed: boolean) => {
        clearTimeout(watchdog);
        this.#busy = false;
        if (failed || !this.#reusable) this.close();
      };
      worker.onmessage = (event: MessageEvent<SandboxMessage>) => {
        const msg = event.data;
        if (msg.type === "log") {
          options.onLog?.(msg.line);
        } else if (msg.type === "result") {
          done(false);
          if (msg.calls) options.onCalls?.(msg.calls);
          resolve(msg.result);
        } else {
          done(true);
          reject(new SandboxError(`the sandbox failed: ${msg.message}`, msg.stack));
        }
      };
      worker.onerror = (event: ErrorEvent) => {
        event.preventDefault();
        done(true);
        reject(new SandboxError(`the sandbox failed to start: ${event.message}`));
      };
      const message: SandboxRequest = {
        module,
        info,
        request,
        streamLogs: options.onLog !== undefined,
        collectCalls: options.onCalls !== undefined,
      };
      worker.postMessage(message);
    });
  }

  /** Ends the sandbox (e.g. loading the module failed, or a pool is done with it). */
  close(): void {
    this.#dead = true;
    this.#worker.terminate();
  }
}

/**
 * Sandboxes for a sequence of invocations (`samuel run --all`): one reusable Worker per distinct set of
 * Deno permissions, so plugins with identical grants share a Worker instead of paying ~20 ms each for a
 * new one. The outer wall is unchanged (a Worker's permissions are exactly `workerPermissions(spec)` of
 * every plugin it serves); what those plugins share is the Worker's JavaScript state (our host modules),
 * never a wasm instance or a host object: each invocation gets fresh ones. A Worker that had to be
 * terminated is replaced on the next request.
 */
export class SandboxPool {
  readonly #sandboxes = new Map<string, Sandbox>();

  /** The sandbox for `spec`'s permissions, started now if there is none (or it was terminated). */
  sandbox(spec: SandboxSpec, grants?: WallGrants): Sandbox {
    const key = JSON.stringify(workerPermissions(spec, grants));
    let sandbox = this.#sandboxes.get(key);
    if (!sandbox?.alive) {
      sandbox = new Sandbox(spec, { reusable: true, grants });
      this.#sandboxes.set(key, sandbox);
    }
    return sandbox;
  }

  /** How many Workers the pool holds (alive or not). */
  get size(): number {
    return this.#sandboxes.size;
  }

  close(): void {
    for (const s of this.#sandboxes.values()) s.close();
    this.#sandboxes.clear();
  }
}

/** The result of an invocation whose Worker had to be terminated: a timeout, with nothing captured. */
function stuckResult(request: Omit<InvokeRequest, "logSink">, elapsedMs: number): InvocationResult {
  const { spec } = request;
  return {
    outcome: "timeout",
    export: request.exportName,
    message: `did not stop at the hard timeout of ${spec.hardTimeoutMs} ms: it was blocked where the time ` +
      `limit cannot reach (a host call stuck past every bound), so its sandbox was terminated ` +
      `after ${Math.round(elapsedMs)} ms`,
    stdout: new Uint8Array(),
    stderr: new Uint8Array(),
    report: {
      plugin: spec.pluginName,
      denials: [],
      denials_omitted: 0,
      log: [],
      log_dropped: 0,
      log_invalid: 0,
      net_calls: [],
      net_calls_omitted: 0,
      notes: [
        "the sandbox did not answer within its grace period after the hard timeout and was terminated; " +
        "its output and log lines were lost",
      ],
      peak_memory_bytes: 0,
      meter_refills: 0,
      stdout_bytes_total: 0,
      stderr_bytes_total: 0,
    },
    timings: { instantiate_ms: 0, init_ms: 0, call_ms: Math.round(elapsedMs * 1000) / 1000 },
  };
}

/** Starts a sandbox for `request.spec` and runs one invocation in it. */
export function runInSandbox(
  module: WebAssembly.Module,
  info: ModuleInfo,
  request: Omit<InvokeRequest, "logSink">,
  options: SandboxOptions = {},
): Promise<InvocationResult> {
  return new Sandbox(request.spec).run(module, info, request, options);
}
