/**
 * Reading a profiling copy's marks (runtime/preprocess/call_marks.ts writes them) in the isolate that ran
 * it: one byte per function index in the memory the copy exports as `samuel:calls`, non-zero once the
 * function was entered. Spelled out here, apart from the rewriter, so the sandbox Worker reads the marks
 * without loading anything of preprocess/ (tests/runtime/invoke_test.ts checks its module graph, and
 * tests/preprocess/call_marks_test.ts that the two agree on the name).
 *
 * @example
 * ```ts
 * calledFunctions(instance.exports); // [3, 4, 17, ...], or undefined for a module that is no copy
 * ```
 */

/** The export under which the profiling copy exposes its marks. */
export const CALLS_EXPORT = "samuel:calls";

/** The functions a profiling copy's run entered, ascending; undefined when `exports` has no marks. */
export function calledFunctions(exports: WebAssembly.Exports): number[] | undefined {
  const marks = exports[CALLS_EXPORT];
  if (!(marks instanceof WebAssembly.Memory)) return undefined;
  const bytes = new Uint8Array(marks.buffer);
  const called: number[] = [];
  for (let f = 0; f < bytes.length; f++) if (bytes[f] !== 0) called.push(f);
  return called;
}
