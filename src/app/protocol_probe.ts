/**
 * Reads `samuel_protocol_version()` of a module whose value needs its own runtime (any Go module: the
 * constant lives behind `_initialize`; a Rust or C cdylib without `_initialize`, whose exports the linker
 * wraps in calls to the module's constructors), by calling it the way `samuel run` calls an export, in a
 * sandbox with no grant at all (no preopen, no env, no network) and short limits. `store/module_check.ts` tries
 * the cheap way first (an instance whose imports trap); install comes here only when that cannot answer. A
 * command module is never probed: its `_start` would run the plugin's `main`.
 */

import type { WasmManifest } from "../manifest/mod.ts";
import type { ModuleInfo } from "../runtime/preprocess/mod.ts";

/** Set-up and one constant: nothing a protocol export needs more than this. */
const PROBE_TIMEOUT_MS = 5_000;

/** True when `info` exports the protocol function and is not a command (whose `_start` runs `main`). */
export function probeable(info: ModuleInfo): boolean {
  const has = (n: string) => info.exports.some((e) => e.name === n && e.kind === "function");
  return has("samuel_protocol_version") && !has("_start");
}

/** Calls the export on the pre-processed module; `why` says what went wrong when there is no value. */
export async function protocolFromSandbox(
  built: { bytes: Uint8Array; info: ModuleInfo },
  manifest: WasmManifest,
): Promise<{ value?: number; why?: string }> {
  const { sandboxFromGrants } = await import("../runtime/sandbox_spec.ts");
  const { runInSandbox } = await import("../runtime/sandbox.ts");
  const spec = sandboxFromGrants({
    pluginName: manifest.name,
    exportName: "samuel_protocol_version",
    grants: {
      env: [],
      filesystem: { read: [], write: [] },
      network: { hosts: [] },
      maxMemory: manifest.runtime.maxMemoryMiB,
      timeoutMs: PROBE_TIMEOUT_MS,
      hardTimeoutMs: PROBE_TIMEOUT_MS,
    },
    projectRoot: "/workspace",
    getEnv: () => undefined,
  });
  try {
    const module = new WebAssembly.Module(built.bytes as Uint8Array<ArrayBuffer>);
    const r = await runInSandbox(module, built.info, {
      spec,
      exportName: "samuel_protocol_version",
      input: new Uint8Array(),
    });
    if (r.returnCode !== undefined) return { value: r.returnCode };
    return { why: r.message ?? r.outcome };
  } catch (e) {
    return { why: e instanceof Error ? e.message : String(e) };
  }
}
