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

const CODE = 10;
const MEMORY = 5;
const EXPORT = 7;
const IMPORT = 2;

interface Section {
  id: number;
  body: Uint8Array;
}

function readU32(b: Uint8Array, at: number): [number, number] {
  let value = 0;
  let shift = 0;
  let byte: number;
  do {
    byte = b[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, at];
}

function u32(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
}

function concat(parts: ArrayLike<number>[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function split(bytes: Uint8Array): Section[] {
  const out: Section[] = [];
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at++];
    let size: number;
    [size, at] = readU32(bytes, at);
    out.push({ id, body: bytes.subarray(at, at + size) });
    at += size;
  }
  return out;
}

function join(sections: Section[]): Uint8Array<ArrayBuffer> {
  const parts: ArrayLike<number>[] = [[0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]];
  for (const s of sections) parts.push([s.id, ...u32(s.body.length)], s.body);
  return concat(parts);
}

function section(sections: Section[], id: number): Section {
  const s = sections.find((x) => x.id === id);
  if (!s) throw new Error(`the module has no section ${id}`);
  return s;
}

/** Function indices start after the imported functions. */
function importedFunctions(sections: Section[]): number {
  const s = sections.find((x) => x.id === IMPORT);
  if (!s) return 0;
  const b = s.body;
  let [n, at] = readU32(b, 0);
  let count = 0;
  const limits = () => {
    const flags = b[at++];
    [, at] = readU32(b, at);
    if (flags & 1) [, at] = readU32(b, at);
  };
  for (; n > 0; n--) {
    for (let name = 0; name < 2; name++) {
      let len: number;
      [len, at] = readU32(b, at);
      at += len;
    }
    const kind = b[at++];
    if (kind === 0) {
      [, at] = readU32(b, at);
      count++;
    } else if (kind === 1) (at++, limits());
    else if (kind === 2) limits();
    else if (kind === 3) at += 2;
    else throw new Error(`import kind ${kind} is not handled by this probe`);
  }
  return count;
}

/** Each function body, as [start of its code after the locals, the body]. */
function bodies(code: Uint8Array): { codeAt: number; body: Uint8Array }[] {
  let [n, at] = readU32(code, 0);
  const out: { codeAt: number; body: Uint8Array }[] = [];
  for (; n > 0; n--) {
    let size: number;
    [size, at] = readU32(code, at);
    const body = code.subarray(at, at + size);
    at += size;
    let [groups, p] = readU32(body, 0);
    for (; groups > 0; groups--) {
      [, p] = readU32(body, p);
      p++; // the group's value type
    }
    out.push({ codeAt: p, body });
  }
  return out;
}

/** A copy that stores 1 at byte `f` of an exported second memory `probe:calls` on entry to function f. */
function instrument(original: Uint8Array): Uint8Array<ArrayBuffer> {
  const sections = split(original).map((s) => ({ ...s }));
  const first = importedFunctions(sections);
  const code = section(sections, CODE);
  const fns = bodies(code.body);
  const memory = section(sections, MEMORY);
  const [memories, rest] = readU32(memory.body, 0);
  const pages = Math.ceil((first + fns.length) / 65536);
  memory.body = concat([u32(memories + 1), memory.body.subarray(rest), [0, ...u32(pages)]]);
  const exports = section(sections, EXPORT);
  const [count, after] = readU32(exports.body, 0);
  const name = new TextEncoder().encode("probe:calls");
  exports.body = concat([u32(count + 1), exports.body.subarray(after), [name.length], name, [
    2,
    ...u32(memories),
  ]]);
  const parts: ArrayLike<number>[] = [u32(fns.length)];
  fns.forEach(({ codeAt, body }, i) => {
    // i32.const 0; i32.const 1; i32.store8 (multi-memory memarg: align 0 | 0x40, memory index, offset f)
    const mark = [0x41, 0, 0x41, 1, 0x3a, 0x40, ...u32(memories), ...u32(first + i)];
    const next = concat([body.subarray(0, codeAt), mark, body.subarray(codeAt)]);
    parts.push(u32(next.length), next);
  });
  code.body = concat(parts);
  return join(sections);
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
  const sections = split(original);
  const name = new TextEncoder().encode("metadata.code.compilation_priority");
  const body: number[] = [...u32(name.length), ...name, ...u32(functions.length)];
  for (const f of functions) body.push(...u32(f), 0, 1, 0);
  const at = sections.findIndex((s) => s.id === CODE);
  sections.splice(at, 0, { id: 0, body: new Uint8Array(body) });
  return join(sections);
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

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
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
  const codeBytes = bodies(section(split(original), CODE).body);
  const first = importedFunctions(split(original));
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
