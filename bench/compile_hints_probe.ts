/**
 * A measurement, not a product path: how much of a guest's start-up in Deno is V8 compiling functions
 * lazily on the main thread, and what the Compilation Hints proposal's `metadata.code.compilation_priority`
 * section (read by V8 15 under `--experimental-wasm-compilation-hints`) would win back (bench/RESULTS.md,
 * "Issue 12 status, 2026-12-08").
 *
 * Steps: an instrumented copy of the module marks each function's entry in a second memory; running its
 * `_initialize` and `health` on the floor's imports (bench/suite/floor.ts) gives the functions start-up
 * calls; a copy of the original with a compilation-priority hint for each of them is written to a temp
 * folder. Then fresh processes, interleaved: the original as is, the original with lazy compilation off,
 * and the hinted copy with the flag; each prints compile, instantiate, `_initialize` and first `health` in
 * ms, and the medians are printed per variant.
 *
 * Run: `deno run -A bench/compile_hints_probe.ts [MODULE.wasm] [ROUNDS]` (default: the Go guide plugin's
 * reactor build, examples/go-guide-wasm/build/plugin.wasm, `bash examples/go-guide-wasm/build.sh` makes it).
 */

import { floorImports } from "./suite/floor.ts";
import { parseModule } from "../src/runtime/preprocess/inspect.ts";
import { Reader } from "../src/runtime/preprocess/reader.ts";
import { median } from "./report.ts";
import {
  appendToVector,
  assemble,
  findSection,
  payloadOf,
  putSection,
  type Section,
  SectionId,
  splitSections,
} from "../src/runtime/preprocess/sections.ts";
import { Writer } from "../src/runtime/preprocess/writer.ts";

const CODE = SectionId.code;

/** The payload of the module's section `id`, which the probe cannot do without. */
function required(sections: Section[], id: number): Uint8Array {
  const payload = payloadOf(sections, id);
  if (!payload) throw new Error(`the module has no section ${id}`);
  return payload;
}

/** Each function body, with where its code starts after the locals. */
function bodies(code: Uint8Array): { codeAt: number; body: Uint8Array }[] {
  const r = new Reader(code);
  const out: { codeAt: number; body: Uint8Array }[] = [];
  for (let n = r.u32(); n > 0; n--) {
    const size = r.u32();
    const body = code.subarray(r.pos, r.pos + size);
    r.pos += size;
    const b = new Reader(body);
    for (let groups = b.u32(); groups > 0; groups--) {
      b.u32();
      b.u8(); // the group's value type
    }
    out.push({ codeAt: b.pos, body });
  }
  return out;
}

/** `items` behind its count, each written by `put`. */
function vector<T>(items: T[], put: (w: Writer, item: T, i: number) => void): Uint8Array {
  const w = new Writer();
  w.u32(items.length);
  items.forEach((item, i) => put(w, item, i));
  return w.finish();
}

/** A copy that stores 1 at byte `f` of an exported second memory `probe:calls` on entry to function f. */
function instrument(original: Uint8Array): Uint8Array<ArrayBuffer> {
  const m = parseModule(original);
  const { sections, importedFunctions } = m;
  const fns = bodies(required(sections, CODE));
  const memoryIndex = m.importedMemories + m.memories.length;
  const w = appendToVector(payloadOf(sections, SectionId.memory), 1, 8);
  w.u8(0);
  w.u32(Math.ceil((importedFunctions + fns.length) / 65536));
  putSection(sections, SectionId.memory, w.finish().slice());
  const name = new TextEncoder().encode("probe:calls");
  const e = appendToVector(payloadOf(sections, SectionId.export), 1, name.length + 8);
  e.u32(name.length);
  e.bytes(name);
  e.u8(2);
  e.u32(memoryIndex);
  putSection(sections, SectionId.export, e.finish().slice());
  const code = vector(fns, (out, { codeAt, body }, i) => {
    const fn = new Writer();
    fn.bytes(body, 0, codeAt);
    // i32.const 0; i32.const 1; i32.store8 (multi-memory memarg: align 0 | 0x40, memory index, offset f)
    for (const b of [0x41, 0, 0x41, 1, 0x3a, 0x40]) fn.u8(b);
    fn.u32(memoryIndex);
    fn.u32(importedFunctions + i);
    fn.bytes(body, codeAt);
    const next = fn.finish();
    out.u32(next.length);
    out.bytes(next);
  });
  putSection(sections, CODE, code.slice());
  return assemble(sections);
}

/** The functions `_initialize` and `health` call, on the floor's imports. */
function startUpCalls(original: Uint8Array): number[] {
  const module = new WebAssembly.Module(instrument(original));
  let instance: WebAssembly.Instance | undefined = undefined;
  instance = new WebAssembly.Instance(
    module,
    floorImports(module, () => instance!.exports.memory as WebAssembly.Memory),
  );
  (instance.exports._initialize as () => void)();
  (instance.exports.health as () => number)();
  const marks = new Uint8Array((instance.exports["probe:calls"] as WebAssembly.Memory).buffer);
  const called: number[] = [];
  marks.forEach((m, f) => m && called.push(f));
  return called;
}

/** V8's layout (src/wasm/compilation-hints-generation.cc): funcidx, offset 0, hint size 1, priority 0. */
function withHints(original: Uint8Array, functions: number[]): Uint8Array<ArrayBuffer> {
  const sections = splitSections(original);
  const payload = vector(functions, (w, f) => {
    w.u32(f);
    w.u8(0);
    w.u8(1);
    w.u8(0);
  });
  const at = findSection(sections, CODE);
  sections.splice(at, 0, {
    id: SectionId.custom,
    name: "metadata.code.compilation_priority",
    payload: payload.slice(),
    offset: -1,
  });
  return assemble(sections);
}

function child(path: string): void {
  const bytes = Deno.readFileSync(path);
  const t0 = performance.now();
  const module = new WebAssembly.Module(bytes);
  const t1 = performance.now();
  let instance: WebAssembly.Instance | undefined = undefined;
  instance = new WebAssembly.Instance(
    module,
    floorImports(module, () => instance!.exports.memory as WebAssembly.Memory),
  );
  const t2 = performance.now();
  (instance.exports._initialize as () => void)();
  const t3 = performance.now();
  (instance.exports.health as () => number)();
  const t4 = performance.now();
  console.log(JSON.stringify([t1 - t0, t2 - t1, t3 - t2, t4 - t3]));
}

async function main(): Promise<void> {
  const path = Deno.args[0] ||
    new URL("../examples/go-guide-wasm/build/plugin.wasm", import.meta.url).pathname;
  if (!Deno.statSync(path).isFile) throw new Error(`${path} is not a file`);
  const rounds = Number(Deno.args[1] ?? 7);
  const original = Deno.readFileSync(path);
  const called = startUpCalls(original);
  const dir = await Deno.makeTempDir({ prefix: "samuel-hints-" });
  const hinted = `${dir}/hinted.wasm`;
  Deno.writeFileSync(hinted, withHints(original, called));
  const parsed = parseModule(original);
  const codeBytes = bodies(required(parsed.sections, CODE));
  const first = parsed.importedFunctions;
  const calledBytes = called.reduce((n, f) => n + codeBytes[f - first].body.length, 0);
  const total = codeBytes.reduce((n, b) => n + b.body.length, 0);
  console.log(
    `${path}: start-up calls ${called.length} of ${codeBytes.length} functions, ${calledBytes} of ${total} code bytes`,
  );
  const self = new URL(import.meta.url).pathname;
  const variants: [string, string[], string][] = [
    ["lazy (as shipped)", [], path],
    ["eager (--no-wasm-lazy-compilation)", ["--v8-flags=--no-wasm-lazy-compilation"], path],
    [
      "hinted (--experimental-wasm-compilation-hints)",
      ["--v8-flags=--experimental-wasm-compilation-hints"],
      hinted,
    ],
  ];
  const samples = variants.map(() => [[], [], [], []] as number[][]);
  for (let r = 0; r < rounds; r++) {
    for (const [i, [, flags, file]] of variants.entries()) {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-q", "--allow-read", ...flags, self, "--child", file],
        stderr: "inherit",
      }).output();
      const row: number[] = JSON.parse(new TextDecoder().decode(out.stdout));
      row.forEach((ms, k) => samples[i][k].push(ms));
    }
  }
  await Deno.remove(dir, { recursive: true });
  console.log(
    `medians of ${rounds} fresh processes, ms: compile, instantiate, _initialize, first health, sum`,
  );
  for (const [i, [label]] of variants.entries()) {
    const m = samples[i].map(median);
    const sum = m.reduce((a, b) => a + b, 0);
    console.log(
      `${label.padEnd(48)} ${m.map((x) => x.toFixed(2).padStart(6)).join(" ")} ${sum.toFixed(2).padStart(6)}`,
    );
  }
}

if (Deno.args[0] === "--child") child(Deno.args[1]);
else await main();
