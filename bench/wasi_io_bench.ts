/**
 * WASI I/O throughput, our host against Deno's built-in `node:wasi`, on the same guest
 * (tests/fixtures/wasi/c/bench_io.c, built by tests/fixtures/wasi/build.sh) and the same files:
 * - bulk: write then read a 16 MiB file in 64 KiB fd_write / fd_read calls;
 * - small files: open + fstat + read + close of 300 files of 2 KiB;
 * - readdir: list a 3000-entry directory three times (fd_readdir with cookies).
 * Each group has node:wasi as its baseline, so `deno bench` prints the ratio. The goal (DESIGN.md
 * section 9) is at least as fast as node:wasi. Run: `deno bench -A bench/wasi_io_bench.ts`.
 * node:wasi needs the guest to call proc_exit-free `_start` and prints an experimental warning once.
 */

import { WASI as NodeWASI } from "node:wasi";
import { WasiHost } from "../src/runtime/wasi/mod.ts";

const wasmPath = new URL("../tests/fixtures/wasi/build/bench_io.wasm", import.meta.url).pathname;
let module: WebAssembly.Module | null = null;
try {
  module = new WebAssembly.Module(Deno.readFileSync(wasmPath));
} catch {
  console.error(`bench skipped: ${wasmPath} missing (run tests/fixtures/wasi/build.sh)`);
}

const dir = Deno.makeTempDirSync({ prefix: "samuel-wasi-bench-" });
Deno.mkdirSync(`${dir}/small`);
Deno.mkdirSync(`${dir}/many`);
const small = new Uint8Array(2048).fill(120);
for (let i = 0; i < 300; i++) Deno.writeFileSync(`${dir}/small/${i}`, small);
for (let i = 0; i < 3000; i++) Deno.writeFileSync(`${dir}/many/entry-${i}`, new Uint8Array(0));
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));

const sink = { write: (b: Uint8Array) => b.length };
const source = { read: () => 0 };

function runOurs(args: string[]): void {
  const host = new WasiHost({
    args: ["bench_io", ...args],
    env: [],
    preopens: [{ guestPath: "/d", hostPath: dir, readOnly: false }],
    stdin: source,
    stdout: sink,
    stderr: { write: (b) => Deno.stderr.writeSync(b) },
  });
  const instance = new WebAssembly.Instance(module!, host.imports);
  const code = host.start(instance);
  host.close();
  if (code !== 0) throw new Error(`guest failed: ${code}`);
}

function runNode(args: string[]): void {
  const wasi = new NodeWASI({
    version: "preview1",
    args: ["bench_io", ...args],
    env: {},
    preopens: { "/d": dir },
    returnOnExit: true,
  });
  const instance = new WebAssembly.Instance(module!, wasi.getImportObject() as WebAssembly.Imports);
  const code = wasi.start(instance);
  if (code !== 0 && code !== undefined) throw new Error(`guest failed under node:wasi: ${code}`);
}

const cases: [string, string[]][] = [
  ["bulk read/write 16 MiB", ["bulk", "/d", "16"]],
  ["300 small files: open+fstat+read+close", ["small", "/d", "300"]],
  ["readdir 3000 entries x3", ["readdir", "/d"]],
];

for (const [name, args] of cases) {
  Deno.bench(
    { name: `node:wasi ${name}`, group: name, baseline: true, ignore: module === null },
    () => runNode(args),
  );
  Deno.bench({ name: `samuel ${name}`, group: name, ignore: module === null }, () => runOurs(args));
}
