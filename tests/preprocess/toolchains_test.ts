/**
 * Real toolchain output: C (freestanding clang, SIMD, wasi-libc), Rust (WASI preview1) and Go (wasip1 command and
 * -buildmode=c-shared reactor). Every rewritten module validates; freestanding kernels return exactly what
 * the originals return; WASI modules produce the same stdout, stderr and exit code through samuel's WASI
 * host (src/runtime/wasi); a spinning Go export is stopped and the process carries on. Fixtures come from
 * tests/fixtures/compute/build.sh; tests whose toolchain is missing are skipped.
 */

import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { WasiExit, WasiHost } from "../../src/runtime/wasi/mod.ts";
import { createMeter } from "../../src/runtime/host/meter.ts";
import { compile, expectStop, type Exports, fixture, instantiateMetered, rewrite } from "./support.ts";
import { needs } from "../support/needs.ts";

const KERNEL_ARGS: Record<string, number[]> = {
  matmul: [1, 3],
  sieve: [10, 1000, 100000],
  sha_mix: [1, 100],
  fib: [0, 1, 2, 20],
  memcpy_loop: [1, 5],
  sort: [1, 2, 1000, 50000],
  crc32: [1, 50],
  bulk: [1, 20],
  saxpy: [1, 10],
  shuffle: [0, 1, 1000],
  fill: [0, 7, 255],
};

for (const name of ["kernels.wasm", "kernels_mvp.wasm", "simd.wasm"]) {
  const bytes = fixture(name);
  Deno.test(
    needs(
      `toolchains: clang ${name} rewritten behaves exactly as the original`,
      !bytes && `${name} not built: clang missing`,
    ),
    async () => {
      const out = rewrite(bytes!);
      assert(WebAssembly.validate(out.bytes));
      const orig = (await WebAssembly.instantiate(compile(bytes!))).exports as Exports;
      const { exports, meter } = await instantiateMetered(out);
      let checked = 0;
      for (const [fn, args] of Object.entries(KERNEL_ARGS)) {
        if (typeof orig[fn] !== "function") continue;
        for (const a of args) assertEquals(exports[fn](a), orig[fn](a), `${name} ${fn}(${a})`), checked++;
      }
      assert(checked > 5, `only ${checked} calls compared`);
      assertEquals(meter.stopped, null);
    },
  );
}

Deno.test({
  ...needs(
    "toolchains: a clang kernel is stopped mid-computation and the instance's siblings keep working",
    !fixture("kernels.wasm") && "kernels.wasm not built: clang missing",
  ),
}, async () => {
  const out = rewrite(fixture("kernels.wasm")!);
  const { exports, meter } = await instantiateMetered(out, { ms: 20 });
  expectStop(() => exports.fib(45), meter);
  const fresh = await instantiateMetered(out);
  assertEquals(fresh.exports.fib(20), 6765);
});

interface Captured {
  code: number | string;
  stdout: string;
  stderr: string;
}

/** Runs a WASI command or reactor export through samuel's WASI host. */
function runWasi(
  bytes: Uint8Array,
  opts: { metered: boolean; exportName?: string; ms?: number; args?: string[] },
): Captured & { stopped: string | null } {
  const dec = new TextDecoder();
  let stdout = "", stderr = "";
  const host = new WasiHost({
    args: ["plugin.wasm", opts.exportName ?? "_start", ...(opts.args ?? [])],
    env: [],
    preopens: [],
    stdin: { read: () => 0 },
    stdout: { write: (b) => (stdout += dec.decode(b), b.length) },
    stderr: { write: (b) => (stderr += dec.decode(b), b.length) },
  });
  const meter = createMeter({ hardDeadlineMs: performance.now() + (opts.ms ?? 30_000) });
  const module = compile(opts.metered ? rewrite(bytes).bytes : bytes);
  const instance = new WebAssembly.Instance(module, { ...host.imports, "samuel:meter": meter.imports });
  let code: number | string;
  try {
    if (opts.exportName) {
      host.initialize(instance);
      code = (instance.exports[opts.exportName] as () => number)();
    } else {
      code = host.start(instance);
    }
  } catch (e) {
    code = e instanceof WasiExit
      ? e.code
      : e instanceof WebAssembly.RuntimeError
      ? `trap: ${e.message}`
      : String(e);
  } finally {
    host.close();
  }
  return { code, stdout, stderr, stopped: meter.stopped };
}

/** What builds each WASI fixture (tests/fixtures/compute/build.sh), for the name of a skipped test. */
const TOOLCHAIN: Record<string, string> = {
  "hello_wasi.wasm": "clang with wasi-libc",
  "gohello.wasm": "Go",
  "rusthello.wasm": "rustc with the wasm32-wasip1 target",
  "goreactor.wasm": "Go",
};

const WASI_CASES: [string, string | undefined][] = [
  ["hello_wasi.wasm", undefined],
  ["gohello.wasm", undefined],
  ["rusthello.wasm", undefined],
  ["goreactor.wasm", "lint"],
  ["goreactor.wasm", "health"],
];

for (const [name, exportName] of WASI_CASES) {
  const bytes = fixture(name);
  Deno.test({
    ...needs(
      `toolchains: ${name} ${exportName ?? "_start"} through the WASI host: rewritten output equals original`,
      !bytes && `${name} not built: ${TOOLCHAIN[name]} missing`,
    ),
  }, () => {
    const before = runWasi(bytes!, { metered: false, exportName });
    const after = runWasi(bytes!, { metered: true, exportName });
    assertEquals({ code: after.code, stdout: after.stdout, stderr: after.stderr }, {
      code: before.code,
      stdout: before.stdout,
      stderr: before.stderr,
    });
    assertEquals(after.stopped, null);
    if (name === "hello_wasi.wasm") {
      assertEquals(before.code, 3);
      assertMatch(before.stdout, /sum=\d+ fib=46368/);
    }
    if (name === "gohello.wasm") {
      assertEquals(before.code, 5);
      assertMatch(before.stdout, /brown=1 dog=1 end=1 fox=1/);
      assertMatch(before.stdout, /recovered: runtime error: index out of range/);
    }
    if (name === "rusthello.wasm") {
      assertEquals([before.code, before.stderr], [4, "rust stderr line\n"]);
      assertMatch(before.stdout, /counts: \{"a": 3, "is": 2, "rose": 3\}/);
    }
    if (exportName === "lint") assertEquals([before.code, before.stdout], [0, "lint total 3500000\n"]);
  });
}

Deno.test({
  ...needs(
    "toolchains: a spinning Go //go:wasmexport is stopped; the next Go invocation runs normally",
    !fixture("goreactor.wasm") && "goreactor.wasm not built: Go missing",
  ),
}, () => {
  const bytes = fixture("goreactor.wasm")!;
  const spun = runWasi(bytes, { metered: true, exportName: "spin", ms: 100 });
  assertEquals([spun.code, spun.stopped], ["trap: unreachable", "timeout"]);
  const next = runWasi(bytes, { metered: true, exportName: "lint" });
  assertEquals([next.code, next.stdout], [0, "lint total 3500000\n"]);
});

Deno.test({
  ...needs(
    "toolchains: Go modules (~2.6 MB) rewrite in tens of milliseconds and grow < 10%",
    !fixture("gohello.wasm") && "gohello.wasm not built: Go missing",
  ),
}, () => {
  for (const name of ["gohello.wasm", "goreactor.wasm"]) {
    const bytes = fixture(name)!;
    rewrite(bytes); // warm the rewriter's JIT
    const t0 = performance.now();
    const out = rewrite(bytes);
    const ms = performance.now() - t0;
    assert(ms < 100 * 3, `${name}: ${ms.toFixed(1)} ms`);
    assert(out.bytes.length < bytes.length * 1.1, "code grows by less than 10%");
  }
});

Deno.test({
  ...needs(
    "toolchains: a spinning Rust command is stopped at the deadline",
    !fixture("rusthello.wasm") && "rusthello.wasm not built: rustc with the wasm32-wasip1 target missing",
  ),
}, () => {
  const spun = runWasi(fixture("rusthello.wasm")!, { metered: true, ms: 100, args: ["spin"] });
  assertEquals([spun.code, spun.stopped, spun.stdout], ["trap: unreachable", "timeout", ""]);
});

Deno.test("toolchains: every module the repository's fixture builds produce rewrites to a valid module", async () => {
  const root = new URL("../fixtures/", import.meta.url);
  const found: string[] = [];
  for await (const dir of Deno.readDir(root)) {
    if (!dir.isDirectory) continue;
    for (const sub of ["build", ""]) {
      try {
        for await (const f of Deno.readDir(new URL(`${dir.name}/${sub}`, root))) {
          if (f.isFile && f.name.endsWith(".wasm")) {
            found.push(`${dir.name}/${sub ? sub + "/" : ""}${f.name}`);
          }
        }
      } catch {
        // no such folder
      }
    }
  }
  let rewritten = 0;
  for (const path of found) {
    const bytes = Deno.readFileSync(new URL(path, root));
    if (!WebAssembly.validate(bytes)) continue; // deliberately broken fixtures of other suites
    const imports = WebAssembly.Module.imports(compile(bytes));
    if (imports.some((i) => i.module === "samuel:meter")) continue; // already rewritten
    const out = rewrite(bytes, 1 << 30);
    assert(WebAssembly.validate(out.bytes), path);
    rewritten++;
  }
  assert(rewritten >= Math.min(found.length, 1), `rewrote ${rewritten} of ${found.length}`);
});
