/**
 * Assembles `plugin.wat` into `plugin.wasm` with the `wabt` npm package (the same assembler the tests use),
 * so the demo plugin builds on any machine with Deno: no Go, clang or TinyGo. Usage:
 * `deno run --allow-read --allow-write examples/hello-wasm/build.ts [OUT.wasm]` (default: `plugin.wasm`
 * beside this file). The module is written to a temp name and renamed, so a concurrent reader (a test,
 * `samuel install`) never sees half a file; an unchanged module is left alone.
 */

import wabtInit from "wabt";

const here = new URL(".", import.meta.url).pathname;
const out = Deno.args[0] ?? `${here}plugin.wasm`;

/** The binary module for the WAT text in `source`; throws with wabt's message when it is invalid. */
export async function assemble(source: string): Promise<Uint8Array> {
  const wabt = await wabtInit();
  // bulk memory and the like stay off: the sample is plain MVP wasm any runtime accepts.
  const module = wabt.parseWat("plugin.wat", source);
  try {
    module.resolveNames();
    module.validate();
    return new Uint8Array(module.toBinary({ write_debug_names: true }).buffer);
  } finally {
    module.destroy();
  }
}

if (import.meta.main) {
  const bytes = await assemble(await Deno.readTextFile(`${here}plugin.wat`));
  let same = false;
  try {
    const old = await Deno.readFile(out);
    same = old.length === bytes.length && old.every((b, i) => b === bytes[i]);
  } catch { /* not built yet */ }
  if (!same) {
    const temp = `${out}.tmp-${Deno.pid}`;
    await Deno.writeFile(temp, bytes);
    await Deno.rename(temp, out);
  }
  console.log(`${out} (${bytes.length} bytes${same ? ", unchanged" : ""})`);
}
