/**
 * Shared pieces of the plugin-authoring tests: finding Go, Rust for wasm and the AssemblyScript compiler,
 * running a command, scaffolding through the command's own `run()`, reading a module's exports, the
 * `// want` markers of the Go fixture projects, and a minimal host for Go reactors (WASI from `node:wasi`
 * plus a scripted `samuel` module) so the SDK is exercised inside wasm before samuel's own runtime can run
 * reactors.
 */

import type { Invocation } from "../../src/cli/command.ts";
import { Output } from "../../src/cli/output.ts";

export const REPO = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
export const EXAMPLE = `${REPO}/examples/go-guide-wasm`;
export const PROJECTS = `${REPO}/tests/fixtures/go-projects`;

/** Finds a program on PATH (and in `extra` folders); undefined when absent. */
function which(name: string, extra: string[] = []): string | undefined {
  for (const dir of [...(Deno.env.get("PATH") ?? "").split(":"), ...extra]) {
    if (!dir) continue;
    try {
      if (Deno.statSync(`${dir}/${name}`).isFile) return `${dir}/${name}`;
    } catch { /* not here */ }
  }
  return undefined;
}

/** The Go toolchain, or undefined when this machine has none (Go-dependent tests are then ignored). */
export const GO: string | undefined = which("go", ["/usr/local/go/bin"]);

/** GNU make, for the tests that drive a scaffolded plugin's Makefile. */
export const MAKE: string | undefined = which("make");

/**
 * A Rust toolchain with a WASI preview1 standard library, as scripts/rust-wasm.sh finds it (the same one
 * scripts/build-fixtures.sh uses): `{ RUSTC, CARGO, TARGET }`, or undefined when the machine has none.
 */
export const RUST_WASM: { RUSTC: string; CARGO: string; TARGET: string } | undefined = (() => {
  const r = new Deno.Command("bash", {
    args: [`${REPO}/scripts/rust-wasm.sh`],
    stdout: "piped",
    stderr: "null",
  })
    .outputSync();
  if (!r.success) return undefined;
  const vars = Object.fromEntries(
    new TextDecoder().decode(r.stdout).trim().split(/\s+/).map((kv) => kv.split("=", 2) as [string, string]),
  );
  return { RUSTC: vars.RUSTC, CARGO: vars.CARGO, TARGET: vars.TARGET };
})();

/** Node.js, which runs npm scripts and the AssemblyScript compiler. */
export const NODE: string | undefined = which("node");
export const NPM: string | undefined = which("npm");

/**
 * The node_modules that scripts/ensure-toolchain.sh fills with the pinned AssemblyScript compiler and
 * WASI shim (`.tools/assemblyscript`), or undefined when they are not installed.
 */
export const ASC_MODULES: string | undefined = (() => {
  const dir = `${REPO}/.tools/assemblyscript/node_modules`;
  try {
    Deno.statSync(`${dir}/.bin/asc`);
    Deno.statSync(`${dir}/@assemblyscript/wasi-shim/asconfig.json`);
    return dir;
  } catch {
    return undefined;
  }
})();

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion and captures its output. */
export async function sh(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
) {
  const r = await new Deno.Command(cmd, {
    args,
    cwd: opts.cwd,
    env: opts.env,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const dec = new TextDecoder();
  return { code: r.code, stdout: dec.decode(r.stdout), stderr: dec.decode(r.stderr) } satisfies Ran;
}

/** An invocation of a command's `run()` in JSON mode (nothing printed). */
export function invocation(cwd: string, flags: Invocation["flags"] = {}, args: string[] = []): Invocation {
  return {
    args,
    flags,
    raw: [],
    global: { json: true, verbose: false, color: false, strict: false, yes: false },
    out: new Output({ json: true, color: false, verbose: false }),
    cwd,
  };
}

export async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "samuel-authoring-" }));
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Every file under `dir`, relative, sorted. */
export function listFiles(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(`${dir}/${prefix}`)) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory) out.push(...listFiles(dir, rel));
    else out.push(rel);
  }
  return out.sort();
}

/** Export names of a wasm file. */
export function exportsOf(path: string): string[] {
  return WebAssembly.Module.exports(new WebAssembly.Module(Deno.readFileSync(path))).map((e) => e.name);
}

/** Import modules of a wasm file (`wasi_snapshot_preview1`, `samuel`, ...), deduplicated. */
export function importModulesOf(path: string): string[] {
  const mods = WebAssembly.Module.imports(new WebAssembly.Module(Deno.readFileSync(path))).map((i) =>
    i.module
  );
  return [...new Set(mods)].sort();
}

/**
 * The findings a fixture project must produce, from its `// want rule...` markers, as `file:line:rule`
 * (vendor/, testdata/ and hidden folders are skipped as the plugin skips them).
 */
export function wantedFindings(project: string): string[] {
  const want: string[] = [];
  for (const file of listFiles(project)) {
    if (
      !file.endsWith(".go") ||
      file.split("/").some((p) => p === "vendor" || p === "testdata" || p.startsWith("."))
    ) {
      continue;
    }
    Deno.readTextFileSync(`${project}/${file}`).split("\n").forEach((line, i) => {
      const m = /\/\/ want (.+)$/.exec(line);
      for (const rule of m ? m[1].trim().split(/\s+/) : []) want.push(`${file}:${i + 1}:${rule}`);
    });
  }
  return want.sort();
}

export interface Finding {
  file: string;
  line: number;
  rule: string;
  message: string;
}

export function findingKeys(findings: Finding[]): string[] {
  return findings.map((f) => `${f.file}:${f.line}:${f.rule}`).sort();
}

/** What the scripted `samuel` host module of `runReactor` saw and answers. */
export interface FakeHost {
  logs: string[];
  deadlineMs: bigint;
  /** Answers a decoded net_outbound request: a response object, or a negative code. */
  net?: (req: Record<string, unknown>) => Record<string, unknown> | number;
  requests: Record<string, unknown>[];
}

export interface ReactorRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Instantiates a WASI reactor with `node:wasi` (preopens given as guest→host) and a fake `samuel` host,
 * calls `_initialize`, then `exportName`, and returns its result and stdio. The fake net_outbound follows
 * protocol 1's snprintf-like contract: it writes at most resp_cap bytes, returns the full length, and
 * keeps the response for net_response.
 */
export async function runReactor(
  wasm: string,
  exportName: string,
  opts: {
    preopens?: Record<string, string>;
    stdin?: string;
    host?: Partial<FakeHost>;
    /** Replaces the fake `samuel` module (e.g. with samuel's real host); gets the guest memory lazily. */
    samuel?: (memory: () => WebAssembly.Memory | undefined) => WebAssembly.ModuleImports;
    /** Calls the export (e.g. through JSPI's `promising`); default: a plain call. */
    enter?: (fn: () => number) => number | Promise<number>;
  } = {},
): Promise<ReactorRun & { host: FakeHost }> {
  const { WASI } = await import("node:wasi");
  const fs = await import("node:fs");
  const dir = await Deno.makeTempDir({ prefix: "samuel-reactor-" });
  try {
    Deno.writeTextFileSync(`${dir}/stdin`, opts.stdin ?? "");
    const fds = {
      stdin: fs.openSync(`${dir}/stdin`, "r"),
      stdout: fs.openSync(`${dir}/stdout`, "w"),
      stderr: fs.openSync(`${dir}/stderr`, "w"),
    };
    const wasi = new WASI({
      version: "preview1",
      args: ["plugin", exportName],
      env: {},
      preopens: opts.preopens ?? {},
      ...fds,
    });
    const host: FakeHost = { logs: [], deadlineMs: 5000n, requests: [], ...opts.host };
    const guest: { memory?: WebAssembly.Memory } = {};
    const bytes = (ptr: number, len: number) => new Uint8Array(guest.memory!.buffer, ptr, len);
    const text = (ptr: number, len: number) => new TextDecoder().decode(bytes(ptr, len));
    let pending: Uint8Array | undefined;
    const deliver = (data: Uint8Array, ptr: number, cap: number) => {
      bytes(ptr, Math.min(cap, data.length)).set(data.subarray(0, cap));
      return data.length;
    };
    const samuel = {
      log: (lp: number, ll: number, mp: number, ml: number) =>
        void host.logs.push(`${text(lp, ll)}: ${text(mp, ml)}`),
      deadline_ms: () => host.deadlineMs,
      net_outbound: (rp: number, rl: number, op: number, cap: number) => {
        const req = JSON.parse(text(rp, rl));
        host.requests.push(req);
        const answer = host.net ? host.net(req) : -1;
        if (typeof answer === "number") return answer;
        const data = new TextEncoder().encode(JSON.stringify(answer));
        pending = data.length > cap ? data : undefined;
        return deliver(data, op, cap);
      },
      net_response: (op: number, cap: number) => {
        if (!pending) return -10;
        const n = deliver(pending, op, cap);
        if (cap >= pending.length) pending = undefined;
        return n;
      },
    };
    const module = new WebAssembly.Module(Deno.readFileSync(wasm));
    const instance = new WebAssembly.Instance(module, {
      wasi_snapshot_preview1: wasi.wasiImport as WebAssembly.ModuleImports,
      samuel: opts.samuel ? opts.samuel(() => guest.memory) : samuel,
    });
    guest.memory = instance.exports.memory as WebAssembly.Memory;
    wasi.initialize(instance);
    const fn = instance.exports[exportName] as () => number;
    const code = await (opts.enter ? opts.enter(fn) : fn());
    for (const fd of Object.values(fds)) fs.closeSync(fd);
    return {
      code,
      stdout: Deno.readTextFileSync(`${dir}/stdout`),
      stderr: Deno.readTextFileSync(`${dir}/stderr`),
      host,
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
