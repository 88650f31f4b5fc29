/**
 * Runs one invocation behind the outer wall: a Worker whose Deno permissions are no wider than the
 * plugin's grants (DESIGN.md section 5). We chose a Worker over a child process because it is the cheaper
 * of the two sound options (PLATFORM-NOTES: ~10–20 ms per Worker against ~20–30 ms per process, and the
 * compiled module is handed over with `postMessage` instead of being compiled twice).
 *
 * Stopping: a guest running wasm code stops itself at the hard deadline (the meter makes it trap), and
 * host calls are bounded by the deadlines, so the Worker answers. What the meter cannot interrupt is a
 * guest blocked in `memory.atomic.wait` with no timeout on a shared memory: if the Worker does not answer
 * within a grace period after the hard deadline, it is terminated and the invocation is reported as a
 * `timeout` like any other (exit 7; a note in the report says why). Deno cannot reclaim a thread blocked
 * that way, so this last resort may leave it until the process exits (tests/runtime/stops_test.ts).
 */

import type { InvocationResult, InvokeRequest } from "./invoke.ts";
import type { ModuleInfo } from "./preprocess/mod.ts";
import type { LogLine } from "./host/report.ts";
import { type SandboxSpec, workerPermissions } from "./sandbox_spec.ts";
import type { SandboxMessage, SandboxRequest } from "./sandbox_worker.ts";

/** Extra time after the hard deadline before the Worker itself is given up on. */
export const WORKER_GRACE_MS = 2_000;

const WORKER_URL = new URL("./sandbox_worker.ts", import.meta.url);

export interface SandboxOptions {
  /** Receives guest log lines as they happen. */
  onLog?: (line: LogLine) => void;
  /** Grace period after the hard timeout before the Worker is given up on (default `WORKER_GRACE_MS`). */
  graceMs?: number;
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
 * Each sandbox runs one invocation and is then terminated.
 */
export class Sandbox {
  readonly #worker: Worker;
  #used = false;

  constructor(spec: SandboxSpec) {
    this.#worker = new Worker(WORKER_URL, {
      type: "module",
      name: `samuel-plugin-${spec.pluginName}`,
      deno: { permissions: workerPermissions(spec) },
    } as WorkerOptions);
  }

  /** Runs one invocation; the Worker is terminated when it settles. */
  run(
    module: WebAssembly.Module,
    info: ModuleInfo,
    request: Omit<InvokeRequest, "logSink">,
    options: SandboxOptions = {},
  ): Promise<InvocationResult> {
    if (this.#used) throw new Error("a Sandbox runs one invocation");
    this.#used = true;
    const worker = this.#worker;
    return new Promise<InvocationResult>((resolve, reject) => {
      const started = performance.now();
      const watchdog = setTimeout(() => {
        worker.terminate();
        resolve(stuckResult(request, performance.now() - started));
      }, request.spec.hardTimeoutMs + (options.graceMs ?? WORKER_GRACE_MS));
      const done = () => {
        clearTimeout(watchdog);
        worker.terminate();
      };
      worker.onmessage = (event: MessageEvent<SandboxMessage>) => {
        const msg = event.data;
        if (msg.type === "log") {
          options.onLog?.(msg.line);
        } else if (msg.type === "result") {
          done();
          resolve(msg.result);
        } else {
          done();
          reject(new SandboxError(`the sandbox failed: ${msg.message}`, msg.stack));
        }
      };
      worker.onerror = (event: ErrorEvent) => {
        event.preventDefault();
        done();
        reject(new SandboxError(`the sandbox failed to start: ${event.message}`));
      };
      const message: SandboxRequest = { module, info, request, streamLogs: options.onLog !== undefined };
      worker.postMessage(message);
    });
  }

  /** Ends a sandbox that will not be used (e.g. loading the module failed). */
  close(): void {
    this.#worker.terminate();
  }
}

/** The result of an invocation whose Worker had to be terminated: a timeout, with nothing captured. */
function stuckResult(request: Omit<InvokeRequest, "logSink">, elapsedMs: number): InvocationResult {
  const { spec } = request;
  return {
    outcome: "timeout",
    export: request.exportName,
    message: `did not stop at the hard timeout of ${spec.hardTimeoutMs} ms: it was blocked where the time ` +
      `limit cannot reach (e.g. memory.atomic.wait without a timeout), so its sandbox was terminated ` +
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
