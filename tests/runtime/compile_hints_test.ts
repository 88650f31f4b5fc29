/**
 * Compile hints (src/runtime/preprocess/compile_hints.ts) and their profiles (src/store/compile_profile.ts): the
 * section's bytes are V8's layout; only exactly one custom section of the hints' name is ever appended;
 * appending writes in place when the buffer has room; V8 under the shipped flag reads a hinted module
 * (the section after the code section) and ignores a malformed one, so neither changes what runs; a
 * profile round-trips through its file, and a wrong tag, a torn or garbled file is not used. A plugin too
 * small to be worth hints gets none, through the real CLI.
 */

import { assert, assertEquals } from "../support/assert.ts";
import { wat2wasm } from "../support/wat.ts";
import { appendSection, customSection, withSection } from "../../src/runtime/preprocess/custom_section.ts";
import {
  HINTED_MODULE_BYTES,
  hintSection,
  isHintSection,
  worthHinting,
} from "../../src/runtime/preprocess/compile_hints.ts";
import {
  entryProfile,
  execProfile,
  ProfileRecorder,
  profilingCopy,
  readProfile,
} from "../../src/store/compile_profile.ts";
import { readWholeSync } from "../../src/store/read_whole.ts";
import { calledFunctions } from "../../src/runtime/call_marks_read.ts";
import { ENGINE_FLAGS } from "../../scripts/flags.ts";
import { Project } from "./_helpers.ts";

const NAME = new TextEncoder().encode("metadata.code.compilation_priority");

Deno.test("hintSection: a custom section of (function, offset 0, length 1, priority 0) entries", () => {
  const section = hintSection([3, 300]);
  const payload = [NAME.length, ...NAME, 2, 3, 0, 1, 0, 0xac, 0x02, 0, 1, 0];
  assertEquals([...section], [0, payload.length, ...payload]);
  assert(isHintSection(section));
  assert(isHintSection(hintSection([])));
});

Deno.test("isHintSection: anything but exactly one hints section is refused", () => {
  const good = hintSection([1, 2]);
  const cases: [string, Uint8Array][] = [
    ["empty", new Uint8Array()],
    ["a data section", new Uint8Array([11, ...good.subarray(1)])],
    ["a trailing byte", new Uint8Array([...good, 0])],
    ["cut short", good.subarray(0, good.length - 1)],
    ["a second section after it", new Uint8Array([...good, ...good])],
    ["another custom section", new Uint8Array([0, 5, 4, ...new TextEncoder().encode("name")])],
    ["a size past the end", new Uint8Array([0, 0x7f, NAME.length, ...NAME])],
    ["an unterminated size", new Uint8Array([0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01])],
  ];
  for (const [label, bytes] of cases) assertEquals(isHintSection(bytes), false, label);
});

Deno.test("customSection and withSection: id 0, size, name, payload, after bytes left as they were", () => {
  const section = customSection("ab", new Uint8Array([7, 8]));
  assertEquals([...section], [0, 5, 2, 0x61, 0x62, 7, 8]);
  const base = new Uint8Array([1, 2, 3]);
  const out = withSection(base, section);
  assertEquals([...out], [1, 2, 3, ...section]);
  assertEquals([...base], [1, 2, 3]);
  assert(out.buffer !== base.buffer);
});

Deno.test("appendSection: in place when the buffer has room after the bytes, else a copy", () => {
  const section = hintSection([1]);
  const buf = new Uint8Array(new ArrayBuffer(10 + section.length), 0, 10).fill(7);
  const inPlace = appendSection(buf, section);
  assertEquals(inPlace.buffer, buf.buffer);
  assertEquals([...inPlace], [...buf, ...section]);
  const tight = new Uint8Array(10).fill(7);
  const copied = appendSection(tight, section);
  assert(copied.buffer !== tight.buffer);
  assertEquals([...copied], [...tight, ...section]);
});

Deno.test("readWholeSync leaves the room asked for after the file's bytes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "samuel-hints-" });
  try {
    const data = new Uint8Array(5000).map((_, i) => i % 251);
    await Deno.writeFile(`${dir}/m.wasm`, data);
    const read = readWholeSync(`${dir}/m.wasm`, data.length, 64);
    assertEquals(read, data);
    assertEquals(read.buffer.byteLength, data.length + 64);
    assertEquals(readWholeSync(`${dir}/m.wasm`, data.length).buffer.byteLength, data.length);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("worthHinting: only modules of a megabyte or more", () => {
  assertEquals(HINTED_MODULE_BYTES, 1 << 20);
  assertEquals([worthHinting(36 * 1024), worthHinting(1 << 20), worthHinting(4_000_000)], [
    false,
    true,
    true,
  ]);
});

Deno.test("V8 under the shipped flag: hinted, malformed and out-of-range hints after the code run the same", async () => {
  const wasm = await wat2wasm(`(module
    (func $sq (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
    (func (export "run") (result i32) (call $sq (i32.const 12))))`);
  const variants = {
    plain: wasm,
    hinted: appendSection(wasm, hintSection([0, 1])),
    outOfRange: appendSection(wasm, hintSection([7, 100000])),
    garbage: new Uint8Array([...wasm, 0, 5 + NAME.length, NAME.length, ...NAME, 0xff, 0xff, 0xff, 0xff]),
  };
  const dir = await Deno.makeTempDir({ prefix: "samuel-hints-" });
  try {
    for (const [name, bytes] of Object.entries(variants)) await Deno.writeFile(`${dir}/${name}.wasm`, bytes);
    const script = `${dir}/run.ts`;
    await Deno.writeTextFile(
      script,
      `for (const name of ${JSON.stringify(Object.keys(variants))}) {
        const bytes = Deno.readFileSync(${JSON.stringify(dir)} + "/" + name + ".wasm");
        const i = new WebAssembly.Instance(new WebAssembly.Module(bytes));
        console.log(name, i.exports.run());
      }`,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-q", `--allow-read=${dir}`, ...ENGINE_FLAGS, script],
    }).output();
    assertEquals(new TextDecoder().decode(out.stderr), "");
    assertEquals(
      new TextDecoder().decode(out.stdout).trim().split("\n"),
      ["plain 144", "hinted 144", "outOfRange 144", "garbage 144"],
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a profile round-trips through its file; a wrong tag, a torn or a garbled file is not used", async () => {
  const dir = await Deno.makeTempDir({ prefix: "samuel-hints-" });
  try {
    const file = entryProfile(`${dir}/entry`, "lint");
    assertEquals(file, `${dir}/entry/hints-lint.bin`);
    assertEquals(readProfile(file, ""), undefined); // none yet
    const long = ProfileRecorder.open(file, "v1")!;
    assert(long.record(Array.from({ length: 500 }, (_, i) => i)));
    assertEquals(readProfile(file, "v1"), hintSection(Array.from({ length: 500 }, (_, i) => i)));
    assertEquals(readProfile(file, "v2"), undefined);
    // A shorter profile over a longer one: truncated to its own length, so it reads back whole.
    assert(ProfileRecorder.open(file, "v1")!.record([4, 5]));
    assertEquals(readProfile(file, "v1"), hintSection([4, 5]));
    const bytes = Deno.readFileSync(file);
    Deno.writeFileSync(file, bytes.subarray(0, bytes.length - 1));
    assertEquals(readProfile(file, "v1"), undefined, "torn");
    Deno.writeFileSync(file, new TextEncoder().encode("garbage, not a profile"));
    assertEquals(readProfile(file, "v1"), undefined, "garbled");
    // Opening keeps what the file holds until a record: a run that records nothing loses nothing.
    assert(ProfileRecorder.open(file, "v1")!.record([9]));
    ProfileRecorder.open(file, "v1")!.close();
    assertEquals(readProfile(file, "v1"), hintSection([9]));
    // Exec profiles: one file per module path, under the cache.
    assertEquals(execProfile("/c", "/a/m.wasm"), execProfile("/c", "/a/m.wasm"));
    assert(execProfile("/c", "/a/m.wasm") !== execProfile("/c", "/a/n.wasm"));
    assert(execProfile("/c", "/a/m.wasm").startsWith("/c/exec-profiles/"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("samuel run: a plugin too small for hints records no profile and uses none", async () => {
  await using p = await Project.create();
  const wasm = await wat2wasm(`(module (memory (export "memory") 1)
    (func (export "_initialize")) (func (export "lint") (result i32) (i32.const 0)))`);
  await p.installOk(wasm, { name: "small", exports: ["lint"] });
  for (let i = 0; i < 2; i++) {
    const r = await p.run(["small", "lint"]);
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.json.data.cache.hints, "none");
  }
  const found: string[] = [];
  for await (const e of Deno.readDir(`${p.home}/cache/wasm/modules`)) {
    for await (const v of Deno.readDir(`${p.home}/cache/wasm/modules/${e.name}`)) {
      for await (const f of Deno.readDir(`${p.home}/cache/wasm/modules/${e.name}/${v.name}`)) {
        found.push(f.name);
      }
    }
  }
  assertEquals(found.filter((f) => f.startsWith("hints-")), []);
  assert(found.includes("module.wasm"));
});

Deno.test("profilingCopy: the marking copy and its open recorder; a module the parser refuses gets none", async () => {
  const dir = await Deno.makeTempDir({ prefix: "samuel-hints-" });
  try {
    const wasm = await wat2wasm(`(module (func (export "run")))`);
    const copy = await profilingCopy(wasm, `${dir}/p.bin`, "t");
    assert(copy !== undefined);
    const instance = new WebAssembly.Instance(new WebAssembly.Module(copy.bytes));
    (instance.exports.run as () => void)();
    assert(copy.recorder.record(calledFunctions(instance.exports)!));
    assertEquals(readProfile(`${dir}/p.bin`, "t"), hintSection([0]));
    // Not a module the rewriter's parser reads (a GC-typed module V8 runs would be refused the same way).
    assertEquals(
      await profilingCopy(new Uint8Array([0, 0x61, 0x73, 0x6d, 2, 0, 0, 0]), `${dir}/q.bin`, "t"),
      undefined,
    );
    // A profile file that cannot be opened: no copy (the module runs as it is).
    assertEquals(await profilingCopy(wasm, `${dir}/p.bin/inside`, "t"), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("recordRun: a run its limits stopped, or whose marks were not read, records nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "samuel-hints-" });
  try {
    const file = `${dir}/p.bin`;
    assertEquals(ProfileRecorder.open(file, "")!.recordRun("timeout", [1, 2]), false);
    assertEquals(ProfileRecorder.open(file, "")!.recordRun("fuel_exhausted", [1, 2]), false);
    assertEquals(ProfileRecorder.open(file, "")!.recordRun("ok", undefined), false);
    assertEquals(readProfile(file, ""), undefined);
    // A trap or a failing export ran its course: kept.
    assertEquals(ProfileRecorder.open(file, "")!.recordRun("trap", [3]), true);
    assertEquals(readProfile(file, ""), hintSection([3]));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
