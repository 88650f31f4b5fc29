/**
 * Shared pieces of the suite benches (bench/suite/*_bench.ts): the three module sizes of the cold-start
 * rows, the two peers every row is compared with (bare V8, the floor; Deno's `node:wasi`), nonce'd copies
 * of a module so that every iteration compiles cold, and temp samuel projects with plugins installed
 * through the real CLI.
 *
 * Not a bench file itself (no `_bench` suffix), so `deno bench bench/suite/` does not run it.
 */

import { customSection, withSection } from "../../src/runtime/preprocess/custom_section.ts";
import { WASI as NodeWASI } from "node:wasi";
import { closeSync, openSync } from "node:fs";
import { wat2wasm } from "../../tests/support/wat.ts";
import { HERMETIC_ENV, MAIN, runToEnd, SAMUEL_FLAGS } from "../support/process.ts";
import type { Grants } from "../../src/runtime/sandbox_spec.ts";

const here = (p: string) => new URL(p, import.meta.url).pathname;

export const TINY_WAT = here("../fixtures/tiny.wat");
export const C_REACTOR = here("../fixtures/build/reactor.wasm");
export const GO_PLUGIN = here("../../examples/go-guide-wasm/build/plugin.wasm");
export const NODE_HEALTH_SCRIPT = here("./node_wasi_health.mjs");

/** One module size of the cold-start rows. */
export interface Fixture {
  id: "tiny" | "c" | "go";
  label: string;
  bytes: Uint8Array;
  /** Max memory grant (MiB) used for the cache variant and the sandbox. */
  maxMemoryMiB: number;
}

const kb = (n: number) => `${Math.round(n / 1024)} KB`;

/**
 * The three module sizes; a missing build output is skipped with a note on stderr (the benches that need
 * it are then ignored, and the report says so), so a machine without clang or Go still runs the rest.
 */
export async function loadFixtures(): Promise<Fixture[]> {
  const out: Fixture[] = [];
  const tiny = await wat2wasm(Deno.readTextFileSync(TINY_WAT), "tiny.wat");
  out.push({ id: "tiny", label: `tiny WAT (${tiny.length} B)`, bytes: tiny, maxMemoryMiB: 16 });
  for (
    const [id, path, what, mem] of [
      ["c", C_REACTOR, "C reactor", 16],
      ["go", GO_PLUGIN, "Go wasip1 reactor", 64],
    ] as const
  ) {
    try {
      const bytes = Deno.readFileSync(path);
      const size = id === "go" ? `${(bytes.length / 1048576).toFixed(1)} MB` : kb(bytes.length);
      out.push({ id, label: `${what} (${size})`, bytes, maxMemoryMiB: mem });
    } catch {
      console.error(
        `bench: ${path} missing, its rows are skipped (build: bench/fixtures/build.sh, ` +
          `examples/go-guide-wasm/build.sh)`,
      );
    }
  }
  return out;
}

/**
 * A copy of `bytes` with one extra custom section carrying `nonce`: a different module to V8 (its
 * in-process native-module cache is keyed by the wire bytes) and to the module cache (keyed by sha256),
 * and the same program. Every iteration of a cold-start bench compiles one of these, so "cold" stays cold
 * however many iterations run.
 */
export function withNonce(bytes: Uint8Array, nonce: number): Uint8Array {
  const payload = new TextEncoder().encode(String(nonce).padStart(12, "0"));
  return withSection(bytes, customSection("samuel-bench-nonce", payload));
}

export { floorImports } from "./floor.ts";
import { floorImports } from "./floor.ts";

/** Calls `_initialize` when the module has one (every fixture is a reactor). */
function initialize(instance: WebAssembly.Instance): void {
  const init = instance.exports._initialize;
  if (typeof init === "function") (init as () => void)();
}

/** The floor: bare V8 compile + instantiate + `_initialize` + the export, no WASI host. */
export function runFloor(bytes: Uint8Array, exportName = "health"): number {
  const module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  let instance: WebAssembly.Instance | undefined = undefined;
  instance = new WebAssembly.Instance(
    module,
    floorImports(module, () => instance!.exports.memory as WebAssembly.Memory),
  );
  initialize(instance);
  return (instance.exports[exportName] as () => number)();
}

/** Guest stdout/stderr of node:wasi go here, never into `deno bench --json`'s own stdout. */
let devNull: number | undefined;
globalThis.addEventListener("unload", () => {
  if (devNull !== undefined) closeSync(devNull);
});

/**
 * Deno's `node:wasi` running the same module: compile + host + instantiate + `initialize` + the export.
 * Non-WASI imports (the Go plugin imports `samuel.*`) get stubs, as in the floor. `/workspace` is
 * preopened at `workspace` as samuel's grants do.
 */
export function runNodeWasi(bytes: Uint8Array, workspace: string, exportName = "health"): number {
  devNull ??= openSync("/dev/null", "w");
  const module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  const wasi = new NodeWASI(
    {
      version: "preview1",
      args: ["bench", exportName],
      env: {},
      preopens: { "/workspace": workspace },
      returnOnExit: true,
      stdout: devNull,
      stderr: devNull,
    } as ConstructorParameters<typeof NodeWASI>[0],
  );
  const imports = wasi.getImportObject() as Record<string, Record<string, WebAssembly.ImportValue>>;
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.module !== "wasi_snapshot_preview1" && imp.kind === "function") {
      (imports[imp.module] ??= {})[imp.name] = () => 0;
    }
  }
  const instance = new WebAssembly.Instance(module, imports);
  wasi.initialize(instance);
  return (instance.exports[exportName] as () => number)();
}

/** The grants every bench plugin gets: read the project, nothing else (as go-guide-wasm's manifest). */
export function benchGrants(maxMemoryMiB: number): Grants {
  return {
    env: [],
    filesystem: { read: ["/workspace"], write: [] },
    network: { hosts: [] },
    maxMemory: maxMemoryMiB,
    timeoutMs: 5_000,
    hardTimeoutMs: 30_000,
  };
}

/** A plugin folder samuel can install with `file://`: a manifest declaring `health` and the module. */
export function writePluginDir(
  dir: string,
  name: string,
  module: Uint8Array,
  maxMemoryMiB: number,
  exports: readonly string[] = ["health"],
): void {
  Deno.mkdirSync(dir, { recursive: true });
  Deno.writeFileSync(`${dir}/plugin.wasm`, module);
  Deno.writeTextFileSync(
    `${dir}/samuel-plugin.toml`,
    `# written by bench/suite/common.ts
name = "${name}"
version = "0.1.0"
kind = "wasm"
summary = "Benchmark plugin ${name}."

[samuel]
framework = "^2.2.0"
protocol = "^1.0.0"

[wasm]
module = "plugin.wasm"
exports = ${JSON.stringify(exports)}

[runtime]
max_memory = ${maxMemoryMiB}
timeout = "5s"
hard_timeout = "30s"

[capabilities]
env = []

[capabilities.filesystem]
read = ["/workspace"]
write = []

[capabilities.network]
hosts = []
`,
  );
}

/** A temp samuel project with its own `$SAMUEL_HOME`, so no bench reads or pollutes the user's cache. */
export interface BenchProject {
  root: string;
  home: string;
  env: Record<string, string>;
  /** Runs the real CLI in the project (whole process), failing loudly on a non-zero exit. */
  samuel(args: string[]): Promise<void>;
  /** Installs `dir` (a plugin folder) unsigned, accepting its grants. */
  install(dir: string): Promise<void>;
}

export async function makeProject(prefix: string): Promise<BenchProject> {
  const base = Deno.makeTempDirSync({ prefix: `samuel-bench-${prefix}-` });
  const root = `${base}/project`;
  const home = `${base}/home`;
  Deno.mkdirSync(root);
  Deno.mkdirSync(home);
  globalThis.addEventListener("unload", () => {
    try {
      Deno.removeSync(base, { recursive: true });
    } catch { /* best effort */ }
  });
  const env = { ...HERMETIC_ENV, SAMUEL_HOME: home, NO_COLOR: "1" };
  const samuel = (args: string[]) =>
    runWithEnv(Deno.execPath(), ["run", "-q", ...SAMUEL_FLAGS, MAIN, ...args], root, env);
  const project: BenchProject = {
    root,
    home,
    env,
    samuel,
    install: (dir) => samuel(["install", `file://${dir}`, "--allow-unsigned", "--yes"]),
  };
  await samuel(["init"]);
  return project;
}

/** `runToEnd` with an environment (`runToEnd` inherits the parent's). */
export async function runWithEnv(
  cmd: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<void> {
  const { code, stderr } = await new Deno.Command(cmd, { args, cwd, env, stdout: "null", stderr: "piped" })
    .output();
  if (code !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} exited ${code}: ${new TextDecoder().decode(stderr)}`);
  }
}

export { MAIN, runToEnd, SAMUEL_FLAGS };
