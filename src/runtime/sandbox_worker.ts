/**
 * Entry point of the sandbox Worker: the outer wall (DESIGN.md section 5). The main thread starts this
 * Worker with Deno permissions no wider than the plugin's grants (`workerPermissions`), hands it the
 * compiled module, and this side runs `invoke` and posts the result back (one request at a time; a pooled
 * Worker serves several, each with a fresh instance and fresh hosts). A bug in our WASI host therefore
 * still cannot read, write or connect beyond the grants: Deno refuses it here (`NotCapable`;
 * tests/runtime/outer_wall_test.ts calls the Deno APIs directly under these permissions).
 *
 * The wall's limit: Deno's path permissions compare path strings and do not resolve symbolic links, so a
 * link that already exists inside a grant and points outside it is followed by Deno. Against links, the
 * WASI host's own containment (each path resolved and checked against the preopen's real folder) is the
 * only wall; creating a new link needs full read and write access, which the Worker never has.
 */

/// <reference lib="deno.worker" />

import { invoke, type InvokeRequest } from "./invoke.ts";
import type { ModuleInfo } from "./preprocess/mod.ts";
import { calledFunctions } from "./call_marks_read.ts";

export interface SandboxRequest {
  module: WebAssembly.Module;
  info: ModuleInfo;
  request: Omit<InvokeRequest, "logSink">;
  /** Post each guest log line to the main thread as it happens. */
  streamLogs: boolean;
  /** The module is a profiling copy: send the functions it entered with the result. */
  collectCalls?: boolean;
}

export type SandboxMessage =
  | { type: "log"; line: import("./host/report.ts").LogLine }
  | { type: "result"; result: import("./invoke.ts").InvocationResult; calls?: number[] }
  | { type: "error"; message: string; stack?: string };

self.onmessage = async (event: MessageEvent<SandboxRequest>) => {
  const { module, info, request, streamLogs, collectCalls } = event.data;
  try {
    let calls: number[] | undefined;
    const result = await invoke(module, info, {
      ...request,
      logSink: streamLogs
        ? (line) => self.postMessage({ type: "log", line } satisfies SandboxMessage)
        : undefined,
    }, collectCalls ? { afterRun: (exports) => calls = calledFunctions(exports) } : {});
    self.postMessage({ type: "result", result, calls } satisfies SandboxMessage, [
      result.stdout.buffer as ArrayBuffer,
      result.stderr.buffer as ArrayBuffer,
    ]);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    self.postMessage({ type: "error", message: err.message, stack: err.stack } satisfies SandboxMessage);
  }
};
