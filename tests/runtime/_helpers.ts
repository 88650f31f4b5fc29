/**
 * Shared set-up for the runtime tests: a fresh project (`samuel init`) with its own `$SAMUEL_HOME`, a
 * folder *outside* the project holding a secret, plugins installed from a folder through the real CLI
 * (`install file://… --allow-unsigned --yes`), and `samuel run … --json` returning the parsed envelope.
 * Also the WAT building blocks the attack plugins share (stdin → memory, memory → stdout), and the path of
 * the C probe (tests/fixtures/runtime/probe.c, built by its build.sh).
 */

import { type CliResult, runCli } from "../support/cli.ts";
import { wat2wasm } from "../support/wat.ts";
import { assertEquals } from "../support/assert.ts";
import { sandboxFromGrants, type SandboxSpec } from "../../src/runtime/sandbox_spec.ts";

export { wat2wasm };

const FIXTURES = new URL("../fixtures/runtime/", import.meta.url).pathname;
export const PROBE_WASM = `${FIXTURES}build/probe.wasm`;
export const GO_GUIDE_WASM =
  new URL("../../examples/go-guide-wasm/build/plugin.wasm", import.meta.url).pathname;
export const GO_PROJECTS = new URL("../fixtures/go-projects/", import.meta.url).pathname;

let probeBuilt: boolean | undefined;
/** Builds the C probe (skips when up to date); false when clang/wasi-libc are missing. */
export async function probeWasm(): Promise<Uint8Array | undefined> {
  if (probeBuilt === undefined) {
    const out = await new Deno.Command("bash", { args: [`${FIXTURES}build.sh`], stderr: "piped" }).output();
    if (!out.success) throw new Error(`fixture build failed: ${new TextDecoder().decode(out.stderr)}`);
    probeBuilt = await exists(PROBE_WASM);
  }
  return probeBuilt ? await Deno.readFile(PROBE_WASM) : undefined;
}

export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

export interface PluginOptions {
  name: string;
  exports: string[];
  maxMemory?: number;
  timeout?: string;
  hardTimeout?: string;
  env?: string[];
  read?: string[];
  write?: string[];
  hosts?: string[];
}

export function manifestText(o: PluginOptions): string {
  const list = (xs: string[] = []) => `[${xs.map((x) => JSON.stringify(x)).join(", ")}]`;
  return `name = "${o.name}"
version = "0.1.0"
kind = "wasm"
summary = "runtime test plugin"
[samuel]
framework = "*"
protocol = "^1.0.0"
[wasm]
module = "plugin.wasm"
exports = ${list(o.exports)}
[runtime]
max_memory = ${o.maxMemory ?? 64}
timeout = "${o.timeout ?? "200ms"}"
hard_timeout = "${o.hardTimeout ?? "2s"}"
[capabilities]
env = ${list(o.env)}
[capabilities.filesystem]
read = ${list(o.read ?? [])}
write = ${list(o.write)}
[capabilities.network]
hosts = ${list(o.hosts)}
`;
}

/** A project in a temp folder, with a sibling `outside/` folder the plugins must never reach. */
export class Project implements AsyncDisposable {
  readonly base: string;
  readonly root: string;
  readonly home: string;
  readonly outside: string;
  readonly secret: string;

  private constructor(base: string) {
    this.base = base;
    this.root = `${base}/project`;
    this.home = `${base}/home`;
    this.outside = `${base}/outside`;
    this.secret = `TOP-SECRET-${crypto.randomUUID()}`;
  }

  static async create(): Promise<Project> {
    const p = new Project(await Deno.realPath(await Deno.makeTempDir({ prefix: "samuel-rt-" })));
    await Deno.mkdir(p.root);
    await Deno.mkdir(p.home);
    await Deno.mkdir(p.outside);
    await Deno.writeTextFile(`${p.outside}/secret.txt`, p.secret + "\n");
    const r = await p.cli(["init"]);
    assertEquals(r.code, 0, `init failed: ${r.stderr}`);
    return p;
  }

  cli(args: string[], opts: { env?: Record<string, string>; stdin?: string | Uint8Array } = {}) {
    return runCli(args, { cwd: this.root, env: { SAMUEL_HOME: this.home, ...opts.env }, stdin: opts.stdin });
  }

  /** Installs a plugin from a source folder holding `samuel-plugin.toml` and `plugin.wasm`. */
  async install(wasm: Uint8Array, o: PluginOptions): Promise<CliResult> {
    const src = `${this.base}/src-${o.name}`;
    await Deno.mkdir(src, { recursive: true });
    await Deno.writeFile(`${src}/plugin.wasm`, wasm);
    await Deno.writeTextFile(`${src}/samuel-plugin.toml`, manifestText(o));
    return await this.cli(["install", `file://${src}`, "--allow-unsigned", "--yes"]);
  }

  /** Installs a plugin from an existing source folder, failing the test when it does not succeed. */
  async installDir(dir: string): Promise<void> {
    const r = await this.cli(["install", `file://${dir}`, "--allow-unsigned", "--yes"]);
    assertEquals(r.code, 0, `install ${dir} failed (${r.code}): ${r.stderr}${r.stdout}`);
  }

  /** Like `install`, failing the test when it does not succeed. */
  async installOk(wasm: Uint8Array, o: PluginOptions): Promise<void> {
    const r = await this.install(wasm, o);
    assertEquals(r.code, 0, `install ${o.name} failed (${r.code}): ${r.stderr}${r.stdout}`);
  }

  /** `samuel run <args> --json`, with `--input -` when `stdin` is given. */
  run(args: string[], opts: { env?: Record<string, string>; stdin?: string | Uint8Array } = {}) {
    const input = opts.stdin === undefined ? [] : ["--input", "-"];
    return this.cli(["run", ...args, ...input, "--json"], opts);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await Deno.remove(this.base, { recursive: true }).catch(() => {});
  }
}

/** What a failing `samuel run --json` must never show: the secret, or any trace of /etc/passwd. */
export function assertNoLeak(r: CliResult, ...secrets: string[]): void {
  for (const s of secrets) {
    if (r.stdout.includes(s) || r.stderr.includes(s)) {
      throw new Error(`leaked ${JSON.stringify(s)}:\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    }
  }
}

/**
 * WAT helpers: `$read_stdin` reads stdin (up to 60 KiB) to offset 4096 and returns its length;
 * `$write_out (fd, ptr, len)` writes a buffer to stdout/stderr. Memory layout: 0..64 scratch iovecs,
 * 4096.. input, 65536.. output buffers (2 pages of memory at least).
 */
export const WAT_IO = `
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (func $read_stdin (result i32) (local $total i32) (local $n i32)
    (block $done (loop $more
      (i32.store (i32.const 0) (i32.add (i32.const 4096) (local.get $total)))
      (i32.store (i32.const 4) (i32.sub (i32.const 61440) (local.get $total)))
      (br_if $done (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
      (local.set $n (i32.load (i32.const 8)))
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $total (i32.add (local.get $total) (local.get $n)))
      (br $more)))
    (local.get $total))
  (func $write_out (param $fd i32) (param $ptr i32) (param $len i32) (result i32)
    (i32.store (i32.const 16) (local.get $ptr))
    (i32.store (i32.const 20) (local.get $len))
    (call $fd_write (local.get $fd) (i32.const 16) (i32.const 1) (i32.const 24)))
`;

/** A sandbox with no grants at all (16 MiB, `ms` for both deadlines), for invoking a module in-process. */
export function ungrantedSpec(
  pluginName: string,
  exportName: string,
  ms: number,
  outputCap?: number,
): SandboxSpec {
  return sandboxFromGrants({
    pluginName,
    exportName,
    grants: {
      env: [],
      filesystem: { read: [], write: [] },
      network: { hosts: [] },
      maxMemory: 16,
      timeoutMs: ms,
      hardTimeoutMs: ms,
    },
    projectRoot: "/tmp",
    getEnv: () => undefined,
    outputCap,
  });
}
