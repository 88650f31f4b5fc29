/**
 * Test harness for the `samuel` host module: instantiates a real WAT guest against `createSamuelHost`,
 * enters it through JSPI's `promising` (as the runtime does), and gives tests typed access to its memory;
 * plus a real `Deno.serve` on 127.0.0.1 that records which requests reached it.
 */

import { createSamuelHost, type SamuelHost, type SamuelHostContext } from "../../src/runtime/host/mod.ts";
import { promising } from "../../src/runtime/host/jspi.ts";
import { wat2wasm } from "../support/wat.ts";

export interface Guest {
  host: SamuelHost;
  instance: WebAssembly.Instance;
  memory: WebAssembly.Memory;
  /** Calls an export through `WebAssembly.promising`. */
  call(name: string, ...args: (number | bigint)[]): Promise<number | bigint>;
  /** Writes UTF-8 text at `ptr`; returns its length in bytes. */
  put(ptr: number, text: string | Uint8Array): number;
  text(ptr: number, len: number): string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const modules = new Map<string, WebAssembly.Module>();

/**
 * Instantiates `wat` with the host built from `ctx` (plus any `extra` import modules). `ctx.memory` is
 * wired to the instance's exported `memory`. A function `ctx` is called after compiling, so deadlines
 * it computes do not include assembly time (which a loaded machine can stretch).
 */
export async function guest(
  wat: string,
  ctx: Partial<SamuelHostContext> | (() => Partial<SamuelHostContext>) = {},
  extra: WebAssembly.Imports = {},
): Promise<Guest> {
  let module = modules.get(wat);
  if (module === undefined) {
    module = new WebAssembly.Module(await wat2wasm(wat) as BufferSource);
    modules.set(wat, module);
  }
  // Bound after instantiation, as the runtime does.
  const bound: { memory?: WebAssembly.Memory } = {};
  const host = createSamuelHost({
    plugin: "test-plugin",
    softDeadline: performance.now() + 10_000,
    ...(typeof ctx === "function" ? ctx() : ctx),
    memory: () => bound.memory,
  });
  const instance = new WebAssembly.Instance(module, { ...extra, ...host.imports });
  const mem = bound.memory = instance.exports.memory as WebAssembly.Memory;
  return {
    host,
    instance,
    memory: mem,
    call: (name, ...args) =>
      promising(instance.exports[name] as (...a: unknown[]) => number | bigint)(...args),
    put(ptr, text) {
      const bytes = typeof text === "string" ? encoder.encode(text) : text;
      new Uint8Array(mem.buffer).set(bytes, ptr);
      return bytes.length;
    },
    text: (ptr, len) => decoder.decode(new Uint8Array(mem.buffer, ptr, len)),
  };
}

export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  port: number;
  /** Paths of the requests that reached the server, in order. */
  hits: string[];
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 with a random port. */
export function serve(handler: (req: Request) => Response | Promise<Response>): TestServer {
  const hits: string[] = [];
  const abort = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: abort.signal, onListen() {} },
    (req) => {
      const u = new URL(req.url);
      hits.push(u.pathname + u.search);
      return handler(req);
    },
  );
  const port = server.addr.port;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    hits,
    async close() {
      abort.abort();
      await server.finished;
    },
  };
}
