/**
 * Reads what a module declares without touching function bodies: types, imports (kind and function
 * type), exports (kind and function type), memories (defined or imported, exported or not, limits),
 * the start function, function names from the name section and the list of custom sections. The runtime
 * uses it to report missing exports and unknown imports by name before anything runs, and the rewriting
 * steps use the parsed form (`parseModule`) so each section is decoded once.
 */

import { malformed, unsupported } from "./errors.ts";
import { Reader } from "./reader.ts";
import { findSection, type Section, SectionId, splitSections } from "./sections.ts";
import { skipInstruction } from "./instructions.ts";

export type ValType = "i32" | "i64" | "f32" | "f64" | "v128" | "funcref" | "externref" | "exnref" | "ref";
export type ExternKind = "function" | "table" | "memory" | "global" | "tag";

export interface FuncType {
  params: ValType[];
  results: ValType[];
}

/** A function type with its exact encoding, so new block types can be derived from it. */
export interface RawFuncType extends FuncType {
  paramsRaw: Uint8Array;
  resultsRaw: Uint8Array;
}

export interface Limits {
  initial: number;
  maximum?: number;
  shared: boolean;
}

export interface ImportInfo {
  module: string;
  name: string;
  kind: ExternKind;
  /** Functions: their type. */
  type?: FuncType;
  /** Memories: their limits in 64 KiB pages. */
  memory?: Limits;
}

export interface ExportInfo {
  name: string;
  kind: ExternKind;
  index: number;
  /** Functions: their type. */
  type?: FuncType;
}

export interface MemoryInfo {
  index: number;
  imported: boolean;
  /** Names this memory is exported under. */
  exportedAs: string[];
  limits: Limits;
}

export interface ModuleInfo {
  imports: ImportInfo[];
  exports: ExportInfo[];
  memories: MemoryInfo[];
  /** Index of the start function, if the module has one. */
  start?: number;
  /** Function names from the name section, by function index. */
  functionNames: Record<number, string>;
  customSections: { name: string; size: number }[];
  importedFunctions: number;
  definedFunctions: number;
}

/** Everything the rewriting steps need, decoded once. */
export interface ParsedModule {
  sections: Section[];
  types: RawFuncType[];
  imports: ImportInfo[];
  /** Type index of each imported function, in import order. */
  importFuncTypes: number[];
  importedFunctions: number;
  importedGlobals: number;
  importedMemories: number;
  /** Type index of each defined function. */
  funcTypes: number[];
  definedGlobals: number;
  memories: Limits[];
  exports: ExportInfo[];
  start?: number;
}

const KINDS: ExternKind[] = ["function", "table", "memory", "global", "tag"];

export function valTypeName(r: Reader): ValType {
  const at = r.pos;
  const b = r.u8();
  switch (b) {
    case 0x7f:
      return "i32";
    case 0x7e:
      return "i64";
    case 0x7d:
      return "f32";
    case 0x7c:
      return "f64";
    case 0x7b:
      return "v128";
    case 0x70:
      return "funcref";
    case 0x6f:
      return "externref";
    case 0x69:
      return "exnref";
    case 0x63:
    case 0x64:
      r.skipLeb();
      return "ref";
    default:
      if (b >= 0x65 && b <= 0x6e) throw unsupported("GC reference types", at);
      throw malformed(`unknown value type 0x${b.toString(16)}`, at);
  }
}

/** Reads memory or table limits; refuses 64-bit and custom-page-size memories. */
export function readLimits(r: Reader, what: "memory" | "table"): Limits {
  const at = r.pos;
  const flags = r.u8();
  if (flags & 0x04) throw unsupported(`${what}64 (64-bit ${what} indices)`, at);
  if (flags & ~0x0b) throw malformed(`bad ${what} limits flags 0x${flags.toString(16)}`, at);
  if (flags & 0x08) throw unsupported("custom memory page sizes", at);
  const initial = r.u32();
  const maximum = flags & 0x01 ? r.u32() : undefined;
  return { initial, maximum, shared: (flags & 0x02) !== 0 };
}

/** Skips a constant expression up to and including its `end`. */
export function skipConstExpr(r: Reader): void {
  while (skipInstruction(r) !== 0x0b) { /* next */ }
}

function readFuncTypes(s: Section): RawFuncType[] {
  const r = new Reader(s.payload);
  const n = r.u32();
  const out: RawFuncType[] = [];
  for (let i = 0; i < n; i++) {
    const at = r.pos;
    const form = r.u8();
    if (form !== 0x60) {
      if (form === 0x4e || form === 0x50 || form === 0x4f || form === 0x5e || form === 0x5f) {
        throw unsupported("GC types (struct, array, rec or sub types)", s.offset + at);
      }
      throw malformed(`unknown type form 0x${form.toString(16)}`, s.offset + at);
    }
    const vec = () => {
      const start = r.pos;
      const count = r.u32();
      const types: ValType[] = [];
      for (let j = 0; j < count; j++) types.push(valTypeName(r));
      return { types, raw: s.payload.subarray(start, r.pos) };
    };
    const p = vec();
    const q = vec();
    out.push({ params: p.types, results: q.types, paramsRaw: p.raw, resultsRaw: q.raw });
  }
  return out;
}

/** Splits and decodes the module's declarations (not its code). */
export function parseModule(bytes: Uint8Array): ParsedModule {
  const sections = splitSections(bytes);
  const m: ParsedModule = {
    sections,
    types: [],
    imports: [],
    importFuncTypes: [],
    importedFunctions: 0,
    importedGlobals: 0,
    importedMemories: 0,
    funcTypes: [],
    definedGlobals: 0,
    memories: [],
    exports: [],
  };
  const typeOf = (idx: number, at: number): FuncType => {
    const t = m.types[idx];
    if (!t) throw malformed(`type index ${idx} out of range`, at);
    return { params: t.params, results: t.results };
  };
  for (const s of sections) {
    const r = new Reader(s.payload);
    switch (s.id) {
      case SectionId.type:
        m.types = readFuncTypes(s);
        break;
      case SectionId.import:
        readImports(r, s.offset, m, typeOf);
        break;
      case SectionId.function: {
        const n = r.u32();
        for (let i = 0; i < n; i++) m.funcTypes.push(r.u32());
        break;
      }
      case SectionId.memory: {
        const n = r.u32();
        for (let i = 0; i < n; i++) m.memories.push(readLimits(r, "memory"));
        break;
      }
      case SectionId.global: {
        m.definedGlobals = r.u32();
        break;
      }
      case SectionId.export:
        readExports(r, s.offset, m);
        break;
      case SectionId.start:
        m.start = r.u32();
        break;
    }
  }
  for (const e of m.exports) {
    if (e.kind !== "function") continue;
    const t = e.index < m.importedFunctions
      ? m.importFuncTypes[e.index]
      : m.funcTypes[e.index - m.importedFunctions];
    if (t === undefined) throw malformed(`export "${e.name}" names a missing function ${e.index}`, 0);
    e.type = typeOf(t, 0);
  }
  return m;
}

/** The import section: each import with its kind and type, counting imported functions, memories, globals. */
function readImports(
  r: Reader,
  offset: number,
  m: ParsedModule,
  typeOf: (idx: number, at: number) => FuncType,
) {
  const n = r.u32();
  for (let i = 0; i < n; i++) {
    const module = r.name();
    const name = r.name();
    const at = r.pos;
    const kindByte = r.u8();
    const kind = KINDS[kindByte];
    if (!kind) throw malformed(`bad import kind ${kindByte}`, offset + at);
    const imp: ImportInfo = { module, name, kind };
    if (kind === "function") {
      const t = r.u32();
      imp.type = typeOf(t, offset + at);
      m.importFuncTypes.push(t);
      m.importedFunctions++;
    } else if (kind === "table") {
      valTypeName(r);
      readLimits(r, "table");
    } else if (kind === "memory") {
      imp.memory = readLimits(r, "memory");
      m.importedMemories++;
    } else if (kind === "global") {
      valTypeName(r);
      r.u8();
      m.importedGlobals++;
    } else {
      r.u8();
      r.u32();
    }
    m.imports.push(imp);
  }
}

/** The export section (types are filled in once every function's type is known). */
function readExports(r: Reader, offset: number, m: ParsedModule) {
  const n = r.u32();
  for (let i = 0; i < n; i++) {
    const name = r.name();
    const kind = KINDS[r.u8()];
    if (!kind) throw malformed("bad export kind", offset + r.pos - 1);
    m.exports.push({ name, kind, index: r.u32() });
  }
}

/** Function names from a "name" custom section payload (best effort: a broken name section is ignored). */
export function readFunctionNames(payload: Uint8Array): Record<number, string> {
  const names: Record<number, string> = {};
  try {
    const r = new Reader(payload);
    while (!r.atEnd()) {
      const id = r.u8();
      const size = r.u32();
      const end = r.pos + size;
      if (id === 1) {
        const n = r.u32();
        for (let i = 0; i < n; i++) {
          const idx = r.u32();
          names[idx] = r.name();
        }
      }
      r.pos = end;
    }
  } catch {
    // Names are diagnostics only; V8 also ignores a malformed name section.
  }
  return names;
}

/** Describes a parsed module. */
export function describe(m: ParsedModule): ModuleInfo {
  const memories: MemoryInfo[] = [];
  let mem = 0;
  for (const imp of m.imports) {
    if (imp.memory) memories.push({ index: mem++, imported: true, exportedAs: [], limits: imp.memory });
  }
  for (const limits of m.memories) memories.push({ index: mem++, imported: false, exportedAs: [], limits });
  for (const e of m.exports) {
    if (e.kind === "memory" && memories[e.index]) memories[e.index].exportedAs.push(e.name);
  }
  const nameAt = findSection(m.sections, SectionId.custom, "name");
  return {
    imports: m.imports,
    exports: m.exports,
    memories,
    start: m.start,
    functionNames: nameAt >= 0 ? readFunctionNames(m.sections[nameAt].payload) : {},
    customSections: m.sections.filter((s) => s.id === SectionId.custom).map((s) => ({
      name: s.name ?? "",
      size: s.payload.length,
    })),
    importedFunctions: m.importedFunctions,
    definedFunctions: m.funcTypes.length,
  };
}

/** Module info for `bytes` (no rewriting). */
export function inspectModule(bytes: Uint8Array): ModuleInfo {
  return describe(parseModule(bytes));
}

/** Declared exports (by name) the module does not export as a function; report them before running. */
export function missingExports(info: ModuleInfo, declared: string[]): string[] {
  const have = new Set(info.exports.filter((e) => e.kind === "function").map((e) => e.name));
  return declared.filter((name) => !have.has(name));
}

/**
 * Imports the host does not provide, as `module.name` strings, in import order. `provided` answers for
 * one import; the meter's own import (`samuel:meter`) should be counted as provided by the runtime.
 */
export function unknownImports(
  info: ModuleInfo,
  provided: (module: string, name: string) => boolean,
): string[] {
  return info.imports.filter((i) => !provided(i.module, i.name)).map((i) => `${i.module}.${i.name}`);
}
