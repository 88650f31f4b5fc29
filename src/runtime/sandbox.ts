/**
 * Runs one invocation behind the outer wall: a Worker whose Deno permissions are no wider than the
 * plugin's grants (DESIGN.md section 5). We chose a Worker over a child process because it is the cheaper
 * of the two sound options (PLATFORM-NOTES: ~10–20 ms per Worker against ~20–30 ms per process, and the
 * compiled module is handed over with `postMessage` instead of being compiled twice).
 *
 * Stopping: the guest stops itself at the hard deadline (the meter makes it trap), so the Worker always
 * answers. If it does not answer within a grace period after the hard deadline (a host call stuck in a
 * way nothing bounded), the Worker is terminated and the invocation reported as timed out; Deno cannot
 * reclaim a thread that never yields, so this last resort may leave that thread running until the
 * process exits (it is never reached by guest code alone: see tests/runtime).
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
}

/** A failure of the sandbox itself (not of the plugin). */
export class SandboxError extends Error {
  constructor(message: string, readonly detail?: string) {
    super(message);
    this.name = "SandboxError";
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
      const watchdog = setTimeout(() => {
        worker.terminate();
        reject(
          new SandboxError(
            `the sandbox did not answer ${WORKER_GRACE_MS} ms after the hard timeout; it was terminated`,
          ),
        );
      }, request.spec.hardTimeoutMs + WORKER_GRACE_MS);
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

/** Starts a sandbox for `request.spec` and runs one invocation in it. */
export function runInSandbox(
  module: WebAssembly.Module,
  info: ModuleInfo,
  request: Omit<InvokeRequest, "logSink">,
  options: SandboxOptions = {},
): Promise<InvocationResult> {
  return new Sandbox(request.spec).run(module, info, request, options);
}
