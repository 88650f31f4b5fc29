/**
 * A measurement on bare V8 (no samuel host): how much of a guest's start-up in Deno is V8 compiling
 * functions lazily on the main thread, and what the compile hints samuel appends
 * (src/runtime/preprocess/compile_hints.ts: the Compilation Hints proposal's `metadata.code.compilation_priority`
 * section, read by V8 15 under `--experimental-wasm-compilation-hints`) win back (bench/RESULTS.md,
 * "Compile hints"), through the product's own code.
 *
 * Steps: the profiling copy (src/runtime/preprocess/call_marks.ts) marks each function's entry; running
 * its `_initialize` and `health` on the floor's imports (bench/suite/floor.ts) gives the functions
 * start-up calls; the original with their hint section appended is written to a temp folder. Then fresh processes, interleaved: the original as is, the original with lazy compilation off,
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
import { payloadOf, type Section, SectionId } from "../src/runtime/preprocess/sections.ts";
import { markCalls } from "../src/runtime/preprocess/call_marks.ts";
import { hintSection } from "../src/runtime/preprocess/compile_hints.ts";
import { appendSection } from "../src/runtime/preprocess/custom_section.ts";
import { calledFunctions } from "../src/runtime/call_marks_read.ts";

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

/** The functions `_initialize` and `health` call, on the floor's imports. */
function startUpCalls(original: Uint8Array): number[] {
  const module = new WebAssembly.Module(markCalls(original)!);
  let instance: WebAssembly.Instance | undefined = undefined;
  instance = new WebAssembly.Instance(
    module,
    floorImports(module, () => instance!.exports.memory as WebAssembly.Memory),
  );
  (instance.exports._initialize as () => void)();
  (instance.exports.health as () => number)();
  return calledFunctions(instance.exports)!;
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
  Deno.writeFileSync(hinted, appendSection(original, hintSection(called)));
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
