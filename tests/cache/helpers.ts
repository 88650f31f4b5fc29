/**
 * Shared set-up for the CLI-level module cache and doctor tests: small plugins assembled from WAT into
 * their own source folders, a fresh project made with `samuel init`, installs from `file://`, and the
 * CLI run against a chosen `$SAMUEL_HOME`.
 *
 * `samuel install` warms the module cache, so tests that watch the cache from empty install with one home
 * and run with another (`Project.runHome`): the first `samuel run` is then a genuine miss.
 */

import { type CliResult, runCli } from "../support/cli.ts";
import { wat2wasm } from "../support/wat.ts";
import { assertEquals } from "../support/assert.ts";

export const HELLO_WASM_DIR = new URL("../../examples/hello-wasm/", import.meta.url).pathname;

export interface PrinterOptions {
  /** Printed (plus a newline) by the `say` export. */
  text?: string;
  /** `health()`'s return code (default 0). */
  health?: number;
  /** Written to stderr by `health()` before it returns. */
  healthStderr?: string;
  /** `health()` spins forever (the hard timeout must stop it). */
  spin?: boolean;
  /** Declare a `health` export at all (default true). */
  withHealth?: boolean;
}

function watString(text: string): string {
  return [...new TextEncoder().encode(text)].map((b) => `\\${b.toString(16).padStart(2, "0")}`).join("");
}

/**
 * A reactor with `say` (prints `text`) and `health`. Two printers whose texts have the same length have
 * the same size before and after pre-processing, which the tamper tests rely on.
 */
export function printerWat(o: PrinterOptions = {}): string {
  const text = (o.text ?? "hello from the printer") + "\n";
  const err = o.healthStderr ?? "";
  const n = new TextEncoder().encode(text).length;
  const m = new TextEncoder().encode(err).length;
  const health = o.withHealth === false ? "" : `
  (func (export "health") (result i32)
    ${m > 0 ? `(call $write (i32.const 2) (i32.const 512) (i32.const ${m}))` : ""}
    ${o.spin ? "(loop $forever (br $forever))" : ""}
    (i32.const ${o.health ?? 0}))`;
  return `(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "${watString(text)}")
  (data (i32.const 512) "${watString(err)}")
  (func $write (param $fd i32) (param $p i32) (param $n i32)
    (i32.store (i32.const 0) (local.get $p))
    (i32.store (i32.const 4) (local.get $n))
    (drop (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func (export "_initialize"))
  (func (export "say") (result i32)
    (call $write (i32.const 1) (i32.const 64) (i32.const ${n}))
    (i32.const 0))${health}
)`;
}

export interface ManifestOptions {
  name: string;
  exports?: string[];
  maxMemory?: number;
  timeout?: string;
  hardTimeout?: string;
}

export function manifestToml(o: ManifestOptions): string {
  return `name = "${o.name}"
version = "0.1.0"
kind = "wasm"
summary = "a test plugin"
[samuel]
framework = "*"
protocol = "^1.0.0"
[wasm]
module = "plugin.wasm"
exports = [${(o.exports ?? ["say", "health"]).map((e) => JSON.stringify(e)).join(", ")}]
[runtime]
max_memory = ${o.maxMemory ?? 16}
timeout = "${o.timeout ?? "2s"}"
hard_timeout = "${o.hardTimeout ?? "10s"}"
[capabilities.filesystem]
read = ["/workspace"]
`;
}

/** A plugin source folder (manifest + module) ready for `samuel install file://DIR`. */
export async function pluginSource(
  name: string,
  printer: PrinterOptions = {},
  manifest: Partial<ManifestOptions> = {},
): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: `samuel-src-${name}-` });
  const exports = manifest.exports ?? (printer.withHealth === false ? ["say"] : ["say", "health"]);
  await Deno.writeTextFile(`${dir}/samuel-plugin.toml`, manifestToml({ ...manifest, name, exports }));
  await Deno.writeFile(`${dir}/plugin.wasm`, await wat2wasm(printerWat(printer)));
  return dir;
}

/** The hello-wasm example, assembled from its WAT into a temp source folder (the repo stays untouched). */
export async function helloWasmSource(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "samuel-src-hello-wasm-" });
  await Deno.copyFile(`${HELLO_WASM_DIR}samuel-plugin.toml`, `${dir}/samuel-plugin.toml`);
  const wat = await Deno.readTextFile(`${HELLO_WASM_DIR}plugin.wat`);
  await Deno.writeFile(`${dir}/plugin.wasm`, await wat2wasm(wat, "plugin.wat"));
  return dir;
}

export interface Project {
  root: string;
  /** `$SAMUEL_HOME` used by `install`. */
  installHome: string;
  /** `$SAMUEL_HOME` used by `run` and `doctor` (starts with an empty module cache). */
  runHome: string;
  cli(args: string[], opts?: { home?: string; stdin?: string }): Promise<CliResult>;
  install(sourceDir: string): Promise<void>;
  /** Sets `[wasm] cache_budget` in samuel.toml. */
  setBudget(bytes: number): Promise<void>;
  /** The module cache's `modules/` folder of `runHome`. */
  modulesDir: string;
}

export async function project(): Promise<Project> {
  const root = await Deno.makeTempDir({ prefix: "samuel-proj-" });
  const installHome = await Deno.makeTempDir({ prefix: "samuel-home-install-" });
  const runHome = await Deno.makeTempDir({ prefix: "samuel-home-run-" });
  const p: Project = {
    root,
    installHome,
    runHome,
    modulesDir: `${runHome}/cache/wasm/modules`,
    cli: (args, opts = {}) =>
      runCli(args, { cwd: root, env: { SAMUEL_HOME: opts.home ?? runHome }, stdin: opts.stdin }),
    async install(sourceDir) {
      const r = await p.cli(["install", `file://${sourceDir}`, "--allow-unsigned", "--yes"], {
        home: installHome,
      });
      assertEquals(r.code, 0, `install ${sourceDir} failed:\n${r.stdout}\n${r.stderr}`);
    },
    async setBudget(bytes) {
      const file = `${root}/samuel.toml`;
      const text = await Deno.readTextFile(file);
      const next = text.replace(/^cache_budget = .*$/m, `cache_budget = ${bytes}`);
      assertEquals(next !== text, true, "samuel.toml has no cache_budget line to replace");
      await Deno.writeTextFile(file, next);
    },
  };
  const init = await p.cli(["init"]);
  assertEquals(init.code, 0, init.stderr);
  return p;
}

/** Every `<sha>/<variant>` entry folder in a module cache, with its total size. */
export function cacheEntries(modulesDir: string): { dir: string; sha: string; bytes: number }[] {
  const out: { dir: string; sha: string; bytes: number }[] = [];
  let shas: Deno.DirEntry[] = [];
  try {
    shas = [...Deno.readDirSync(modulesDir)];
  } catch { /* empty cache */ }
  for (const sha of shas) {
    for (const v of Deno.readDirSync(`${modulesDir}/${sha.name}`)) {
      const dir = `${modulesDir}/${sha.name}/${v.name}`;
      let bytes = 0;
      for (const f of Deno.readDirSync(dir)) bytes += Deno.statSync(`${dir}/${f.name}`).size;
      out.push({ dir, sha: sha.name, bytes });
    }
  }
  return out;
}

/** The samuel.lock module digest of an installed plugin (the cache key). */
export async function lockedModuleSha(root: string, name: string): Promise<string> {
  const text = await Deno.readTextFile(`${root}/samuel.lock`);
  const block = text.split("[[plugin]]").find((b) => b.includes(`name = "${name}"`));
  const m = block && /\[plugin\.sha256\]\s*\nmodule = "([0-9a-f]{64})"/.exec(block);
  if (!m) throw new Error(`no module digest for ${name} in samuel.lock`);
  return m[1];
}
