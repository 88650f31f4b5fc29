// The Node 20 peer of the whole-process row (bench/suite/process_bench.ts): one process that reads a
// plugin module, runs it with Node's built-in `node:wasi` (preview1, /workspace preopened at the current
// folder, as samuel grants it) and calls one export, exiting with its return code. Imports outside WASI
// (the Go plugin imports `samuel.*`) get stubs returning 0, as in the in-process peers.
//   node --no-warnings bench/suite/node_wasi_health.mjs MODULE.wasm [EXPORT]
import { readFileSync } from "node:fs";
import { WASI } from "node:wasi";

const [file, exportName = "health"] = process.argv.slice(2);
const module = new WebAssembly.Module(readFileSync(file));
const wasi = new WASI({
  version: "preview1",
  args: ["bench", exportName],
  env: {},
  preopens: { "/workspace": process.cwd() },
  returnOnExit: true,
});
const imports = wasi.getImportObject();
for (const imp of WebAssembly.Module.imports(module)) {
  if (imp.module !== "wasi_snapshot_preview1" && imp.kind === "function") {
    (imports[imp.module] ??= {})[imp.name] = () => 0;
  }
}
const instance = new WebAssembly.Instance(module, imports);
wasi.initialize(instance);
process.exitCode = instance.exports[exportName]();
