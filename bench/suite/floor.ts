/**
 * The floor's imports for the bare-V8 rows (bench/suite/common.ts, bench/gate.ts): no WASI host at all,
 * only what a guest's runtime needs to get through its start-up. Kept apart from common.ts so that a
 * fresh process measuring the floor (the gate's child) loads nothing else.
 */

const ENOSYS = 52;
const EBADF = 8;

/**
 * The floor's imports: no WASI host at all, only what a guest's runtime needs to get through its start-up
 * (argument and environment sizes of zero, a clock, random bytes, writes swallowed, no preopens); every
 * other import answers ENOSYS. The Go runtime traps during `_initialize` with all-zero stubs, so this is
 * the least that runs all three modules.
 */
export function floorImports(
  module: WebAssembly.Module,
  memory: () => WebAssembly.Memory,
): WebAssembly.Imports {
  const view = () => new DataView(memory().buffer);
  const known: Record<string, (...a: number[]) => number> = {
    args_sizes_get: (a, b) => (view().setUint32(a, 0, true), view().setUint32(b, 0, true), 0),
    environ_sizes_get: (a, b) => (view().setUint32(a, 0, true), view().setUint32(b, 0, true), 0),
    // Nanoseconds at sub-millisecond resolution, as a real host gives (a millisecond clock would change how
    // a guest runtime's timing code behaves).
    clock_time_get: (_id, _precision, out) => {
      const ns = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
      view().setBigUint64(out, ns, true);
      return 0;
    },
    random_get: (p, n) => (crypto.getRandomValues(new Uint8Array(memory().buffer, p, n)), 0),
    fd_write: (_fd, iovs, count, out) => {
      const v = view();
      let n = 0;
      for (let i = 0; i < count; i++) n += v.getUint32(iovs + 8 * i + 4, true);
      v.setUint32(out, n, true);
      return 0;
    },
    fd_prestat_get: () => EBADF,
  };
  const imports: Record<string, Record<string, WebAssembly.ImportValue>> = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.kind !== "function") continue;
    imports[imp.module] ??= {};
    imports[imp.module][imp.name] = imp.module === "wasi_snapshot_preview1"
      ? known[imp.name] ?? (() => ENOSYS)
      : () => 0;
  }
  return imports;
}
