/**
 * Compile hints: telling V8 which functions a run will call, so it compiles them up front on every core
 * instead of one at a time, lazily, on the main thread at their first call. For a Go wasip1 plugin, lazy
 * compilation is most of its start-up (bench/RESULTS.md, "Compile hints"); wazero and wasmtime load
 * native code from a cache instead, which V8 cannot do across processes.
 *
 * The hints are the Compilation Hints proposal's `metadata.code.compilation_priority` custom section,
 * which V8 15 reads when started with `--experimental-wasm-compilation-hints` (a shipped flag,
 * scripts/flags.ts). Measured on Deno 2.9.6 (tests/runtime/compile_hints_test.ts checks the first two):
 * - the section may come after the code section, so hinting is appending bytes, not rewriting;
 * - V8 ignores a malformed section or an index out of range (the module compiles and runs as without);
 * - without the flag the section is an unknown custom section, so the same bytes run on any V8.
 * Hints never change what a module computes, only when its functions are compiled.
 *
 * Where the list comes from: the compile profile, one run of a profiling copy of the module
 * (preprocess/call_marks.ts marks each function's entry in the memory exported as `samuel:calls`),
 * kept next to the cache entry (store/compile_profile.ts).
 *
 * Only modules of at least `HINTED_MODULE_BYTES` are hinted: compiling eagerly has a fixed cost (~3 ms
 * here) that a small module's lazy compilation never reaches (the 36 KB C reactor: 3.5 ms lazy, 4.7 ms
 * hinted; the 3.8 MB Go plugin: 22.5 ms lazy, 18–21 ms hinted; compile + instantiate + start-up).
 *
 * @example
 * ```ts
 * const module = new WebAssembly.Module(appendSection(bytes, hintSection([3, 4, 17]))); // custom_section.ts
 * ```
 */

import { Writer } from "./writer.ts";
import { customSection } from "./custom_section.ts";

/**
 * The export under which the profiling copy exposes its marks (call_marks.ts); runtime/call_marks_read.ts
 * spells it out too, for the sandbox Worker.
 */
export const CALLS_EXPORT = "samuel:calls";

/** The custom section V8 reads the hints from. */
export const HINTS_SECTION = "metadata.code.compilation_priority";

/** Compile hints on one run: the recorded profile used, a profile recorded, or neither. */
export type HintUse = "used" | "recorded" | "none";

/** Modules smaller than this are neither profiled nor hinted (see the module doc). */
export const HINTED_MODULE_BYTES = 1 << 20;

/** Whether a module of `size` bytes is worth a profile and hints. */
export function worthHinting(size: number): boolean {
  return size >= HINTED_MODULE_BYTES;
}

/**
 * The custom section that hints each of `functions` at compilation priority 0. V8's layout
 * (src/wasm/compilation-hints-generation.cc, and the decoder's DecodeCompilationPriority): a vector of
 * (function index, byte offset 0, hint length 1, priority 0), priority 0 being the highest; a hint length
 * of 2 would add an optimization priority, which would ask for optimized code up front (not wanted).
 */
export function hintSection(functions: readonly number[]): Uint8Array<ArrayBuffer> {
  const payload = new Writer(functions.length * 6 + 8);
  payload.u32(functions.length);
  for (const f of functions) {
    payload.u32(f);
    payload.u8(0); // byte offset
    payload.u8(1); // hint length
    payload.u8(0); // compilation priority
  }
  return customSection(HINTS_SECTION, payload.view());
}

/**
 * Whether `bytes` are exactly one custom section named `metadata.code.compilation_priority`, which is
 * what makes appending them safe: a custom section has no meaning to wasm semantics, whatever its
 * payload (and V8 ignores a payload it cannot read). Anything else (another section, trailing bytes, a
 * size that does not add up) is refused.
 */
export function isHintSection(bytes: Uint8Array): boolean {
  if (bytes.length < 2 || bytes[0] !== 0) return false;
  // Its own LEB128 reads, not the rewriter's Reader: this runs on every hinted run, whose path must not
  // load reader.ts and the rewriter's errors for two integers.
  let at = 1;
  const leb = (): number => {
    let v = 0, shift = 0;
    for (;;) {
      if (at >= bytes.length || shift > 28) return -1;
      const b = bytes[at++];
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
      shift += 7;
    }
  };
  const size = leb();
  if (size < 0 || at + size !== bytes.length) return false;
  const nameLength = leb();
  if (nameLength !== HINTS_NAME.length || at + nameLength > bytes.length) return false;
  for (let i = 0; i < nameLength; i++) if (bytes[at + i] !== HINTS_NAME[i]) return false;
  return true;
}

const HINTS_NAME = new TextEncoder().encode(HINTS_SECTION);
