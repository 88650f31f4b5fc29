/**
 * Which memory the host reads and writes for a guest: the one decision every entry point shares
 * (`WasiHost.start`/`initialize`, the runtime's `invoke`, and anything else that instantiates a guest).
 *
 * A module may keep its memory to itself (declare it without exporting it) or have none at all. The
 * pre-processor (src/runtime/preprocess/memory_export.ts) exports a declared memory under the reserved
 * name `samuel:memory` whenever the module does not already export it as `memory`. The colon keeps the
 * name out of every toolchain's and every manifest's export namespace (plugin exports must be
 * identifiers), and the pre-processor refuses a module that uses it for anything but its memory, so the
 * name cannot clash. Modules the pre-processor never saw (`samuel plugin exec` today) still work through
 * `memory` or an imported memory.
 *
 * A module with no memory runs with none bound: every host call that needs guest memory answers EFAULT
 * inside the guest, exactly like an out-of-bounds pointer, and calls that need none (proc_exit,
 * sched_yield, fd_close, ...) work.
 */

/** The export name the pre-processor gives the module's memory when it does not export it as `memory`. */
export const MEMORY_EXPORT = "samuel:memory";

/**
 * The memory the host should use: the reserved export, else the conventional `memory` export, else the
 * memory the host created for the module to import (`imported`), else none.
 */
export function instanceMemory(
  exports: WebAssembly.Exports,
  imported?: WebAssembly.Memory,
): WebAssembly.Memory | undefined {
  const reserved = exports[MEMORY_EXPORT];
  if (reserved instanceof WebAssembly.Memory) return reserved;
  const conventional = exports.memory;
  if (conventional instanceof WebAssembly.Memory) return conventional;
  return imported;
}
