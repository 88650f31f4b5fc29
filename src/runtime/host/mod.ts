/**
 * The `samuel` host module (plugin ABI protocol 1, DESIGN.md section 4): builds the import object for
 * one invocation and collects its report. The runtime:
 * 1. before instantiating, calls `missingHostImports(declared)` with the module's imports and refuses the
 *    module with that list when it is not empty (install does the same);
 * 2. calls `createSamuelHost(ctx)`, instantiates with `host.imports`, and makes the instance's memory
 *    reachable through `ctx.memory`;
 * 3. enters the guest through `promising(export)` (jspi.ts), because `net_outbound` suspends;
 * 4. calls `host.finish()` at the end and puts the returned report in its result.
 *
 * | import         | signature                                                  | file        |
 * |----------------|------------------------------------------------------------|-------------|
 * | `log`          | `(level_ptr, level_len, msg_ptr, msg_len: i32) -> ()`      | log.ts      |
 * | `net_outbound` | `(req_ptr, req_len, resp_ptr, resp_cap: i32) -> i32`       | net.ts      |
 * | `net_response` | `(resp_ptr, resp_cap: i32) -> i32`                         | net.ts      |
 * | `deadline_ms`  | `() -> i64`                                                | deadline.ts |
 * | `fs_read`, `fs_write`, `exec`, `config_get`, `callback` | as declared by the module | upstream.ts |
 *
 * Files: codes.ts (the return codes, and `memoryFault`, the one mapping of guest-memory failures),
 * report.ts (the invocation report), log.ts, net.ts (with allowlist.ts, the host patterns), deadline.ts,
 * upstream.ts, jspi.ts (typed JSPI), meter.ts (the `samuel:meter` refill import the probes call),
 * capture.ts (stdout/stderr under a cap). Guest memory is read through `GuestMemory` (wasi/memory.ts),
 * the WASI host's, shared by every host function.
 */

import { type Allowlist, compileAllowlist } from "./allowlist.ts";
import { createDeadline } from "./deadline.ts";
import { GuestMemory } from "../wasi/memory.ts";
import { suspending } from "./jspi.ts";
import { createLog, type LogSink } from "./log.ts";
import { createNet } from "./net.ts";
import { InvocationReport, type ReportData } from "./report.ts";
import {
  formatSignature,
  type HostFs,
  type HostImportDecl,
  signatureOf,
  UPSTREAM_NAMES,
  upstreamImports,
} from "./upstream.ts";

export { Code } from "./codes.ts";
export type { HostFs, HostImportDecl } from "./upstream.ts";
export type { LogSink } from "./log.ts";
export type { LogLine, ReportData } from "./report.ts";

/** The functions of protocol 1 with their fixed signatures (the upstream names adapt, see upstream.ts). */
export const PROTOCOL_FUNCTIONS: Readonly<
  Record<string, { params: readonly string[]; results: readonly string[] }>
> = {
  log: { params: ["i32", "i32", "i32", "i32"], results: [] },
  net_outbound: { params: ["i32", "i32", "i32", "i32"], results: ["i32"] },
  net_response: { params: ["i32", "i32"], results: ["i32"] },
  deadline_ms: { params: [], results: ["i64"] },
};

/**
 * What the host functions see before the instance exists, or for a module without memory: zero bytes,
 * so every pointer with a length is out of bounds and nothing throws for want of a memory. Made on first
 * need, not at module load (~0.07 ms on every start otherwise).
 */
let noMemory: WebAssembly.Memory | undefined;
function emptyMemory(): WebAssembly.Memory {
  return noMemory ??= new WebAssembly.Memory({ initial: 0 });
}

const JS_TYPES = new Set(["i32", "i64", "f32", "f64", "externref", "funcref"]);

export interface SamuelHostContext {
  /** Plugin name, for log lines and the report. */
  plugin: string;
  /** The guest's memory once instantiated (undefined before: every pointer is out of bounds). */
  memory: () => WebAssembly.Memory | undefined;
  /** `[capabilities.network].hosts`, or an allowlist compiled once for many invocations. */
  allowedHosts?: readonly string[] | Allowlist;
  /** Soft deadline as a `performance.now()` time (Infinity: none). */
  softDeadline: number;
  /** Response body cap for `net_outbound`, bytes (default 8 MiB). */
  responseCap?: number;
  /** Receives kept log lines and the final dropped-lines summary. */
  logSink?: LogSink;
  /** Filesystem with the invocation's grants, for upstream `fs_read`/`fs_write` (default: deny all). */
  fs?: HostFs;
  /** Values for upstream `config_get` (default: empty). */
  config?: ReadonlyMap<string, string> | Readonly<Record<string, string>>;
  /** The module's imports (any module; only `samuel` ones are used). Without it, every function is provided. */
  declared?: readonly HostImportDecl[];
  /** Clock in ms (default `performance.now`); for tests. */
  now?: () => number;
  maxRedirects?: number;
}

export interface SamuelHost {
  imports: { samuel: WebAssembly.ModuleImports };
  report: InvocationReport;
  /** Allowlist entries that match nothing, with why (the manifest validator should have caught them). */
  invalidHosts: readonly { entry: string; reason: string }[];
  /** Ends the invocation: emits the log summary and returns the report (idempotent). */
  finish(): ReportData;
  /** Aborts network calls in flight (the guest sees TIMEOUT): for a runtime giving up on the invocation. */
  cancel(): void;
}

export function createSamuelHost(ctx: SamuelHostContext): SamuelHost {
  const now = ctx.now ?? (() => performance.now());
  const memory = new GuestMemory(() => ctx.memory() ?? emptyMemory());
  const report = new InvocationReport(ctx.plugin);
  const hosts = ctx.allowedHosts ?? [];
  const allowlist = Array.isArray(hosts) ? compileAllowlist(hosts) : hosts as Allowlist;
  const declared = ctx.declared?.filter((d) => d.module === undefined || d.module === "samuel");
  const wanted = (name: string) => declared === undefined || declared.some((d) => d.name === name);

  const samuel: WebAssembly.ModuleImports = {};
  const log = createLog({ plugin: ctx.plugin, memory, report, sink: ctx.logSink, now });
  if (wanted("log")) samuel.log = log.log;
  let cancel = () => {};
  if (wanted("net_outbound") || wanted("net_response")) {
    const net = createNet({
      memory,
      report,
      allowlist,
      softDeadline: ctx.softDeadline,
      now,
      responseCap: ctx.responseCap,
      maxRedirects: ctx.maxRedirects,
    });
    samuel.net_outbound = suspending(net.net_outbound);
    samuel.net_response = net.net_response;
    cancel = net.cancel;
  }
  if (wanted("deadline_ms")) samuel.deadline_ms = createDeadline(ctx.softDeadline, now).deadline_ms;
  const config = ctx.config === undefined || ctx.config instanceof Map
    ? ctx.config as ReadonlyMap<string, string> | undefined
    : new Map(Object.entries(ctx.config));
  const upstream = declared ?? UPSTREAM_NAMES.map((name) => ({ name }));
  Object.assign(samuel, upstreamImports(upstream, { memory, report, fs: ctx.fs, config }));

  let data: ReportData | undefined;
  return {
    imports: { samuel },
    report,
    invalidHosts: allowlist.invalid,
    cancel,
    finish() {
      if (data === undefined) {
        log.finish();
        data = report.toJSON();
      }
      return data;
    },
  };
}

/**
 * The module's `samuel` imports this host cannot satisfy, each with a message for the user: names it
 * does not provide, non-function imports, protocol functions declared with another signature, and
 * upstream names whose types cannot cross into JS (v128). Empty when the module can be instantiated.
 */
export function missingHostImports(declared: readonly HostImportDecl[]): { name: string; message: string }[] {
  const missing: { name: string; message: string }[] = [];
  for (const d of declared) {
    if (d.module !== undefined && d.module !== "samuel") continue;
    const add = (why: string) => missing.push({ name: d.name, message: `samuel.${d.name}: ${why}` });
    const fixed = Object.hasOwn(PROTOCOL_FUNCTIONS, d.name) ? PROTOCOL_FUNCTIONS[d.name] : undefined;
    const upstream = (UPSTREAM_NAMES as readonly string[]).includes(d.name);
    if (fixed === undefined && !upstream) {
      add(
        `not provided by this host (it provides ${Object.keys(PROTOCOL_FUNCTIONS).join(", ")}, and ` +
          `${UPSTREAM_NAMES.join(", ")} for upstream modules)`,
      );
      continue;
    }
    if (d.kind !== undefined && d.kind !== "function") {
      add(`imported as a ${d.kind}, but the host provides a function`);
      continue;
    }
    const sig = signatureOf(d);
    if (sig === undefined) continue;
    if (fixed !== undefined && formatSignature(sig) !== formatSignature(fixed)) {
      add(`declared as ${formatSignature(sig)}, but protocol 1 defines ${formatSignature(fixed)}`);
    } else if (upstream && ![...sig.params, ...sig.results].every((t) => JS_TYPES.has(t))) {
      add(
        `declared as ${formatSignature(sig)}, which a host function cannot serve (v128 or typed references)`,
      );
    }
  }
  return missing;
}
