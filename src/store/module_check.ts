/**
 * Install-time checks of a wasm module against its manifest and this host (DESIGN.md 4 and 6, step 4),
 * and the module cache variant the install warms. Everything a module could fail at run time for a
 * reason known in advance is refused here, with the full list of what is wrong:
 *
 * - imports: `wasi_snapshot_preview1.*` must be preview1 functions; `samuel.*` must be functions this
 *   host provides with the protocol's signatures (`missingHostImports`); one imported memory is allowed
 *   (the runtime creates it); `samuel:meter` belongs to the rewriter and may not be imported by a guest;
 *   any other module is unknown (`SAM-INSTALL-003`, exit 2);
 * - every export declared in `[wasm].exports` exists as a function `() -> i32` (`SAM-INSTALL-004`);
 * - `samuel_protocol_version`, when exported, is `() -> i32` and returns a protocol this host speaks
 *   (`SAM-INSTALL-005`); it is evaluated in a throwaway instance whose imports all trap, so only a
 *   function that computes a constant can answer here (`protocolPending` otherwise: install then asks
 *   `protocol_probe.ts`, which runs it in a sandbox without grants);
 * - the memory cap: the pre-processor refuses a module whose initial memory exceeds `max_memory`
 *   (`SAM-PREPROCESS-003`), and its output is what the module cache stores.
 */

import type { WasmManifest } from "../manifest/mod.ts";
import { missingHostImports } from "../runtime/host/mod.ts";
import {
  type ImportInfo,
  inspectModule,
  METER_MODULE,
  type ModuleInfo,
  preprocess,
} from "../runtime/preprocess/mod.ts";
import { WASI_FUNCTION_NAMES, WASI_MODULE } from "../runtime/wasi/names.ts";
import { PROTOCOL } from "../version.ts";
import { samuelError } from "../errors.ts";

const MiB = 1024 * 1024;

/** The preview1 functions (the full `wasi_snapshot_preview1` surface; sockets answer ENOTSOCK). */
export const WASI_PREVIEW1_FUNCTIONS: ReadonlySet<string> = new Set(WASI_FUNCTION_NAMES);

export const PROTOCOL_EXPORT = "samuel_protocol_version";

export { cacheVariant } from "./cache_variant.ts";

/** One import the host cannot satisfy, in words. */
export interface ImportProblem {
  import: string;
  message: string;
}

/** Lists the imports of `info` this host cannot satisfy. */
export function unsupportedImports(imports: readonly ImportInfo[]): ImportProblem[] {
  const problems: ImportProblem[] = [];
  let memories = 0;
  const samuel = [];
  for (const imp of imports) {
    const full = `${imp.module}.${imp.name}`;
    if (imp.kind === "memory") {
      if (++memories > 1) problems.push({ import: full, message: `${full}: a second imported memory` });
      continue;
    }
    if (imp.module === "samuel") {
      samuel.push({ module: imp.module, name: imp.name, kind: imp.kind, type: imp.type });
    } else if (imp.module === WASI_MODULE) {
      if (imp.kind !== "function") {
        problems.push({
          import: full,
          message: `${full}: imported as a ${imp.kind}, WASI provides functions`,
        });
      } else if (!WASI_PREVIEW1_FUNCTIONS.has(imp.name)) {
        problems.push({ import: full, message: `${full}: not a WASI preview1 function` });
      }
    } else if (imp.module === METER_MODULE) {
      problems.push({
        import: full,
        message: `${full}: ${METER_MODULE} is reserved for samuel's own rewriter and cannot be imported`,
      });
    } else {
      problems.push({
        import: full,
        message: `${full}: unknown import module "${imp.module}" (a plugin may import only ` +
          `${WASI_MODULE} and samuel)`,
      });
    }
  }
  for (const m of missingHostImports(samuel)) {
    problems.push({ import: `samuel.${m.name}`, message: m.message });
  }
  return problems;
}

const sig = (t?: { params: readonly string[]; results: readonly string[] }) =>
  t ? `(${t.params.join(", ")}) -> ${t.results.length ? t.results.join(", ") : "()"}` : "?";
const isNullaryI32 = (t?: { params: readonly string[]; results: readonly string[] }) =>
  t !== undefined && t.params.length === 0 && t.results.length === 1 && t.results[0] === "i32";

/** Problems with the declared exports (missing, not a function, wrong signature). */
export function exportProblems(info: ModuleInfo, declared: readonly string[]): string[] {
  const problems: string[] = [];
  for (const name of declared) {
    const e = info.exports.find((x) => x.name === name);
    if (!e) problems.push(`${name}: not exported by the module`);
    else if (e.kind !== "function") problems.push(`${name}: exported as a ${e.kind}, not a function`);
    else if (!isNullaryI32(e.type)) {
      problems.push(`${name}: has signature ${sig(e.type)}, expected () -> i32`);
    }
  }
  return problems;
}

/**
 * Evaluates `samuel_protocol_version()` in an instance whose imports all trap. Returns the value, or
 * undefined when it cannot be evaluated that way: it needs a host call, or the module is a reactor (its
 * exports are only meaningful after `_initialize`, which a Go runtime needs; reading one before could
 * return an uninitialised 0), which `protocol_probe.ts` runs properly.
 */
export function evaluateProtocolVersion(bytes: Uint8Array, info: ModuleInfo): number | undefined {
  if (info.exports.some((e) => e.name === "_initialize")) return undefined;
  try {
    const module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
    const imports: Record<string, Record<string, WebAssembly.ImportValue>> = {};
    for (const imp of WebAssembly.Module.imports(module)) {
      const ns = imports[imp.module] ??= {};
      if (imp.kind === "function") {
        ns[imp.name] = () => {
          throw new Error("host call during protocol probe");
        };
      } else if (imp.kind === "memory") {
        const limits = info.imports.find((i) => i.module === imp.module && i.name === imp.name)?.memory;
        ns[imp.name] = new WebAssembly.Memory({
          initial: limits?.initial ?? 0,
          maximum: limits?.maximum,
          shared: limits?.shared,
        } as WebAssembly.MemoryDescriptor);
      } else {
        return undefined;
      }
    }
    const instance = new WebAssembly.Instance(module, imports);
    const fn = instance.exports[PROTOCOL_EXPORT];
    if (typeof fn !== "function") return undefined;
    const value = (fn as () => unknown)();
    return typeof value === "number" ? value : undefined;
  } catch {
    return undefined;
  }
}

export interface ModuleCheck {
  info: ModuleInfo;
  /** The protocol the module reports, when it exports and could evaluate `samuel_protocol_version`. */
  protocol?: number;
  /** It exports `samuel_protocol_version` but the value needs the module's runtime (`protocol_probe.ts`). */
  protocolPending: boolean;
  warnings: string[];
}

/**
 * Runs every install-time check of `bytes` against `manifest`; throws the first class of problem found
 * (with all its instances listed). The pre-processor's own errors (invalid module, memory cap) surface as
 * they are.
 */
export function checkModule(bytes: Uint8Array, manifest: WasmManifest, origin: string): ModuleCheck {
  const info = inspectModule(bytes);
  if (!WebAssembly.validate(bytes as Uint8Array<ArrayBuffer>)) {
    // The pre-processor produces the precise reason (SAM-PREPROCESS-001).
    preprocess(bytes, { maxMemoryBytes: manifest.runtime.maxMemoryMiB * MiB, meter: false });
  }
  const imports = unsupportedImports(info.imports);
  if (imports.length > 0) {
    throw samuelError("SAM-INSTALL-003", {
      message:
        `${origin} imports ${
          imports.length === 1 ? "a function" : `${imports.length} functions`
        } this host ` +
        `does not provide: ${imports.map((p) => p.import).join(", ")}`,
      cause: imports.map((p) => p.message).join("; "),
      fix:
        "rebuild the plugin against protocol 1 (WASI preview1 and the samuel host module only), or upgrade " +
        "samuel if the plugin needs a newer host",
      details: { missing: imports },
    });
  }
  const exports = exportProblems(info, manifest.wasm.exports);
  if (exports.length > 0) {
    throw samuelError("SAM-INSTALL-004", {
      message: `${origin} does not provide the exports its manifest declares: ${exports.join("; ")}`,
      cause: "every declared export is called as () -> i32 (DESIGN.md section 4)",
      fix:
        "export each function listed in [wasm].exports with the signature () -> i32 (e.g. //go:wasmexport " +
        "in Go), or remove it from the manifest",
      details: { problems: exports },
    });
  }
  const warnings: string[] = [];
  let protocol: number | undefined;
  const probe = info.exports.find((e) => e.name === PROTOCOL_EXPORT);
  if (probe) {
    if (probe.kind !== "function" || !isNullaryI32(probe.type)) {
      throw samuelError("SAM-INSTALL-005", {
        message:
          `${origin} exports ${PROTOCOL_EXPORT} as ${
            probe.kind === "function" ? sig(probe.type) : probe.kind
          }, ` +
          `expected () -> i32`,
        fix: `export ${PROTOCOL_EXPORT}() -> i32 returning ${PROTOCOL}, or drop the export`,
      });
    }
    protocol = evaluateProtocolVersion(bytes, info);
    if (protocol !== undefined) checkProtocolValue(protocol, origin);
  }
  return { info, protocol, warnings, protocolPending: probe !== undefined && protocol === undefined };
}

/** Throws `SAM-INSTALL-005` when `protocol` (what the module reported) is not this host's. */
export function checkProtocolValue(protocol: number, origin: string): void {
  if (protocol === PROTOCOL) return;
  throw samuelError("SAM-INSTALL-005", {
    message: `${origin} speaks plugin protocol ${protocol}; this samuel speaks protocol ${PROTOCOL}`,
    cause: `${PROTOCOL_EXPORT}() returned ${protocol}`,
    fix: protocol > PROTOCOL
      ? "upgrade samuel to a release that speaks the plugin's protocol"
      : "install a release of the plugin built for protocol 1",
    details: { reported: protocol, supported: [PROTOCOL] },
  });
}

/** The pre-processor as the module cache's builder, for `manifest`'s memory cap. */
export function buildForCache(maxMemoryMiB: number) {
  return (source: Uint8Array) => {
    const r = preprocess(source, { maxMemoryBytes: maxMemoryMiB * MiB, meter: true });
    return { bytes: r.bytes, info: r.info };
  };
}
