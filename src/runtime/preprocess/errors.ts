/**
 * The pre-processor's user-facing failures. A module we cannot decode, cannot safely rewrite, or whose
 * memory exceeds the cap is invalid input (exit 2); a rewrite that produces an invalid module from a valid
 * one is our bug (exit 1). Codes are stable: SAM-PREPROCESS-001..004.
 */

import { SamuelError, samuelError } from "../../errors.ts";

/** The bytes are not a well-formed WebAssembly module (truncated, bad LEB128, wrong magic, ...). */
export function malformed(what: string, offset: number): SamuelError {
  return samuelError("SAM-PREPROCESS-001", {
    message: `the module is not valid WebAssembly: ${what} (at byte offset ${offset})`,
    cause: "the plugin's .wasm file is damaged, truncated, or not a WebAssembly binary",
    fix: "rebuild the plugin and check that the artifact is the .wasm file the toolchain produced",
    details: { offset },
  });
}

/** The module uses a feature the rewriter does not handle (GC, memory64, components, ...). */
export function unsupported(feature: string, offset: number): SamuelError {
  return samuelError("SAM-PREPROCESS-002", {
    message: `the module uses a WebAssembly feature samuel cannot sandbox: ${feature}`,
    cause:
      "samuel rewrites every module to enforce its memory cap and time limits, and this feature is outside " +
      "what the rewriter supports (WASI preview1 core modules with SIMD, bulk memory, threads/atomics, tail " +
      "calls, exception handling and reference types)",
    fix: "build the plugin as a WASI preview1 core module (wasm32-wasip1) without this feature",
    details: { feature, offset },
  });
}

/** The module's initial memory is larger than `[runtime] max_memory`. */
export function memoryTooLarge(initialPages: number, capPages: number, where: string): SamuelError {
  const mib = (pages: number) => `${(pages * 65536 / 1048576).toFixed(pages % 16 === 0 ? 0 : 2)} MiB`;
  return samuelError("SAM-PREPROCESS-003", {
    message: `the module's ${where} starts at ${mib(initialPages)} (${initialPages} pages), above the ` +
      `memory cap of ${mib(capPages)} (${capPages} pages)`,
    cause: "a module cannot start with more memory than [runtime] max_memory allows",
    fix: "raise [runtime] max_memory in samuel-plugin.toml, or build the plugin with a smaller initial " +
      "memory (e.g. a smaller stack or heap reservation)",
    details: { initialPages, capPages },
  });
}

/** The rewritten module failed validation although the original passed: a bug in the rewriter. */
export function rewriteBroke(detail: string): SamuelError {
  return samuelError("SAM-PREPROCESS-004", {
    message: `samuel's module rewriter produced an invalid module: ${detail}`,
    cause: "this is a bug in samuel's pre-processor, not in the plugin",
    fix: "report the plugin's .wasm file at the samuel issue tracker",
  });
}
