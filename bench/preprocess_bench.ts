/**
 * Rewrite speed of the pre-processor (memory cap + probes + description of the result, without the two
 * WebAssembly.validate calls `preprocess` adds around it) and of the whole `preprocess` on real modules: a ~2.7 MB Go wasip1 module, a wasi-libc command
 * and the clang kernels; and for scale, V8's own validate and compile of the same bytes. Goal: <= 5 ms/MB.
 * At the end it prints ms per MB for each module.
 *
 * Needs the fixtures: `bash tests/fixtures/compute/build.sh` (or `deno task fixtures`).
 */

import { preprocess } from "../src/runtime/preprocess/mod.ts";
import { describe, parseModule } from "../src/runtime/preprocess/inspect.ts";
import { applyMemoryCap } from "../src/runtime/preprocess/memory_cap.ts";
import { insertMeter } from "../src/runtime/preprocess/meter_probes.ts";
import { assemble } from "../src/runtime/preprocess/sections.ts";

/** What `preprocess` does between its two validations (input known valid). */
function rewriteOnly(bytes: Uint8Array): void {
  const m = parseModule(bytes);
  applyMemoryCap(m, 1024);
  insertMeter(m, { validated: true });
  describe(parseModule(assemble(m.sections)));
}

const dir = new URL("../tests/fixtures/compute/build/", import.meta.url);
const MODULES = ["gohello.wasm", "goreactor.wasm", "hello_wasi.wasm", "kernels.wasm"];
const times = new Map<string, { size: number; ms: number[] }>();

for (const name of MODULES) {
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = Deno.readFileSync(new URL(name, dir));
  } catch {
    continue;
  }
  const t = { size: bytes.length, ms: [] as number[] };
  times.set(name, t);
  Deno.bench({
    name: `rewrite ${name} (${(bytes.length / 1e6).toFixed(2)} MB)`,
    group: name,
    baseline: true,
    fn() {
      const t0 = performance.now();
      rewriteOnly(bytes);
      t.ms.push(performance.now() - t0);
    },
  });
  Deno.bench({
    name: `preprocess ${name} (validate input, rewrite, validate output)`,
    group: name,
    fn() {
      preprocess(bytes, { maxMemoryBytes: 64 << 20, meter: true });
    },
  });
  Deno.bench({
    name: `WebAssembly.validate ${name}`,
    group: name,
    fn() {
      WebAssembly.validate(bytes);
    },
  });
  Deno.bench({
    name: `new WebAssembly.Module ${name} (lazy compile)`,
    group: name,
    fn() {
      new WebAssembly.Module(bytes);
    },
  });
}

globalThis.addEventListener("unload", () => {
  const rows: string[] = [];
  for (const [name, t] of times) {
    if (t.ms.length === 0) continue;
    const s = [...t.ms].sort((a, b) => a - b);
    const med = s[s.length >> 1], min = s[0];
    const mb = t.size / 1048576;
    rows.push(
      `  ${name.padEnd(16)} median ${med.toFixed(2).padStart(7)} ms (${(med / mb).toFixed(2)} ms/MiB), ` +
        `min ${min.toFixed(2)} ms (${(min / mb).toFixed(2)} ms/MiB)`,
    );
  }
  // On a shared machine the minimum is the better estimate of the rewriter's own cost.
  if (rows.length) console.log(`\nrewrite time:\n${rows.join("\n")}`);
});
