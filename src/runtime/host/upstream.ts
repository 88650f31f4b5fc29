/**
 * The upstream Samuel imports `fs_read`, `fs_write`, `exec`, `config_get` and `callback`, linked so that
 * modules built for upstream instantiate here (DESIGN.md section 4). Upstream's exact signatures are not
 * known, so each host function is built for the type the module itself declares (from its import
 * section): a JS host function must return a value of the declared result type (a BigInt for i64), or V8
 * throws into the guest at the call.
 *
 * | import       | signature served                                        | behaviour                         |
 * |--------------|---------------------------------------------------------|-----------------------------------|
 * | `exec`       | any                                                     | always DENIED (-1, cast to the result type); report line `denied: exec "<cmd>" (samuel never runs processes)` |
 * | `fs_read`    | `(path_ptr, path_len, buf_ptr, buf_cap: i32) -> i32`     | reads the whole file through the injected `HostFs` (the WASI grants); returns its size, writes min(size, buf_cap) bytes (snprintf-like: call again with a bigger buffer) |
 * | `fs_write`   | `(path_ptr, path_len, data_ptr, data_len: i32) -> i32`   | replaces the file through `HostFs`; returns data_len |
 * | `config_get` | `(key_ptr, key_len, buf_ptr, buf_cap: i32) -> i32`       | value of the key in the injected config map (empty by default), snprintf-like; NOT_FOUND (-11) when absent |
 * | `callback`   | any                                                     | NOT_SUPPORTED (-12)               |
 *
 * Any other signature for `fs_read`, `fs_write` or `config_get` gets a stub returning NOT_SUPPORTED (-12)
 * and a note in the report. Codes are those of codes.ts: filesystem denials return DENIED (-1) with a
 * `denied: filesystem.read|write <path>: <why>` report line, a missing file NOT_FOUND (-11), other
 * filesystem errors IO_ERROR (-13), bad pointers OUT_OF_BOUNDS (-7), a path or key that is not UTF-8
 * BAD_REQUEST (-2), a file larger than 2 GiB TOO_LARGE (-6). Nothing ever throws into the guest.
 */

import { Code, memoryFault } from "./codes.ts";
import type { GuestMemory } from "../wasi/memory.ts";
import type { InvocationReport } from "./report.ts";

export const UPSTREAM_NAMES = ["fs_read", "fs_write", "exec", "config_get", "callback"] as const;
export type UpstreamName = (typeof UPSTREAM_NAMES)[number];

/**
 * One import the module declares from module `samuel`. Compatible with the pre-processor's `ImportInfo`
 * (`{ module, name, kind, type: { params, results } }`) and with a flat `{ name, params, results }`.
 */
export interface HostImportDecl {
  module?: string;
  name: string;
  kind?: string;
  params?: readonly string[];
  results?: readonly string[];
  type?: { params: readonly string[]; results: readonly string[] };
}

/** A refusal or failure from the filesystem; `denied` lands in the report as a denial. */
export interface FsError {
  error: "denied" | "not_found" | "io";
  message: string;
}

/**
 * Filesystem access with the invocation's grants; the runtime wires it to the WASI host's capability
 * resolver so `fs_read`/`fs_write` obey exactly the grants the WASI preopens do. Guest paths are what
 * the guest passed (`/workspace/x`). `write` gets a view of guest memory, valid during the call only.
 */
export interface HostFs {
  read(guestPath: string): Uint8Array | FsError;
  write(guestPath: string, data: Uint8Array): FsError | undefined;
}

/** Denies everything: the default when the runtime wires no filesystem. */
export const NO_FS: HostFs = {
  read: () => ({ error: "denied", message: "no filesystem grant covers it" }),
  write: () => ({ error: "denied", message: "no filesystem grant covers it" }),
};

export interface UpstreamContext {
  memory: GuestMemory;
  report: InvocationReport;
  fs?: HostFs;
  config?: ReadonlyMap<string, string>;
}

// deno-lint-ignore no-explicit-any
type HostFn = (...args: any[]) => any;

const FOUR_I32_TO_I32 = "(i32, i32, i32, i32) -> (i32)";
const encoder = new TextEncoder();

/** Params and results of a declaration, or undefined when the runtime did not know them. */
export function signatureOf(
  d: HostImportDecl,
): { params: readonly string[]; results: readonly string[] } | undefined {
  if (d.type !== undefined) return d.type;
  if (d.params !== undefined || d.results !== undefined) {
    return { params: d.params ?? [], results: d.results ?? [] };
  }
  return undefined;
}

/** `(i32, i32) -> (i32)`: how signatures appear in messages and notes. */
export function formatSignature(sig: { params: readonly string[]; results: readonly string[] }): string {
  return `(${sig.params.join(", ")}) -> (${sig.results.join(", ")})`;
}

/**
 * Host functions for the upstream names among `declared`, each matching its declared signature. With
 * no signature known, the documented ones (all i32) are assumed.
 */
export function upstreamImports(
  declared: readonly HostImportDecl[],
  ctx: UpstreamContext,
): Record<string, HostFn> {
  const out: Record<string, HostFn> = {};
  for (const d of declared) {
    if (d.module !== undefined && d.module !== "samuel") continue;
    if (!(UPSTREAM_NAMES as readonly string[]).includes(d.name)) continue;
    const sig = signatureOf(d) ?? { params: ["i32", "i32", "i32", "i32"], results: ["i32"] };
    out[d.name] = upstreamFunction(d.name as UpstreamName, sig, ctx);
  }
  return out;
}

function upstreamFunction(
  name: UpstreamName,
  sig: { params: readonly string[]; results: readonly string[] },
  ctx: UpstreamContext,
): HostFn {
  const { memory, report } = ctx;
  const key = formatSignature(sig);
  if (name === "exec") {
    const denied = castResult(sig.results, Code.DENIED);
    const named = sig.params[0] === "i32" && sig.params[1] === "i32";
    return (...args: unknown[]) => {
      const cmd = named ? commandText(memory, args[0] as number, args[1] as number) : undefined;
      report.deny(
        `denied: exec${cmd === undefined ? "" : ` ${JSON.stringify(cmd)}`} (samuel never runs processes)`,
      );
      return denied;
    };
  }
  if (name === "fs_read" && key === FOUR_I32_TO_I32) return fsRead(ctx);
  if (name === "fs_write" && key === FOUR_I32_TO_I32) return fsWrite(ctx);
  if (name === "config_get" && key === FOUR_I32_TO_I32) return configGet(ctx);
  const unsupported = castResult(sig.results, Code.NOT_SUPPORTED);
  const note = name === "callback"
    ? "samuel.callback is not supported by this host; calls return NOT_SUPPORTED (-12)"
    : `samuel.${name} ${key}: signature not supported by this host (expected ${FOUR_I32_TO_I32}); ` +
      "calls return NOT_SUPPORTED (-12)";
  return () => {
    report.note(note);
    return unsupported;
  };
}

function fsRead({ memory, report, fs = NO_FS }: UpstreamContext): HostFn {
  return (pathPtr: number, pathLen: number, bufPtr: number, bufCap: number): number => {
    let path: string;
    try {
      memory.refresh();
      memory.check(bufPtr >>> 0, bufCap >>> 0);
      path = memory.string(pathPtr >>> 0, pathLen >>> 0);
    } catch (e) {
      return memoryFault(e);
    }
    let r: Uint8Array | FsError;
    try {
      r = fs.read(path);
    } catch {
      return Code.IO_ERROR;
    }
    if (!(r instanceof Uint8Array)) return fsFailure(report, "read", path, r);
    if (r.length > 0x7fffffff) return Code.TOO_LARGE;
    try {
      memory.refresh();
      return memory.write(bufPtr >>> 0, bufCap >>> 0, r);
    } catch (e) {
      return memoryFault(e);
    }
  };
}

function fsWrite({ memory, report, fs = NO_FS }: UpstreamContext): HostFn {
  return (pathPtr: number, pathLen: number, dataPtr: number, dataLen: number): number => {
    let path: string, data: Uint8Array;
    try {
      memory.refresh();
      path = memory.string(pathPtr >>> 0, pathLen >>> 0);
      data = memory.bytes(dataPtr >>> 0, dataLen >>> 0);
    } catch (e) {
      return memoryFault(e);
    }
    let r: FsError | undefined;
    try {
      r = fs.write(path, data);
    } catch {
      return Code.IO_ERROR;
    }
    return r === undefined ? data.length : fsFailure(report, "write", path, r);
  };
}

function fsFailure(report: InvocationReport, op: "read" | "write", path: string, e: FsError): number {
  if (e.error === "denied") {
    report.deny(`denied: filesystem.${op} ${path}: ${e.message}`);
    return Code.DENIED;
  }
  return e.error === "not_found" ? Code.NOT_FOUND : Code.IO_ERROR;
}

function configGet({ memory, config }: UpstreamContext): HostFn {
  return (keyPtr: number, keyLen: number, bufPtr: number, bufCap: number): number => {
    try {
      memory.refresh();
      memory.check(bufPtr >>> 0, bufCap >>> 0);
      const value = config?.get(memory.string(keyPtr >>> 0, keyLen >>> 0));
      if (value === undefined) return Code.NOT_FOUND;
      return memory.write(bufPtr >>> 0, bufCap >>> 0, encoder.encode(value));
    } catch (e) {
      return memoryFault(e);
    }
  };
}

/** The command a guest tried to `exec`, for the report: best effort, short, never failing. */
function commandText(memory: GuestMemory, ptr: number, len: number): string | undefined {
  const n = Math.min(len >>> 0, 200);
  try {
    memory.refresh();
    const s = memory.string(ptr >>> 0, n);
    return s !== "" ? s + ((len >>> 0) > n ? "…" : "") : undefined;
  } catch {
    return undefined;
  }
}

/** `code` as a value of the declared results: BigInt for i64, null for references, an array for several. */
export function castResult(results: readonly string[], code: number): unknown {
  if (results.length === 0) return undefined;
  const values = results.map((
    t,
  ) => (t === "i64" ? BigInt(code) : t.endsWith("ref") || t === "ref" ? null : code));
  return values.length === 1 ? values[0] : values;
}
