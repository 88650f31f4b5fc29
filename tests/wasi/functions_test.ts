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
