/**
 * The `plugin exec` use case: run a WASI command module as a program, like `wasmtime run`, behind the
 * same walls as `samuel run` and through the same invocation path (runtime/invoke.ts, `_start` as the
 * call, this process's stdio). `src/cli/commands/plugin_exec.ts` parses argv into an `ExecPlan` and
 * prints what comes back.
 *
 * - The grants are exactly the plan's: `--dir` folders read-write, `--dir-ro` read-only, the `--env`
 *   pairs (values were read from the host before anything else). The process narrows itself to them
 *   before instantiating (runtime/wall.ts); a process that cannot narrow (`-A`, bare `--allow-read`)
 *   runs the guest in a sandbox Worker with the same permissions instead.
 * - Limits, as wasmtime users expect: `--timeout` stops the guest through the probes (a trap at the
 *   deadline; `deadline_ms` sees it as the soft deadline), `--fuel` stops it after that many meter
 *   refills, `--max-memory` caps its memory (`memory.grow` fails past it). Limits need the module
 *   rewritten, which goes through the module cache (keyed by the module's sha256), so the second exec of
 *   the same module and limits does not rewrite again; so does a module that declares a memory without
 *   exporting it (the rewrite exports it under a reserved name for the host). Anything else runs the
 *   module's own bytes.
 * - Imports: `wasi_snapshot_preview1` and the `samuel` host module (log lines go to stderr; the network is
 *   never granted); anything else is refused before running (SAM-EXEC-006).
 * - Compile hints (runtime/preprocess/compile_hints.ts), for a module run as built that is large enough: the
 *   profile recorded for this path and this version of the file (store/compile_profile.ts) is appended
 *   before compiling; without one, the run runs the profiling copy and records it (behind a Worker, the
 *   Worker sends the marks back), so the next exec of the same file is hinted. A rewritten module
 *   (limits) is neither.
 */

import { codeUrl } from "../code_url.ts";
import { samuelError } from "../errors.ts";
import { type InvocationResult, invoke, METER_IMPORT } from "../runtime/invoke.ts";
import type { ImportInfo } from "../runtime/preprocess/mod.ts";
import { formatLogLine } from "../runtime/host/log.ts";
import { missingHostImports } from "../runtime/host/mod.ts";
import { calledFunctions } from "../runtime/call_marks_read.ts";
import { Sandbox, SandboxError } from "../runtime/sandbox.ts";
import {
  missingPreopens,
  type Preopen,
  type SandboxSpec,
  type WallGrants,
  wallGrants,
} from "../runtime/sandbox_spec.ts";
import { chooseWall, narrowProcess, type Wall, WallError } from "../runtime/wall.ts";
import { memoryImport, WASI_FUNCTION_NAMES, WASI_MODULE } from "../runtime/wasi/mod.ts";
import { sha256Hex } from "../store/digest.ts";
import { readWholeSync } from "../store/read_whole.ts";
import { type HintUse, worthHinting } from "../runtime/preprocess/compile_hints.ts";
import { appendSection } from "../runtime/preprocess/custom_section.ts";
import {
  execProfile,
  identityTag,
  type ProfileRecorder,
  profilingCopy,
  readProfile,
} from "../store/compile_profile.ts";
import { identityOf } from "../store/file_identity.ts";
import { homePaths } from "../project/paths.ts";

export interface ExecPlan {
  /** Absolute path of the module. */
  module: string;
  /** argv, argv[0] included. */
  args: string[];
  preopens: Preopen[];
  env: [string, string][];
  /** `--timeout`: hard stop, ms. */
  timeoutMs?: number;
  /** `--max-memory`: MiB. */
  maxMemoryMiB?: number;
  /** `--fuel`: meter refills. */
  fuel?: number;
}

export interface ExecOutcome {
  result: InvocationResult;
  wall: Wall;
  /** Whether the module was rewritten (limits, or a memory to export). */
  rewritten: boolean;
  /** Compile hints on this run (see the module doc). */
  hints: HintUse;
}

/** No `--max-memory`: the wasm32 maximum (65,536 pages), i.e. the module's own limit stands. */
const NO_MEMORY_CAP = 65536 * 65536;

/** Runs `plan`; `onDebug` receives `--verbose` detail (which wall, whether the module was rewritten). */
export async function execModule(plan: ExecPlan, onDebug?: (text: string) => void): Promise<ExecOutcome> {
  const { bytes, profile } = readModule(plan.module);
  let module = compile(plan.module, profile?.section ? appendSection(bytes, profile.section) : bytes);
  checkCommand(plan.module, module);

  const metered = plan.timeoutMs !== undefined || plan.fuel !== undefined;
  const rewrite = metered || plan.maxMemoryMiB !== undefined || hidesMemory(module);
  let imports = importInfo(module, bytes);
  if (rewrite) {
    const built = await rewritten(bytes, plan, metered);
    module = compile(plan.module, built.bytes);
    imports = built.imports;
  }
  onDebug?.(rewrite ? "module rewritten for the limits (module cache)" : "module run as built");

  const spec = execSpec(plan);
  const grants = wallGrants(spec);
  const wall = chooseWall(spec);
  onDebug?.(
    wall.kind === "process"
      ? "outer wall: this process, narrowed to the --dir grants"
      : `outer wall: a sandbox Worker (${wall.reason})`,
  );
  let hints: HintUse = profile?.section && !rewrite ? "used" : "none";
  let recorder: ProfileRecorder | undefined;
  if (hints === "none" && !rewrite && profile) {
    // The checks above ran on the module itself; the profiling copy only adds its marks.
    const copy = await profilingCopy(bytes, profile.file, profile.tag);
    if (copy) {
      recorder = copy.recorder;
      module = compile(plan.module, copy.bytes);
      hints = "recorded";
    }
  }
  onDebug?.(`compile hints: ${hints}`);
  const request = {
    spec,
    exportName: "_start",
    input: new Uint8Array(),
    stdio: "terminal" as const,
  };
  const logSink = (line: Parameters<typeof formatLogLine>[1]) => {
    Deno.stderr.writeSync(new TextEncoder().encode(formatLogLine(spec.pluginName, line) + "\n"));
  };
  // The functions the profiling copy entered, read in the isolate that ran it.
  let called: number[] | undefined;
  try {
    let result: InvocationResult;
    if (wall.kind === "process") {
      narrowForExec(grants);
      const afterRun = recorder && ((exports: WebAssembly.Exports) => called = calledFunctions(exports));
      result = await invoke(module, { imports }, { ...request, logSink }, { afterRun });
    } else {
      try {
        result = await new Sandbox(spec, { grants }).run(module, { imports } as never, request, {
          onLog: logSink,
          // A program may run for as long as it likes without --timeout: no watchdog then.
          graceMs: plan.timeoutMs === undefined ? Infinity : undefined,
          onCalls: recorder && ((functions) => called = functions),
        });
      } catch (e) {
        if (!(e instanceof SandboxError)) throw e;
        throw samuelError("SAM-EXEC-009", { message: e.message, inner: e });
      }
    }
    if (recorder && !recorder.recordRun(result.outcome, called)) {
      hints = "none";
      onDebug?.(`compile profile not recorded (${result.outcome})`);
    }
    return { result, wall, rewritten: rewrite, hints };
  } finally {
    recorder?.close();
  }
}

/** Where a module's exec profile is, and the recorded section when there is one. */
interface ExecProfile {
  file: string;
  tag: string;
  section?: Uint8Array;
}

/**
 * The module's bytes, and its exec profile when it is large enough to be hinted (the bytes' buffer then
 * has room for the section: `appendSection` does not copy them).
 */
function readModule(path: string): { bytes: Uint8Array; profile?: ExecProfile } {
  try {
    const info = Deno.statSync(path);
    const profile = execProfileOf(path, info);
    return { bytes: readWholeSync(path, info.size, profile?.section?.length ?? 0), profile };
  } catch (e) {
    throw samuelError("SAM-EXEC-002", {
      message: `cannot read module ${path}`,
      cause: e instanceof Error ? e.message : String(e),
      fix: "check the path to the .wasm file",
    });
  }
}

/** The exec profile of the module at `path`; undefined when it is too small or has no file identity. */
function execProfileOf(path: string, info: Deno.FileInfo): ExecProfile | undefined {
  const identity = identityOf(info);
  if (!identity || !worthHinting(info.size)) return undefined;
  let file: string;
  try {
    file = execProfile(homePaths().wasmCache, path);
  } catch {
    return undefined; // no $SAMUEL_HOME to keep it in: run unhinted
  }
  const tag = identityTag(identity);
  return { file, tag, section: readProfile(file, tag) };
}

/** Refuses a module that is not a command (no `_start`) or needs imports nothing here provides. */
function checkCommand(path: string, module: WebAssembly.Module): void {
  if (!WebAssembly.Module.exports(module).some((e) => e.name === "_start" && e.kind === "function")) {
    throw samuelError("SAM-EXEC-004", {
      message: `${path} is not a WASI command module (no _start export)`,
      fix: "plugin exec runs commands; reactors are run by `samuel run`",
    });
  }
  checkImports(path, module);
}

/** The sandbox of `plan`: exactly its grants and limits, no network; refuses a missing `--dir`. */
function execSpec(plan: ExecPlan): SandboxSpec {
  const spec: SandboxSpec = {
    pluginName: plan.args[0],
    args: plan.args,
    env: plan.env,
    preopens: plan.preopens,
    hosts: [],
    maxMemoryBytes: (plan.maxMemoryMiB ?? 0) * 1024 * 1024 || NO_MEMORY_CAP,
    softTimeoutMs: plan.timeoutMs ?? Infinity,
    hardTimeoutMs: plan.timeoutMs ?? Infinity,
    fuel: plan.fuel,
    stdoutCap: Infinity,
    stderrCap: Infinity,
  };
  const missing = missingPreopens(spec);
  if (missing.length > 0) {
    throw samuelError("SAM-EXEC-005", {
      message: `cannot grant directory ${missing[0].hostPath}`,
      cause: "it does not exist or is not a directory",
      fix: "pass an existing directory to --dir / --dir-ro",
    });
  }
  return spec;
}

/** Narrows this process to the grants; a wall that does not take is SAM-EXEC-009 (nothing has run). */
function narrowForExec(grants: WallGrants): void {
  try {
    narrowProcess(grants);
  } catch (e) {
    if (!(e instanceof WallError)) throw e;
    throw samuelError("SAM-EXEC-009", {
      message: `the outer wall could not be put in place: ${e.message}`,
      fix: "run samuel with the flags it ships with (scripts/flags.ts)",
      inner: e,
    });
  }
}

function compile(path: string, bytes: Uint8Array): WebAssembly.Module {
  try {
    return new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  } catch (e) {
    throw samuelError("SAM-EXEC-003", {
      message: `${path} is not a valid WebAssembly module`,
      cause: e instanceof Error ? e.message : String(e),
      fix: "build the module for wasm32-wasip1 (e.g. `GOOS=wasip1 GOARCH=wasm`, `--target=wasm32-wasi`)",
    });
  }
}

/** A module that neither exports nor imports a memory may still declare one the host must reach. */
function hidesMemory(module: WebAssembly.Module): boolean {
  return !WebAssembly.Module.exports(module).some((e) => e.kind === "memory") &&
    !WebAssembly.Module.imports(module).some((i) => i.kind === "memory");
}

/** What invoke needs of the imports (kinds, and imported memories' limits), without the rewriter. */
function importInfo(module: WebAssembly.Module, bytes: Uint8Array): ImportInfo[] {
  const mem = memoryImport(bytes);
  return WebAssembly.Module.imports(module).map((i) => {
    const info: ImportInfo = { module: i.module, name: i.name, kind: i.kind as ImportInfo["kind"] };
    if (i.kind === "memory" && mem && mem.module === i.module && mem.name === i.name) {
      info.memory = {
        initial: mem.initial,
        maximum: mem.maximum,
        shared: mem.shared,
      } as ImportInfo["memory"];
    }
    return info;
  });
}

/** Refuses imports nothing here provides: not WASI, not the samuel host module, not a memory. */
function checkImports(path: string, module: WebAssembly.Module): void {
  const wasi: ReadonlySet<string> = new Set(WASI_FUNCTION_NAMES);
  const declared = WebAssembly.Module.imports(module);
  const missing = declared
    .filter((i) =>
      i.kind !== "memory" &&
      !(i.module === WASI_MODULE && wasi.has(i.name)) &&
      !(i.module === METER_IMPORT.module && i.name === METER_IMPORT.field) &&
      i.module !== "samuel"
    )
    .map((i) => `${i.module}.${i.name}`);
  missing.push(...missingHostImports(declared.filter((i) => i.module === "samuel")).map((m) => m.message));
  if (missing.length > 0) {
    throw samuelError("SAM-EXEC-006", {
      message: `${path} needs imports that plugin exec does not provide: ${missing.join(", ")}`,
      fix: "plugin exec provides wasi_snapshot_preview1 and the samuel host module",
    });
  }
}

/** The module rewritten for the plan's limits, through the module cache. */
async function rewritten(
  bytes: Uint8Array,
  plan: ExecPlan,
  metered: boolean,
): Promise<{ bytes: Uint8Array; imports: ImportInfo[] }> {
  // By URL (code_url.ts): the rewriter and the cache are loaded only when a limit asks for them.
  const [{ preprocess, PREPROCESSOR_VERSION }, { ModuleCache }, { homePaths }, { DEFAULT_CACHE_BUDGET }] =
    await Promise.all([
      import(codeUrl("runtime/preprocess/mod")) as Promise<typeof import("../runtime/preprocess/mod.ts")>,
      import(codeUrl("store/module_cache")) as Promise<typeof import("../store/module_cache.ts")>,
      import(codeUrl("project/paths")) as Promise<typeof import("../project/paths.ts")>,
      import(codeUrl("project/config")) as Promise<typeof import("../project/config.ts")>,
    ]);
  const maxMemoryBytes = plan.maxMemoryMiB !== undefined ? plan.maxMemoryMiB * 1024 * 1024 : NO_MEMORY_CAP;
  const cache = new ModuleCache(homePaths().wasmCache, DEFAULT_CACHE_BUDGET);
  const found = await cache.getOrBuild(
    bytes,
    { preprocessor: PREPROCESSOR_VERSION, maxMemoryBytes, metered },
    (source) => {
      const r = preprocess(source, { maxMemoryBytes, meter: metered });
      return { bytes: r.bytes, info: r.info };
    },
    await sha256Hex(bytes),
  );
  return { bytes: found.bytes, imports: (found.meta.info as { imports: ImportInfo[] }).imports };
}
