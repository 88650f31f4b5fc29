/**
 * Time to install a 2 MB signed plugin from a local server (issue 6): the real CLI (`deno run main.ts
 * install acme/big@v1.0.0`) against a fake GitHub on 127.0.0.1, the module signed for real by a mock
 * Sigstore instance. Cold = an empty module cache (a fresh `$SAMUEL_HOME`: download, verify, pre-process,
 * cache fill, commit); warm = the cache already holds the module (download, verify, cache hit, commit).
 * Each run installs into a fresh project. Also the time to verify the 2 MB module's bundle in-process.
 *
 * `deno bench --allow-all bench/install_bench.ts` compares whole processes with a bare `deno run`.
 * `deno run --allow-all bench/install_bench.ts --report` prints medians (ms) of the same measurements.
 *
 * The module is generated: ~8000 functions of arithmetic, calls and loops (so the pre-processor inserts
 * its probes as it would for compiled code), about 2 MiB in all, valid and exporting `lint: () -> i32`.
 */

import { FakeGitHub } from "../tests/support/fake_github.ts";
import { startMockSigstore } from "../tests/support/sigstore_mock.ts";
import { wat2wasm } from "../tests/support/wat.ts";
import { defaultConfigText } from "../src/project/config.ts";
import { emptyScript, HERMETIC_ENV, MAIN, runToEnd, SAMUEL_FLAGS } from "./support/process.ts";

const TARGET_BYTES = 2 * 1024 * 1024;
const SAN = "https://github.com/acme/big/.github/workflows/release.yml@refs/tags/v1.0.0";

/** A valid module of about `target` bytes (code, not data). */
async function bigModule(target = TARGET_BYTES): Promise<Uint8Array> {
  const body = (i: number) => {
    const ops: string[] = [];
    for (let k = 0; k < 24; k++) ops.push(`(drop (i32.add (i32.const ${i + k * 131}) (local.get 0)))`);
    if (i % 16 === 0) {
      ops.push(
        `(block (loop (br_if 1 (i32.eqz (local.get 0))) (local.set 0 (i32.sub (local.get 0) (i32.const 1))) (br 0)))`,
      );
    }
    if (i > 0) ops.push(`(drop (call $f${i - 1} (i32.const 0)))`);
    return `(func $f${i} (param i32) (result i32) ${ops.join(" ")} (local.get 0))`;
  };
  let n = 6000;
  for (;;) {
    const funcs = Array.from({ length: n }, (_, i) => body(i)).join("\n");
    const bytes = await wat2wasm(`(module
      (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 2)
      ${funcs}
      (func (export "lint") (result i32) (call $f${n - 1} (i32.const 3)) drop (i32.const 0)))`);
    if (bytes.length >= target * 0.95) return bytes;
    n = Math.ceil(n * (target / bytes.length) * 1.02);
  }
}

const MANIFEST = `name = "big"
version = "1.0.0"
kind = "wasm"
[samuel]
framework = "*"
protocol = "^1.0.0"
[wasm]
module = "plugin.wasm"
exports = ["lint"]
[capabilities.filesystem]
read = ["/workspace"]
`;

interface Setup {
  gh: FakeGitHub;
  close(): Promise<void>;
  dir: string;
  trustedRoot: string;
  module: Uint8Array;
  bundle: string;
  trustedRootJson: unknown;
}

async function setup(): Promise<Setup> {
  const module = await bigModule();
  // About 1 mock instance in 40 issues timestamps that never verify (SAM-VERIFY-012): use another.
  let bundle = "";
  let trustedRootJson: unknown;
  for (let attempt = 1;; attempt++) {
    await using sigstore = await startMockSigstore();
    trustedRootJson = sigstore.trustedRoot;
    bundle = await sigstore.sign(module, { san: SAN });
    try {
      await verifyInProcess({ module, bundle, trustedRootJson });
      break;
    } catch (e) {
      if (attempt >= 5) throw e;
    }
  }
  const gh = await FakeGitHub.start();
  gh.release("acme", "big", "v1.0.0", {
    "samuel-plugin.toml": MANIFEST,
    "plugin.wasm": module as Uint8Array<ArrayBuffer>,
    "plugin.wasm.bundle": bundle,
  });
  const dir = await Deno.makeTempDir({ prefix: "samuel-install-bench-" });
  const trustedRoot = `${dir}/trusted_root.json`;
  await Deno.writeTextFile(trustedRoot, JSON.stringify(trustedRootJson));
  return {
    gh,
    dir,
    trustedRoot,
    module,
    bundle,
    trustedRootJson,
    async close() {
      await gh.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

let counter = 0;

/** One whole-process install into a fresh project; `home` decides whether the module cache is warm. */
async function install(s: Setup, home: string): Promise<void> {
  const project = `${s.dir}/p${counter++}`;
  await Deno.mkdir(project);
  await Deno.writeTextFile(`${project}/samuel.toml`, defaultConfigText());
  const env = { ...s.gh.env, ...HERMETIC_ENV, SAMUEL_HOME: home, NO_COLOR: "1" };
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-q", ...SAMUEL_FLAGS, MAIN, "install", "acme/big@v1.0.0", "--trusted-root", s.trustedRoot],
    cwd: project,
    env,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) throw new Error(`install exited ${code}: ${new TextDecoder().decode(stderr)}`);
}

async function verifyInProcess(s: Pick<Setup, "module" | "bundle" | "trustedRootJson">): Promise<void> {
  const { verifyArtifact } = await import("../src/verify/mod.ts");
  await verifyArtifact({
    artifact: s.module,
    bundleText: s.bundle,
    bundleName: "plugin.wasm.bundle",
    policy: { issuer: "https://token.actions.githubusercontent.com", identityPatterns: [SAN] },
    trustedRoot: s.trustedRootJson,
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

if (Deno.args[0] === "--report") {
  const s = await setup();
  try {
    const rounds = 7;
    const empty = emptyScript();
    const bare: number[] = [];
    const cold: number[] = [];
    const warm: number[] = [];
    const verify: number[] = [];
    const warmHome = `${s.dir}/warm-home`;
    await install(s, warmHome);
    await verifyInProcess(s);
    for (let i = 0; i < rounds; i++) {
      bare.push(await timed(() => runToEnd(Deno.execPath(), ["run", "-q", empty])));
      cold.push(await timed(() => install(s, `${s.dir}/cold-home-${i}`)));
      warm.push(await timed(() => install(s, warmHome)));
      verify.push(await timed(() => verifyInProcess(s)));
    }
    console.log(`module: ${(s.module.length / 1048576).toFixed(2)} MiB, ${rounds} rounds, medians:`);
    console.log(`  deno run empty.ts             ${median(bare).toFixed(1)} ms`);
    console.log(`  install, cold module cache    ${median(cold).toFixed(1)} ms (whole process)`);
    console.log(`  install, warm module cache    ${median(warm).toFixed(1)} ms (whole process)`);
    console.log(`  verify the bundle (warm)      ${median(verify).toFixed(2)} ms (in-process)`);
  } finally {
    await s.close();
  }
} else {
  const s = await setup();
  const empty = emptyScript();
  const warmHome = `${s.dir}/warm-home`;
  await install(s, warmHome);
  await verifyInProcess(s);
  let cold = 0;
  Deno.bench({
    name: "deno run empty.ts",
    group: "install-2mb",
    baseline: true,
    n: 10,
    async fn() {
      await runToEnd(Deno.execPath(), ["run", "-q", empty]);
    },
  });
  Deno.bench({
    name: "install 2 MB signed plugin, cold module cache",
    group: "install-2mb",
    n: 10,
    async fn() {
      await install(s, `${s.dir}/cold-home-${cold++}`);
    },
  });
  Deno.bench({
    name: "install 2 MB signed plugin, warm module cache",
    group: "install-2mb",
    n: 10,
    async fn() {
      await install(s, warmHome);
    },
  });
  Deno.bench({
    name: "verify the 2 MB module's bundle (in-process, warm)",
    group: "verify-2mb",
    async fn() {
      await verifyInProcess(s);
    },
  });
  globalThis.addEventListener("unload", () => {
    try {
      Deno.removeSync(s.dir, { recursive: true });
    } catch { /* best effort */ }
  });
}
