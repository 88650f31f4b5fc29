/**
 * The one table of preview1 functions (src/runtime/wasi/functions.ts) against the bare list of names
 * (names.ts) that install and `plugin exec` check imports with: the same names, in the same order, and
 * exactly what a WasiHost imports. The list is cheap: it imports nothing, and the install-time check does
 * not load the WASI host to read it. Each syscall is a function of its own that runs on a bare context.
 */

import { assert, assertEquals } from "../support/assert.ts";
import { loadedModules } from "../support/module_graph.ts";
import { WASI_FUNCTION_NAMES, WASI_MODULE } from "../../src/runtime/wasi/names.ts";
import { WASI_FUNCTIONS } from "../../src/runtime/wasi/functions.ts";
import { WasiHost } from "../../src/runtime/wasi/mod.ts";
import { WasiContext } from "../../src/runtime/wasi/context.ts";
import { hostClock } from "../../src/runtime/wasi/clock.ts";
import { args_sizes_get } from "../../src/runtime/wasi/args_env.ts";
import { fd_close } from "../../src/runtime/wasi/fd.ts";
import { proc_raise } from "../../src/runtime/wasi/proc.ts";
import { random_get } from "../../src/runtime/wasi/random.ts";
import { EBADF, EFAULT, EINVAL, ENOSYS, ESUCCESS } from "../../src/runtime/wasi/errno.ts";
import { WASI_PREVIEW1_FUNCTIONS } from "../../src/store/module_check.ts";
import { MemorySink, MemorySource } from "./helpers.ts";

const src = (path: string) => new URL(`../../src/${path}`, import.meta.url).pathname;

Deno.test("the table implements exactly the preview1 names, in the spec's order", () => {
  assertEquals(Object.keys(WASI_FUNCTIONS), [...WASI_FUNCTION_NAMES]);
  assertEquals(new Set(WASI_FUNCTION_NAMES).size, WASI_FUNCTION_NAMES.length);
  assertEquals(WASI_FUNCTION_NAMES.length, 46);
  for (const name of WASI_FUNCTION_NAMES) {
    assertEquals(typeof WASI_FUNCTIONS[name], "function", name);
    assertEquals(WASI_FUNCTIONS[name].name, name, `${name} is registered under its own name`);
  }
});

Deno.test("a WasiHost imports the table, and install accepts exactly its names", () => {
  const host = new WasiHost({
    args: [],
    env: [],
    preopens: [],
    stdin: new MemorySource(),
    stdout: new MemorySink(),
    stderr: new MemorySink(),
  });
  host.close();
  assertEquals(Object.keys(host.imports), [WASI_MODULE]);
  assertEquals(Object.keys(host.imports.wasi_snapshot_preview1), [...WASI_FUNCTION_NAMES]);
  assertEquals([...WASI_PREVIEW1_FUNCTIONS], [...WASI_FUNCTION_NAMES]);
});

Deno.test("the names module imports nothing, and the install-time check does not load the WASI host", async () => {
  assertEquals([...await loadedModules(src("runtime/wasi/names.ts"))], [
    `file://${src("runtime/wasi/names.ts")}`,
  ]);
  const loaded = [...await loadedModules(src("store/module_check.ts"))];
  assert(loaded.some((s) => s.endsWith("/runtime/wasi/names.ts")), "module_check reads names.ts");
  // The host itself (its table, its context and descriptor table, the syscall families) stays unloaded.
  const host =
    /\/runtime\/wasi\/(mod|functions|context|fd_table|paths|args_env|clock|fd|path|poll|proc|random|sock)\.ts$/;
  assertEquals(loaded.filter((s) => host.test(s)), []);
});

Deno.test("a syscall runs on its own, on a bare context", () => {
  const ctx = new WasiContext(hostClock(), () => {}, () => Infinity);
  // No descriptors, no memory: what each answers without them.
  assertEquals(fd_close(ctx, 3), EBADF);
  assertEquals(proc_raise(ctx, 2), ENOSYS);
  assertEquals(proc_raise(ctx, 99), EINVAL);
  assertEquals(random_get(ctx, 0, 0), ESUCCESS);
  assertEquals(random_get(ctx, 0, 16), EFAULT);
  assertEquals(args_sizes_get(ctx, 0, 4), EFAULT);

  const memory = new WebAssembly.Memory({ initial: 1 });
  ctx.mem.bind(memory);
  ctx.argBytes = [new TextEncoder().encode("a.wasm\0"), new TextEncoder().encode("x\0")];
  assertEquals(args_sizes_get(ctx, 0, 4), ESUCCESS);
  const view = new DataView(memory.buffer);
  assertEquals([view.getUint32(0, true), view.getUint32(4, true)], [2, 9]);
  assertEquals(args_sizes_get(ctx, 65534, 4), EFAULT);
});

/** Core-wasm parameter counts of wasi_snapshot_preview1 (the witx signatures lowered: a string is 2). */
const PREVIEW1_PARAMS: Record<string, number> = {
  args_get: 2,
  args_sizes_get: 2,
  environ_get: 2,
  environ_sizes_get: 2,
  clock_res_get: 2,
  clock_time_get: 3,
  fd_advise: 4,
  fd_allocate: 3,
  fd_close: 1,
  fd_datasync: 1,
  fd_fdstat_get: 2,
  fd_fdstat_set_flags: 2,
  fd_fdstat_set_rights: 3,
  fd_filestat_get: 2,
  fd_filestat_set_size: 2,
  fd_filestat_set_times: 4,
  fd_pread: 5,
  fd_prestat_get: 2,
  fd_prestat_dir_name: 3,
  fd_pwrite: 5,
  fd_read: 4,
  fd_readdir: 5,
  fd_renumber: 2,
  fd_seek: 4,
  fd_sync: 1,
  fd_tell: 2,
  fd_write: 4,
  path_create_directory: 3,
  path_filestat_get: 5,
  path_filestat_set_times: 7,
  path_link: 7,
  path_open: 9,
  path_readlink: 6,
  path_remove_directory: 3,
  path_rename: 6,
  path_symlink: 5,
  path_unlink_file: 3,
  poll_oneoff: 4,
  proc_exit: 1,
  proc_raise: 1,
  sched_yield: 0,
  random_get: 2,
  sock_accept: 3,
  sock_recv: 6,
  sock_send: 5,
  sock_shutdown: 2,
};

Deno.test("each import is a plain function with the guest's arity, passing every argument after the context", () => {
  const host = new WasiHost({
    args: ["a", "bc"],
    env: [],
    preopens: [],
    stdin: new MemorySource(),
    stdout: new MemorySink(),
    stderr: new MemorySink(),
  });
  try {
    const imports = host.imports.wasi_snapshot_preview1 as Record<string, (...a: number[]) => number>;
    for (const name of WASI_FUNCTION_NAMES) {
      assertEquals(
        WASI_FUNCTIONS[name].length - 1,
        PREVIEW1_PARAMS[name],
        `${name}: the implementation's arity`,
      );
      // A bound function would cost V8 a wrapper of its own per import at instantiation (functions.ts).
      assert(!imports[name].name.startsWith("bound "), `${name} is not a bound function`);
      assertEquals(imports[name].length, PREVIEW1_PARAMS[name], `${name}: the import's arity`);
    }
    // The arguments arrive: args_sizes_get writes argc and the argv buffer size where it is told to.
    const memory = new WebAssembly.Memory({ initial: 1 });
    host.bindMemory(memory);
    assertEquals(imports.args_sizes_get(16, 20), ESUCCESS);
    const view = new DataView(memory.buffer);
    assertEquals([view.getUint32(16, true), view.getUint32(20, true)], [2, 5]);
  } finally {
    host.close();
  }
});
