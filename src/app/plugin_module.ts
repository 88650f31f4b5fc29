/**
 * A plugin folder's built module, as the authoring commands (`plugin validate`, `plugin bench`) see it:
 * where it is, whether it is built, what it imports, exports and declares, and every way it disagrees
 * with its manifest, reported all at once as `Problem`s.
 *
 * The checks themselves are install's (`src/store/module_check.ts`: imports, exports, protocol) and the
 * pre-processor's (`buildForCache`: validity, rewritability, memory cap), called one by one instead of
 * through `checkModule`, which stops at the first class of problem. Each problem keeps the code install
 * would fail with (`SAM-INSTALL-003/004/005`, `SAM-PREPROCESS-001/002/003`), so what `plugin validate`
 * reports is exactly what `samuel install` would refuse.
 *
 * One check goes as far as install: `samuel_protocol_version` of a module whose value cannot be computed
 * without its runtime (any Go module, a Rust cdylib) is called for real, in a sandbox with no grants, when
 * the caller asks for it (`sandbox: true`; `plugin validate` does). Command modules are never called.
 */

import { isSamuelError, type SamCode } from "../errors.ts";
import type { Problem, WasmManifest } from "../manifest/mod.ts";
import { keyPath, type Segment } from "../toml/key_lines.ts";
import type { KeyLocator } from "../toml/scan.ts";
import { type FuncType, inspectModule, type ModuleInfo, PAGE } from "../runtime/preprocess/mod.ts";
import {
  buildForCache,
  evaluateProtocolVersion,
  exportProblems,
  PROTOCOL_EXPORT,
  unsupportedImports,
} from "../store/module_check.ts";
import { probeable, protocolFromSandbox } from "./protocol_probe.ts";
import { PROTOCOL } from "../version.ts";

const MiB = 1024 * 1024;

/** What `--json` shows of a module under `data.module`. */
export interface ModuleSummary {
  /** The module's path as given to the user (relative to the current folder when inside it). */
  path: string;
  size: number;
  /** `reactor` (exports `_initialize`), `command` (exports `_start`), or `library` (neither). */
  lifecycle: "reactor" | "command" | "library";
  imports: { module: string; name: string; kind: string; type?: string }[];
  exports: { name: string; kind: string; type?: string }[];
  /** The module's memory (defined or imported), in pages and bytes, against the manifest's cap. */
  memory: {
    imported: boolean;
    initial_pages: number;
    maximum_pages: number | null;
    initial_bytes: number;
    cap_bytes: number;
  } | null;
  /** What `samuel_protocol_version()` returned, when exported and evaluable without the host. */
  protocol: number | null;
}

export interface ModuleCheckResult {
  summary?: ModuleSummary;
  problems: Problem[];
  /** Remarks that are neither errors nor warnings (e.g. a protocol version only the runtime can read). */
  notes: string[];
}

/** `(i32, i32) -> i64`, `() -> ()`. */
export function formatType(t?: FuncType): string | undefined {
  if (!t) return undefined;
  return `(${t.params.join(", ")}) -> ${t.results.length ? t.results.join(", ") : "()"}`;
}

/** The absolute path of the manifest's module in plugin folder `dir` (which ends with `/`). */
export function modulePath(dir: string, manifest: WasmManifest): string {
  return `${dir.endsWith("/") ? dir : dir + "/"}${manifest.wasm.module}`;
}

/** The module's bytes, or undefined when it is not built (absent). Other read errors propagate. */
export async function readModule(path: string): Promise<Uint8Array | undefined> {
  try {
    return await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/**
 * The command that builds the module in `dir`, for a "not built yet" hint: the scaffold's Makefile (Go or
 * Rust), its npm script (AssemblyScript), the example's build.sh, or the Go command the Makefile would run.
 */
export async function buildHint(dir: string): Promise<string> {
  const exists = (f: string) => Deno.stat(`${dir}/${f}`).then(() => true, () => false);
  if (await exists("Cargo.toml")) return "`make wasm` (cargo, target wasm32-wasip1 or wasm32-wasi)";
  if (await exists("asconfig.json")) return "`npm install && npm run asbuild`";
  if (await exists("Makefile")) return "`make wasm` (TinyGo) or `make wasm-go` (Go 1.24+)";
  if (await exists("build.sh")) return "`./build.sh`";
  return "`tinygo build -target=wasi -buildmode=c-shared -o plugin.wasm ./cmd` or " +
    "`GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o plugin.wasm ./cmd`";
}

/** Describes `info` for output (no checks). */
export function summarize(
  path: string,
  bytes: Uint8Array,
  info: ModuleInfo,
  manifest: WasmManifest,
  protocol: number | undefined,
): ModuleSummary {
  const has = (name: string) => info.exports.some((e) => e.name === name && e.kind === "function");
  const mem = info.memories[0];
  return {
    path,
    size: bytes.length,
    lifecycle: has("_initialize") ? "reactor" : has("_start") ? "command" : "library",
    imports: info.imports.map((i) => ({
      module: i.module,
      name: i.name,
      kind: i.kind,
      ...(i.type ? { type: formatType(i.type) } : {}),
    })),
    exports: info.exports.map((e) => ({
      name: e.name,
      kind: e.kind,
      ...(e.type ? { type: formatType(e.type) } : {}),
    })),
    memory: mem
      ? {
        imported: mem.imported,
        initial_pages: mem.limits.initial,
        maximum_pages: mem.limits.maximum ?? null,
        initial_bytes: mem.limits.initial * PAGE,
        cap_bytes: manifest.runtime.maxMemoryMiB * MiB,
      }
      : null,
    protocol: protocol ?? null,
  };
}

/** Makes the problems of one module check, pointing at the manifest's keys. */
type ProblemAt = (code: SamCode, segments: Segment[], message: string, fix: string) => Problem;

/**
 * Checks `bytes` against `manifest` the way install does and returns every problem. `file` is the
 * manifest's display name (problems point at its keys, with lines from `locate` when given), `path` the
 * module's display path.
 */
export async function checkModuleAgainstManifest(
  bytes: Uint8Array,
  manifest: WasmManifest,
  opts: { file: string; path: string; locate?: KeyLocator; sandbox?: boolean },
): Promise<ModuleCheckResult> {
  const problems: Problem[] = [];
  const notes: string[] = [];
  const problem: ProblemAt = (code, segments, message, fix) => ({
    file: opts.file,
    key: keyPath(segments),
    line: opts.locate?.lineOf(segments),
    message,
    fix,
    severity: "error",
    code,
  });
  const fromError = (e: unknown, segments: Segment[]): Problem => {
    if (!isSamuelError(e)) throw e;
    return problem(e.code, segments, `${opts.path}: ${e.message}`, e.fix ?? "rebuild the module");
  };

  let info: ModuleInfo;
  try {
    info = inspectModule(bytes);
    if (!WebAssembly.validate(bytes as Uint8Array<ArrayBuffer>)) {
      // The pre-processor names the reason (SAM-PREPROCESS-001); it throws for an invalid module.
      buildForCache(manifest.runtime.maxMemoryMiB)(bytes);
    }
  } catch (e) {
    problems.push(fromError(e, ["wasm", "module"]));
    return { problems, notes };
  }
  problems.push(...interfaceProblems(info, manifest, opts.path, problem));

  const declared = declaredProtocol(bytes, info, opts.path, problem);
  if (declared.problem) problems.push(declared.problem);

  // The memory cap and the rewriter, exactly as install fills the module cache.
  let built: { bytes: Uint8Array; info: ModuleInfo } | undefined;
  try {
    built = buildForCache(manifest.runtime.maxMemoryMiB)(bytes);
  } catch (e) {
    const code = isSamuelError(e) ? e.code : "";
    problems.push(
      fromError(e, code === "SAM-PREPROCESS-003" ? ["runtime", "max_memory"] : ["wasm", "module"]),
    );
  }

  // Only a module with nothing else wrong is run (in a sandbox with no grants).
  const runnable = opts.sandbox && probeable(info) && built !== undefined && problems.length === 0;
  const protocol = declared.evaluateLater
    ? await protocolAtRunTime(runnable ? built : undefined, manifest, notes)
    : declared.value;
  if (protocol !== undefined && protocol !== PROTOCOL) {
    problems.push(problem(
      "SAM-INSTALL-005",
      ["samuel", "protocol"],
      `${opts.path}: ${PROTOCOL_EXPORT}() returned ${protocol}; this samuel speaks protocol ${PROTOCOL}`,
      protocol > PROTOCOL
        ? "upgrade samuel to a release that speaks the plugin's protocol"
        : `build the plugin against protocol ${PROTOCOL} (the SDK this samuel scaffolds)`,
    ));
  }

  return { summary: summarize(opts.path, bytes, info, manifest, protocol), problems, notes };
}

/** Imports this host does not provide, and declared exports missing or not `() -> i32`. */
function interfaceProblems(
  info: ModuleInfo,
  manifest: WasmManifest,
  path: string,
  problem: ProblemAt,
): Problem[] {
  const problems: Problem[] = [];
  for (const imp of unsupportedImports(info.imports)) {
    problems.push(problem(
      "SAM-INSTALL-003",
      ["wasm", "module"],
      `${path} imports ${imp.message}`,
      "import only WASI preview1 and the samuel host module's protocol-1 functions (rebuild against the " +
        "SDK this samuel ships), or upgrade samuel if the plugin needs a newer host",
    ));
  }
  const declared = manifest.wasm.exports;
  for (const message of exportProblems(info, declared)) {
    const name = message.slice(0, message.indexOf(":"));
    problems.push(problem(
      "SAM-INSTALL-004",
      ["wasm", "exports", Math.max(0, declared.indexOf(name))],
      `${path}: ${message}`,
      `export ${name} from the module as a function () -> i32 (in Go: //go:wasmexport ${name} on a ` +
        "func() int32), or remove it from [wasm].exports",
    ));
  }
  return problems;
}

/**
 * `samuel_protocol_version` as exported: its value when a throwaway instance can compute it,
 * `evaluateLater` when only the module's own runtime can, a problem when its type is wrong.
 */
function declaredProtocol(
  bytes: Uint8Array,
  info: ModuleInfo,
  path: string,
  problem: ProblemAt,
): { value?: number; evaluateLater: boolean; problem?: Problem } {
  if (!info.exports.some((e) => e.name === PROTOCOL_EXPORT)) return { evaluateLater: false };
  const bad = exportProblems(info, [PROTOCOL_EXPORT]);
  if (bad.length > 0) {
    return {
      evaluateLater: false,
      problem: problem(
        "SAM-INSTALL-005",
        ["samuel", "protocol"],
        `${path}: ${bad[0]}`,
        `export ${PROTOCOL_EXPORT}() -> i32 returning ${PROTOCOL}, or drop the export`,
      ),
    };
  }
  const value = evaluateProtocolVersion(bytes, info);
  return { value, evaluateLater: value === undefined };
}

/**
 * The protocol version a module returns once its runtime is initialised (a Go reactor's export needs it;
 * a cdylib's, its constructors run): asked of the real thing when `built` is given, else noted as not
 * checked.
 */
async function protocolAtRunTime(
  built: { bytes: Uint8Array; info: ModuleInfo } | undefined,
  manifest: WasmManifest,
  notes: string[],
): Promise<number | undefined> {
  if (built === undefined) {
    notes.push(
      `${PROTOCOL_EXPORT}() cannot be evaluated without the host (e.g. a Go runtime that must ` +
        "initialise first), so its value was not checked (install does not check it either)",
    );
    return undefined;
  }
  const asked = await protocolFromSandbox(built, manifest);
  if (asked.value === undefined) notes.push(`${PROTOCOL_EXPORT}() could not be called: ${asked.why}`);
  return asked.value;
}
