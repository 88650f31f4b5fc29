/**
 * The module pre-processor: validates a module, applies the memory cap, inserts the time/fuel probes,
 * and describes the result. It runs once per module (the module cache keys on the original bytes'
 * sha256 and `PREPROCESSOR_VERSION`), so its output must be a pure function of its inputs.
 *
 * The rewritten module imports `samuel:meter` `refill: () -> i32` when metered; the host side is
 * `src/runtime/host/meter.ts`. A memory the module does not export as `memory` is exported under the
 * reserved name `samuel:memory` so the host can reach it (memory_export.ts). Files: reader.ts / writer.ts
 * (bytes, LEB128), sections.ts (split and reassemble), instructions.ts (the opcode walker), inspect.ts
 * (declarations, ModuleInfo), memory_cap.ts, memory_export.ts, meter_probes.ts (code rewriting),
 * call_graph.ts (which entries need probes), renumber.ts (function index shift outside code), errors.ts
 * (SAM-PREPROCESS-00N), version.ts (`PREPROCESSOR_VERSION`, alone so the run path need not load the
 * rewriter). Beside the rewriter, for compile hints: compile_hints.ts (the hint section appended to a
 * cached module, what the run path loads) and call_marks.ts (the profiling copy that records them).
 *
 * ```ts
 * const { bytes, info, metered } = preprocess(original, { maxMemoryBytes: 64 << 20, meter: true });
 * const meter = createMeter({ hardDeadlineMs: performance.now() + 30_000 });
 * const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
 *   ...wasiImports,
 *   [METER_MODULE]: { [METER_FIELD]: meter.imports.refill },
 * });
 * ```
 */

import { isSamuelError } from "../../errors.ts";
import { malformed, rewriteBroke } from "./errors.ts";
import { describe, type ModuleInfo, parseModule } from "./inspect.ts";
import { applyMemoryCap, capPagesFor } from "./memory_cap.ts";
import { insertMeter } from "./meter_probes.ts";
import { exportMemory } from "./memory_export.ts";
import { assemble } from "./sections.ts";

export type {
  ExportInfo,
  ExternKind,
  FuncType,
  ImportInfo,
  Limits,
  MemoryInfo,
  ModuleInfo,
} from "./inspect.ts";
export { inspectModule, missingExports, unknownImports } from "./inspect.ts";
export { METER_FIELD, METER_MODULE } from "./meter_probes.ts";
export { capPagesFor, PAGE } from "./memory_cap.ts";

export { PREPROCESSOR_VERSION } from "./version.ts";

export interface PreprocessOptions {
  /** Memory cap in bytes (rounded down to 64 KiB pages). */
  maxMemoryBytes: number;
  /** Insert the time/fuel probes (import `samuel:meter` `refill`). */
  meter: boolean;
  /**
   * Validate the input before rewriting and the output after (default true). With false, V8 is not
   * asked; the rewriter then checks every local and global index itself (an invalid input could
   * otherwise name the probes' own local or counter), and an invalid result surfaces at compile time.
   */
  validate?: boolean;
}

export interface PreprocessResult {
  /** The rewritten module. */
  bytes: Uint8Array<ArrayBuffer>;
  /** What the rewritten module imports, exports and declares (memory limits are the capped ones). */
  info: ModuleInfo;
  /** True when the module imports `samuel:meter` `refill` and must be given a meter. */
  metered: boolean;
}

/**
 * Rewrites `bytes` for the sandbox. Throws a SamuelError: SAM-PREPROCESS-001 (not a valid module),
 * 002 (unsupported feature, or a reserved name the module uses itself), 003 (initial memory above the
 * cap), 004 (rewriter bug, exit 1).
 */
export function preprocess(bytes: Uint8Array, options: PreprocessOptions): PreprocessResult {
  const validate = options.validate !== false;
  const m = parseModule(bytes);
  // Validate the input first: the rewriter trusts index spaces (an out-of-range local or global index in
  // an invalid module would name a probe's local or the counter once they exist). Decoding first gives
  // our own clearer errors (components, memory64, GC) before V8's.
  if (validate && !WebAssembly.validate(bytes as Uint8Array<ArrayBuffer>)) {
    // Prefer the decoder's diagnosis when it has one (it names unsupported features); else V8's.
    try {
      insertMeter(parseModule(bytes));
    } catch (e) {
      if (isSamuelError(e)) throw e;
    }
    explainInvalid(bytes);
  }
  applyMemoryCap(m, capPagesFor(options.maxMemoryBytes));
  if (options.meter) insertMeter(m, { validated: validate });
  exportMemory(m);
  const out = assemble(m.sections);
  if (validate && !WebAssembly.validate(out)) throw rewriteBroke("the rewritten module does not validate");
  return { bytes: out, info: describe(parseModule(out)), metered: options.meter };
}

/** Throws SAM-PREPROCESS-001 with V8's reason for an invalid module. */
function explainInvalid(bytes: Uint8Array): never {
  try {
    new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  } catch (e) {
    throw malformed(e instanceof Error ? e.message.replace(/^WebAssembly\.Module\(\): /, "") : String(e), 0);
  }
  throw malformed("WebAssembly.validate refused the module", 0);
}
