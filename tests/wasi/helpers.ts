/**
 * Shared helpers for the WASI host tests: fixture lookup (built by tests/fixtures/wasi/build.sh; a test
 * whose fixture is missing is skipped with the reason in its name), in-memory stdio, an in-process runner
 * for command modules, and a host-directory snapshot to prove that nothing changed where nothing may.
 */

import { type OutputSink, type PreopenSpec, type StdinSource, WasiHost } from "../../src/runtime/wasi/mod.ts";

export const BUILD = new URL("../fixtures/wasi/build/", import.meta.url).pathname;

export function fixturePath(name: string): string {
  return BUILD + name;
}

export function hasFixture(name: string): boolean {
  try {
    return Deno.statSync(fixturePath(name)).isFile;
  } catch {
    return false;
  }
}

/** Collects everything written; `cap` bytes at most (the rest is refused, like a capped capture). */
export class MemorySink implements OutputSink {
  chunks: Uint8Array[] = [];
  size = 0;
  constructor(readonly cap = Infinity) {}
  write(buf: Uint8Array): number {
    const n = Math.min(buf.length, this.cap - this.size);
    if (n <= 0) return 0;
    this.chunks.push(buf.slice(0, n));
    this.size += n;
    return n;
  }
  text(): string {
    const all = new Uint8Array(this.size);
    let at = 0;
    for (const c of this.chunks) {
      all.set(c, at);
      at += c.length;
    }
    return new TextDecoder().decode(all);
  }
}

export class MemorySource implements StdinSource {
  private at = 0;
  constructor(private readonly data: Uint8Array = new Uint8Array(0)) {}
  read(buf: Uint8Array): number {
    const n = Math.min(buf.length, this.data.length - this.at);
    buf.set(this.data.subarray(this.at, this.at + n));
    this.at += n;
    return n;
  }
}

export interface RunOptions {
  args?: string[];
  env?: [string, string][];
  preopens?: PreopenSpec[];
  stdin?: Uint8Array;
  extraImports?: WebAssembly.Imports;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command module in-process with our WASI host and captured stdio. */
export async function runCommand(wasm: string | Uint8Array, opts: RunOptions = {}): Promise<RunResult> {
  const bytes = typeof wasm === "string" ? await Deno.readFile(wasm) : wasm;
  const stdout = new MemorySink();
  const stderr = new MemorySink();
  const host = new WasiHost({
    args: opts.args ?? ["test.wasm"],
    env: opts.env ?? [],
    preopens: opts.preopens ?? [],
    stdin: new MemorySource(opts.stdin),
    stdout,
    stderr,
  });
  try {
    const { instance } = await WebAssembly.instantiate(bytes as Uint8Array<ArrayBuffer>, {
      ...host.imports,
      ...opts.extraImports,
    });
    const code = host.start(instance);
    return { code, stdout: stdout.text(), stderr: stderr.text() };
  } finally {
    host.close();
  }
}

/** Every path under `root` with its type, size, content hash and mtime, for before/after comparison. */
export async function snapshot(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function walk(dir: string, rel: string) {
    for (const e of [...Deno.readDirSync(dir)].sort((a, b) => a.name.localeCompare(b.name))) {
      const p = `${dir}/${e.name}`;
      const r = rel ? `${rel}/${e.name}` : e.name;
      const st = Deno.lstatSync(p);
      if (st.isSymlink) out[r] = `link:${Deno.readLinkSync(p)}`;
      else if (st.isDirectory) {
        out[r] = `dir:${st.mtime?.getTime()}`;
        await walk(p, r);
      } else {
        const digest = await crypto.subtle.digest("SHA-256", Deno.readFileSync(p));
        out[r] = `file:${st.size}:${st.mtime?.getTime()}:${
          btoa(String.fromCharCode(...new Uint8Array(digest)))
        }`;
      }
    }
  }
  await walk(root, "");
  return out;
}
