/**
 * Validates a parsed `samuel-plugin.toml` against every rule of DESIGN.md 3.1 and builds the typed
 * `Manifest` with defaults applied. It never stops at the first problem: every problem of the file is
 * collected by the shared `Checker` (src/toml/check.ts), each naming the file, the key path, the line
 * (scanned only when a problem needs one), what is wrong and a concrete fix, with a stable code
 * (`SAM-MANIFEST-NNN`, one per rule, listed in src/errors/catalogue.ts).
 *
 * Decisions beyond DESIGN.md, each enforced below:
 * - `--strict` turns every warning into an error (unknown keys, ignored sections, missing summary, missing
 *   `[samuel]` ranges), so a CI gate on `--strict` means "no findings at all".
 * - Exports may be given in `[wasm].exports`, `[runtime].exports` or both; when both, they must hold the
 *   same names (order does not matter). `_start` and `_initialize` are refused as exports too: the host
 *   calls them itself (DESIGN.md 4).
 * - `wasm.module` and `skill.entry` may start with `./` and are normalised; `..`, absolute paths,
 *   backslashes and folder paths are refused, so a manifest can never point outside its plugin folder.
 * - A missing `[samuel].framework` defaults to `*` and a missing `protocol` to `^1.0.0`, with a warning,
 *   because old manifests lack them and the install still checks the module's own protocol export.
 * - `[capabilities]` on a skill is ignored with a warning: skills never execute, so grants mean nothing.
 * - The protocol range is checked against `<PROTOCOL>.0.0` (protocol 1 is `1.0.0`), and the framework
 *   range against `VERSION` with pre-releases included, so a release candidate of 2.3 satisfies `^2.2.0`.
 *
 * Version and range checks need the `semver` package, which the caller passes in (mod.ts loads it
 * lazily); without it those checks are skipped. That is for re-reading an installed manifest copy whose
 * digest the lock already vouches for, so the `run` path never pays for loading semver.
 */

import { formatDuration, parseDuration } from "./duration.ts";
import { checkHostPattern } from "./hosts.ts";
import {
  type Capabilities,
  DEFAULTS,
  LIFECYCLE_EXPORTS,
  type Manifest,
  MAX_MEMORY_RANGE,
  type PluginKind,
  RESERVED_EXPORTS,
  SUPPORTED_KINDS,
  UNSUPPORTED_KINDS,
  type WasmManifest,
} from "./schema.ts";
import { keyPath, type Segment } from "../toml/key_lines.ts";
import { Checker, isTable, MAX_PROBLEMS, type Table, unknownKeys, type Wording } from "../toml/check.ts";
import type { Problem } from "../toml/problem.ts";
import type { KeyLocator } from "../toml/scan.ts";

/** The part of the `semver` package validation uses (the package ships no types). */
export interface SemverApi {
  valid(version: string): string | null;
  validRange(range: string): string | null;
  satisfies(version: string, range: string, options?: { includePrerelease?: boolean }): boolean;
}

export interface ValidateOptions {
  /** The file name shown in problems. */
  file: string;
  /** Report warnings as errors. */
  strict: boolean;
  /** Where keys are written in the source text. */
  locator: KeyLocator;
  /** When absent, version and range checks are skipped (see module doc). */
  semver?: SemverApi;
  /** This build's samuel version and protocol (parameters so tests can vary them). */
  version: string;
  protocol: number;
}

export interface ValidationResult {
  /** Present when there is no error (warnings allowed, unless strict). */
  manifest?: Manifest;
  /** The problems, ordered by line (file-level problems first); at most `MAX_PROBLEMS`, errors first. */
  problems: Problem[];
  /** Problems found past `MAX_PROBLEMS`, counted but not listed. */
  omitted?: { errors: number; warnings: number };
}

/**
 * How many problems a validation lists (src/toml/check.ts). A generated manifest can hold a problem per
 * line (a 2.6 MB file of duplicate entries printed 74 MiB of JSON); the rest are counted in `omitted`.
 */
export { MAX_PROBLEMS };

/**
 * Keeps at most `MAX_PROBLEMS` of `sorted`, errors before warnings (so an invalid file always lists an
 * error), still in line order, and counts the rest.
 */
export function capProblems(sorted: Problem[]): Pick<ValidationResult, "problems" | "omitted"> {
  if (sorted.length <= MAX_PROBLEMS) return { problems: sorted };
  const errors = sorted.filter((p) => p.severity === "error");
  const keep = new Set(errors.slice(0, MAX_PROBLEMS));
  for (const p of sorted) {
    if (keep.size >= MAX_PROBLEMS) break;
    keep.add(p);
  }
  const problems = sorted.filter((p) => keep.has(p));
  const shownErrors = problems.filter((p) => p.severity === "error").length;
  return {
    problems,
    omitted: {
      errors: errors.length - shownErrors,
      warnings: sorted.length - problems.length - (errors.length - shownErrors),
    },
  };
}

const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TOP_KEYS = ["name", "version", "kind", "summary", "samuel", "wasm", "runtime", "capabilities", "skill"];
const KNOWN_KEYS: Record<string, string[]> = {
  samuel: ["framework", "protocol"],
  wasm: ["module", "exports"],
  runtime: ["max_memory", "timeout", "hard_timeout", "exports", "fuel"],
  skill: ["entry"],
  capabilities: ["env", "filesystem", "network"],
  "capabilities.filesystem": ["read", "write"],
  "capabilities.network": ["hosts"],
};

/** How the manifest's problems word a missing key and a wrong type ("name is required", "... not 5"). */
const MANIFEST_WORDING: Wording = {
  codes: { missing: "SAM-MANIFEST-003", invalid: "SAM-MANIFEST-004" },
  missing: (key) => `${key} is required`,
  mustBe: (key, expected, found) => `${key} must be ${expected}, not ${typeName(found)}`,
  isNot: (key, value, what) => `${key} "${value}" is not ${what}`,
};

/** Validates `data` (the parsed TOML document) and returns the manifest when it has no error. */
export function validateManifest(data: Table, opts: ValidateOptions): ValidationResult {
  const c = new Checker({
    file: opts.file,
    locator: opts.locator,
    wording: MANIFEST_WORDING,
    strict: opts.strict,
  });
  const manifest = new Validator(c, opts).manifest(data);
  const problems = c.problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (a.p.line ?? 0) - (b.p.line ?? 0) || a.i - b.i)
    .map(({ p }) => p);
  const listed = capProblems(problems);
  return c.hasErrors || manifest === undefined ? listed : { manifest, ...listed };
}

class Validator {
  constructor(private readonly c: Checker, private readonly opts: ValidateOptions) {}

  manifest(doc: Table): Manifest | undefined {
    this.unknownKeys(doc, [], TOP_KEYS);
    const name = this.name(doc.name);
    const version = this.version(doc.version);
    const kind = this.kind(doc.kind);
    const summary = this.summary(doc.summary);
    const samuel = this.samuel(doc.samuel, kind);

    const wasmTable = this.table(doc.wasm, ["wasm"]);
    const runtimeTable = this.table(doc.runtime, ["runtime"]);
    const skillTable = this.table(doc.skill, ["skill"]);
    const capsTable = this.table(doc.capabilities, ["capabilities"]);

    if (kind === "skill") {
      for (
        const [key, t] of [["wasm", wasmTable], ["runtime", runtimeTable], [
          "capabilities",
          capsTable,
        ]] as const
      ) {
        if (t === undefined) continue;
        this.c.warn(
          "SAM-MANIFEST-028",
          [key],
          `[${key}] does not apply to kind "skill" (skills never execute) and is ignored`,
          `remove the [${key}] section, or set kind = "wasm" if this plugin is a module`,
        );
      }
    }
    if (kind === "wasm" && skillTable !== undefined) {
      this.c.warn(
        "SAM-MANIFEST-028",
        ["skill"],
        `[skill] does not apply to kind "wasm" and is ignored`,
        `remove the [skill] section, or set kind = "skill" if this plugin is text only`,
      );
    }

    // With an unknown kind, still check whatever sections are present so every problem shows at once.
    const checkWasm = kind === "wasm" ||
      (kind === undefined && (wasmTable !== undefined || runtimeTable !== undefined));
    // A [wasm] of the wrong type already has its error; "module is missing" on top would only be noise.
    const wasm = checkWasm
      ? this.wasm(
        wasmTable,
        runtimeTable,
        kind === "wasm" && (doc.wasm === undefined || wasmTable !== undefined),
      )
      : undefined;
    const skill = kind === "skill" || (kind === undefined && skillTable !== undefined)
      ? this.skill(skillTable)
      : undefined;
    const capabilities = kind !== "skill" ? this.capabilities(capsTable) : emptyCapabilities();

    if (name === undefined || version === undefined || kind === undefined || samuel === undefined) {
      return undefined;
    }
    if (capabilities === undefined) return undefined;
    const base = { name, version, summary, samuel, capabilities };
    if (kind === "skill") return skill === undefined ? undefined : { ...base, kind, skill };
    return wasm === undefined ? undefined : { ...base, kind, wasm: wasm.wasm, runtime: wasm.runtime };
  }

  // ---- top-level fields ----

  private name(value: unknown): string | undefined {
    const s = this.requiredString(value, ["name"], `name = "my-plugin"`);
    if (s === undefined) return undefined;
    if (NAME.test(s)) return s;
    const suggestion = s.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+/, "").slice(0, 64);
    this.c.error(
      "SAM-MANIFEST-006",
      ["name"],
      `name "${s}" is not valid: it must be 1 to 64 characters of a-z, 0-9 and '-', starting with a letter or digit`,
      NAME.test(suggestion) ? `use name = "${suggestion}"` : `use a name like "my-plugin"`,
    );
    return undefined;
  }

  private version(value: unknown): string | undefined {
    const s = this.requiredString(value, ["version"], `version = "0.1.0"`);
    if (s === undefined || this.opts.semver === undefined) return s;
    if (/^\d/.test(s) && s === s.trim() && this.opts.semver.valid(s) !== null) return s;
    const bare = s.trim().replace(/^[v=]+/i, "");
    const fixed = this.opts.semver.valid(bare) !== null && /^\d/.test(bare) ? bare : undefined;
    this.c.error(
      "SAM-MANIFEST-007",
      ["version"],
      `version "${s}" is not a semver version (MAJOR.MINOR.PATCH, e.g. 1.2.3 or 1.2.3-rc.1)`,
      fixed !== undefined ? `use version = "${fixed}"` : `use a version like "0.1.0"`,
    );
    return undefined;
  }

  private kind(value: unknown): PluginKind | undefined {
    const s = this.requiredString(value, ["kind"], `kind = "wasm"`);
    if (s === undefined) return undefined;
    if ((SUPPORTED_KINDS as readonly string[]).includes(s)) return s as PluginKind;
    const lower = s.toLowerCase();
    if ((UNSUPPORTED_KINDS as readonly string[]).includes(lower)) {
      const why = lower === "oci"
        ? `kind "oci" is not supported: OCI plugins need a container engine, which samuel does not use`
        : `kind "meta" is not supported yet: a meta plugin only lists other plugins to install`;
      const fix = lower === "oci"
        ? `publish the plugin as a WASI module (kind = "wasm"), or use upstream Samuel for OCI plugins`
        : `install the plugins listed in its [requires] one by one with samuel install`;
      this.c.error("SAM-MANIFEST-008", ["kind"], why, fix);
      return undefined;
    }
    const suggestion = (SUPPORTED_KINDS as readonly string[]).includes(lower)
      ? `use kind = "${lower}"`
      : `use kind = "wasm" (a WASI module) or kind = "skill" (text, no execution)`;
    this.c.error(
      "SAM-MANIFEST-009",
      ["kind"],
      `kind "${s}" is not a known plugin kind (wasm, skill)`,
      suggestion,
    );
    return undefined;
  }

  private summary(value: unknown): string {
    if (value === undefined || value === "") {
      this.c.warn(
        "SAM-MANIFEST-029",
        ["summary"],
        "summary is missing or empty; search and list show it",
        `add summary = "<one line saying what the plugin does>"`,
      );
      return "";
    }
    const s = this.string(value, ["summary"], `summary = "What the plugin does."`);
    if (s === undefined) return "";
    if (/[\r\n]/.test(s)) {
      this.c.error(
        "SAM-MANIFEST-030",
        ["summary"],
        "summary must be a single line (it is shown in tables)",
        "shorten it to one line; put longer text in the plugin's README",
      );
      return "";
    }
    return s;
  }

  private samuel(value: unknown, kind: PluginKind | undefined): Manifest["samuel"] | undefined {
    const t = this.table(value, ["samuel"]);
    if (t === undefined && value !== undefined) return undefined;
    if (t !== undefined) this.unknownKeys(t, ["samuel"], KNOWN_KEYS.samuel);
    let framework: string | undefined = DEFAULTS.framework;
    let protocol: string | undefined = DEFAULTS.protocol;
    if (t?.framework === undefined) {
      this.c.warn(
        "SAM-MANIFEST-031",
        ["samuel", "framework"],
        `samuel.framework is missing, so any samuel version is assumed to work ("${DEFAULTS.framework}")`,
        `add framework = "^${this.opts.version}" under [samuel]`,
      );
    } else {
      framework = this.range(t.framework, ["samuel", "framework"], "framework");
    }
    if (t?.protocol === undefined) {
      // Skills have no ABI, so an absent protocol range is normal for them.
      if (kind !== "skill") {
        this.c.warn(
          "SAM-MANIFEST-031",
          ["samuel", "protocol"],
          `samuel.protocol is missing, so protocol "${DEFAULTS.protocol}" is assumed`,
          `add protocol = "^${this.opts.protocol}.0.0" under [samuel]`,
        );
      }
    } else {
      protocol = this.range(t.protocol, ["samuel", "protocol"], "protocol");
    }
    return framework === undefined || protocol === undefined ? undefined : { framework, protocol };
  }

  private range(value: unknown, segments: Segment[], which: "framework" | "protocol"): string | undefined {
    const example = which === "framework" ? `^${this.opts.version}` : `^${this.opts.protocol}.0.0`;
    const s = this.string(value, segments, `${which} = "${example}"`);
    if (s === undefined || this.opts.semver === undefined) return s;
    const semver = this.opts.semver;
    const key = keyPath(segments);
    if (semver.validRange(s) === null) {
      return this.c.isNot(
        s,
        segments,
        "a semver range",
        `use a range like "${example}"`,
        which === "framework" ? "SAM-MANIFEST-010" : "SAM-MANIFEST-012",
      );
    }
    if (which === "framework") {
      if (semver.satisfies(this.opts.version, s, { includePrerelease: true })) return s;
      this.c.error(
        "SAM-MANIFEST-011",
        segments,
        `${key} "${s}" does not include this samuel (${this.opts.version})`,
        `plugin authors: widen the range to include ${this.opts.version} (e.g. "${example}"); users: install a samuel release in "${s}"`,
      );
      return undefined;
    }
    if (semver.satisfies(`${this.opts.protocol}.0.0`, s)) return s;
    this.c.error(
      "SAM-MANIFEST-013",
      segments,
      `${key} "${s}" does not include protocol ${this.opts.protocol}, the only one this samuel speaks`,
      `build the plugin for protocol ${this.opts.protocol} and set protocol = "${example}"`,
    );
    return undefined;
  }

  // ---- [wasm] and [runtime] ----

  private wasm(
    wasmTable: Table | undefined,
    runtimeTable: Table | undefined,
    required: boolean,
  ): {
    wasm: WasmManifest["wasm"];
    runtime: WasmManifest["runtime"];
  } | undefined {
    if (wasmTable !== undefined) this.unknownKeys(wasmTable, ["wasm"], KNOWN_KEYS.wasm);
    if (runtimeTable !== undefined) this.unknownKeys(runtimeTable, ["runtime"], KNOWN_KEYS.runtime);
    const module = this.wasmModule(wasmTable, required);
    const exports = this.allExports(wasmTable, runtimeTable, required);
    const limits = this.runtimeLimits(runtimeTable);
    if (module === undefined || exports === undefined || limits === undefined) return undefined;
    const { fuel, ...deadlines } = limits;
    const runtime: WasmManifest["runtime"] = { ...deadlines, exports: [...exports] };
    if (fuel !== undefined) runtime.fuel = fuel;
    return { wasm: { module, exports: [...exports] }, runtime };
  }

  /** `wasm.module`: required for kind "wasm" (`required`); undefined when missing or wrong. */
  private wasmModule(wasmTable: Table | undefined, required: boolean): string | undefined {
    if (wasmTable?.module !== undefined) {
      return this.pluginPath(wasmTable.module, ["wasm", "module"], "plugin.wasm");
    }
    if (required) {
      this.c.error(
        "SAM-MANIFEST-003",
        ["wasm", "module"],
        'wasm.module is required for kind "wasm"',
        `add module = "plugin.wasm" under [wasm]`,
      );
    }
    return undefined;
  }

  /**
   * The exports, from `[wasm].exports`, `[runtime].exports` or both (then the same names); undefined
   * when none are declared or any list is wrong.
   */
  private allExports(
    wasmTable: Table | undefined,
    runtimeTable: Table | undefined,
    required: boolean,
  ): string[] | undefined {
    const wasmExports = wasmTable?.exports === undefined
      ? undefined
      : this.exports(wasmTable.exports, ["wasm", "exports"]);
    const runtimeExports = runtimeTable?.exports === undefined
      ? undefined
      : this.exports(runtimeTable.exports, ["runtime", "exports"]);
    if (wasmTable?.exports === undefined && runtimeTable?.exports === undefined) {
      if (required) {
        this.c.error(
          "SAM-MANIFEST-003",
          ["wasm", "exports"],
          "the plugin declares no exports ([wasm].exports)",
          `add exports = ["<name>"] under [wasm], listing the functions samuel run may call`,
        );
      }
      return undefined;
    }
    if (
      (wasmTable?.exports !== undefined && wasmExports === undefined) ||
      (runtimeTable?.exports !== undefined && runtimeExports === undefined)
    ) {
      return undefined;
    }
    if (
      wasmExports !== undefined && runtimeExports !== undefined &&
      !this.sameExports(wasmExports, runtimeExports)
    ) {
      return undefined;
    }
    return wasmExports ?? runtimeExports;
  }

  /** Whether `runtime.exports` lists the names of `wasm.exports` (in any order); reports it when not. */
  private sameExports(wasmExports: string[], runtimeExports: string[]): boolean {
    const inWasm = new Set(wasmExports);
    const inRuntime = new Set(runtimeExports);
    const missing = wasmExports.filter((e) => !inRuntime.has(e));
    const extra = runtimeExports.filter((e) => !inWasm.has(e));
    if (missing.length === 0 && extra.length === 0) return true;
    const parts = [];
    if (missing.length > 0) parts.push(`missing ${missing.join(", ")}`);
    if (extra.length > 0) parts.push(`has extra ${extra.join(", ")}`);
    this.c.error(
      "SAM-MANIFEST-019",
      ["runtime", "exports"],
      `runtime.exports must list the same exports as wasm.exports; it ${parts.join(" and ")}`,
      `set exports = ${
        JSON.stringify(wasmExports)
      } under [runtime], or remove it there ([wasm].exports is enough)`,
    );
    return false;
  }

  /** `[runtime]`'s memory cap, deadlines and fuel, defaults applied; undefined when any is wrong. */
  private runtimeLimits(
    runtimeTable: Table | undefined,
  ): Omit<WasmManifest["runtime"], "exports"> | undefined {
    let ok = true;
    const maxMemoryMiB = this.maxMemory(runtimeTable?.max_memory);
    const timeoutMs = this.duration(runtimeTable?.timeout, ["runtime", "timeout"], DEFAULTS.timeoutMs);
    const hardTimeoutMs = this.duration(
      runtimeTable?.hard_timeout,
      ["runtime", "hard_timeout"],
      DEFAULTS.hardTimeoutMs,
    );
    if (timeoutMs !== undefined && hardTimeoutMs !== undefined && hardTimeoutMs < timeoutMs) {
      const hardGiven = runtimeTable?.hard_timeout !== undefined;
      const key: Segment[] = hardGiven ? ["runtime", "hard_timeout"] : ["runtime", "timeout"];
      this.c.error(
        "SAM-MANIFEST-021",
        key,
        `runtime.hard_timeout (${formatDuration(hardTimeoutMs)}${
          hardGiven ? "" : ", the default"
        }) is shorter than runtime.timeout (${
          formatDuration(timeoutMs)
        }); the hard kill must come after the soft deadline`,
        `set hard_timeout = "${formatDuration(timeoutMs)}" or more under [runtime], or lower timeout`,
      );
      ok = false;
    }
    const fuel = runtimeTable?.fuel === undefined ? undefined : this.fuel(runtimeTable.fuel);
    if (runtimeTable?.fuel !== undefined && fuel === undefined) ok = false;
    if (!ok || maxMemoryMiB === undefined || timeoutMs === undefined || hardTimeoutMs === undefined) {
      return undefined;
    }
    return fuel === undefined
      ? { maxMemoryMiB, timeoutMs, hardTimeoutMs }
      : { maxMemoryMiB, timeoutMs, hardTimeoutMs, fuel };
  }

  private exports(value: unknown, segments: Segment[]): string[] | undefined {
    const list = this.stringList(value, segments, `exports = ["lint", "health"]`);
    if (list === undefined) return undefined;
    if (list.values.length === 0 && list.ok) {
      this.c.error(
        "SAM-MANIFEST-015",
        segments,
        `${keyPath(segments)} is empty; a wasm plugin needs at least one export to run`,
        `list the exported functions samuel run may call, e.g. exports = ["lint"]`,
      );
      return undefined;
    }
    let ok = list.ok;
    const seen = new Set<string>();
    list.values.forEach(({ value: name, index }) => {
      const at = [...segments, index];
      if (!IDENTIFIER.test(name)) {
        const fixed = name.replace(/[^A-Za-z0-9_]+/g, "_").replace(/^(?=\d)/, "_");
        this.c.error(
          "SAM-MANIFEST-016",
          at,
          `export "${name}" is not an identifier (letters, digits and '_', not starting with a digit)`,
          IDENTIFIER.test(fixed)
            ? `rename the export to "${fixed}" in the module and the manifest`
            : "rename the export to an identifier",
        );
        ok = false;
      } else if ((RESERVED_EXPORTS as readonly string[]).includes(name.toLowerCase())) {
        this.c.error(
          "SAM-MANIFEST-018",
          at,
          `export "${name}" is a reserved samuel verb (${RESERVED_EXPORTS.join(", ")}; any case)`,
          `rename the export, e.g. "${name.toLowerCase()}_plugin" or a verb of your own`,
        );
        ok = false;
      } else if ((LIFECYCLE_EXPORTS as readonly string[]).includes(name)) {
        this.c.error(
          "SAM-MANIFEST-018",
          at,
          `export "${name}" is a WASI entry point that samuel calls by itself, not a callable export`,
          `remove "${name}" from the list; keep only the functions users run`,
        );
        ok = false;
      }
      if (seen.has(name)) {
        this.c.error(
          "SAM-MANIFEST-017",
          at,
          `export "${name}" is listed more than once`,
          `remove the repeated "${name}"`,
        );
        ok = false;
      }
      seen.add(name);
    });
    return ok ? list.values.map((v) => v.value) : undefined;
  }

  private maxMemory(value: unknown): number | undefined {
    if (value === undefined) return DEFAULTS.maxMemoryMiB;
    const segments = ["runtime", "max_memory"];
    const { min, max } = MAX_MEMORY_RANGE;
    const n = typeof value === "bigint" ? Number(value) : value;
    if (typeof n !== "number") {
      const hint = typeof value === "string" && /^\d+/.test(value)
        ? ` = ${parseInt(value, 10)}`
        : ` = ${DEFAULTS.maxMemoryMiB}`;
      this.c.mustBe(
        value,
        segments,
        "an integer (MiB)",
        `write max_memory${hint} (a number of MiB, without quotes or unit)`,
      );
      return undefined;
    }
    if (!Number.isInteger(n) || n < min || n > max) {
      this.c.error(
        "SAM-MANIFEST-022",
        segments,
        `runtime.max_memory is ${n}; it must be a whole number of MiB between ${min} and ${max}`,
        `set max_memory to a whole number from ${min} to ${max} (default ${DEFAULTS.maxMemoryMiB})`,
      );
      return undefined;
    }
    return n;
  }

  private duration(value: unknown, segments: Segment[], fallback: number): number | undefined {
    if (value === undefined) return fallback;
    const key = keyPath(segments);
    const leaf = String(segments[segments.length - 1]);
    if (typeof value !== "string") {
      const hint = typeof value === "number" || typeof value === "bigint"
        ? `${value}s`
        : formatDuration(fallback);
      this.c.mustBe(
        value,
        segments,
        `a duration string`,
        `write ${leaf} = "${hint}" (a number with unit ms, s or m, in quotes)`,
      );
      return undefined;
    }
    const parsed = parseDuration(value);
    if (parsed.ok) return parsed.ms;
    this.c.error(
      "SAM-MANIFEST-020",
      segments,
      `${key} "${value}": ${parsed.reason}`,
      `write it like "150ms", "5s" or "2m" (default "${formatDuration(fallback)}")`,
    );
    return undefined;
  }

  private fuel(value: unknown): number | undefined {
    const segments = ["runtime", "fuel"];
    const n = typeof value === "bigint" ? Number(value) : value;
    if (typeof n !== "number") {
      this.c.mustBe(
        value,
        segments,
        "a positive integer",
        "write fuel = 1000000000 (a number, without quotes), or remove it for no fuel limit",
      );
      return undefined;
    }
    if (!Number.isSafeInteger(n) || n <= 0) {
      this.c.error(
        "SAM-MANIFEST-023",
        segments,
        `runtime.fuel is ${n}; it must be a positive whole number (at most ${Number.MAX_SAFE_INTEGER})`,
        "set fuel to a positive integer, or remove it for no fuel limit",
      );
      return undefined;
    }
    return n;
  }

  // ---- [skill] ----

  private skill(t: Table | undefined): { entry: string } | undefined {
    if (t === undefined) return { entry: DEFAULTS.skillEntry };
    this.unknownKeys(t, ["skill"], KNOWN_KEYS.skill);
    if (t.entry === undefined) return { entry: DEFAULTS.skillEntry };
    const entry = this.pluginPath(t.entry, ["skill", "entry"], DEFAULTS.skillEntry);
    return entry === undefined ? undefined : { entry };
  }

  /** A path inside the plugin folder: relative, no `..`, no folder, normalised. */
  private pluginPath(value: unknown, segments: Segment[], example: string): string | undefined {
    const s = this.string(value, segments, `${segments[segments.length - 1]} = "${example}"`);
    if (s === undefined) return undefined;
    const key = keyPath(segments);
    const fail = (why: string, fix = `give a path relative to the plugin folder, e.g. "${example}"`) => {
      this.c.error("SAM-MANIFEST-014", segments, `${key} "${s}" ${why}`, fix);
      return undefined;
    };
    // deno-lint-ignore no-control-regex
    if (s === "" || /[\x00-\x1f]/.test(s)) return fail("is empty or contains control characters");
    if (s.includes("\\")) {
      return fail("uses backslashes", `use forward slashes: "${s.replaceAll("\\", "/")}"`);
    }
    if (s.startsWith("/") || /^[A-Za-z]:/.test(s)) {
      return fail("is absolute; it must be relative to the plugin folder");
    }
    if (s.endsWith("/")) return fail("names a folder, not a file");
    const parts = s.split("/").filter((p) => p !== "" && p !== ".");
    if (parts.includes("..")) return fail("uses `..`; it must stay inside the plugin folder");
    if (parts.length === 0) return fail("names the plugin folder itself, not a file");
    return parts.join("/");
  }

  // ---- [capabilities] ----

  private capabilities(t: Table | undefined): Capabilities | undefined {
    const caps = emptyCapabilities();
    if (t === undefined) return caps;
    this.unknownKeys(t, ["capabilities"], KNOWN_KEYS.capabilities);
    let ok = true;

    if (t.env !== undefined) {
      const env = this.entries(t.env, ["capabilities", "env"], `env = ["HOME"]`, (key, at) => {
        if (IDENTIFIER.test(key)) return true;
        const fixed = key.trim().replace(/[^A-Za-z0-9_]+/g, "_").replace(/^(?=\d)/, "_");
        this.c.error(
          "SAM-MANIFEST-026",
          at,
          `env key "${key}" is not a variable name (letters, digits and '_', not starting with a digit)`,
          IDENTIFIER.test(fixed) && fixed !== key
            ? `did you mean "${fixed}"?`
            : `list variable names only, e.g. "HOME" (the value comes from the host)`,
        );
        return false;
      });
      if (env === undefined) ok = false;
      else caps.env = env;
    }

    const fs = this.table(t.filesystem, ["capabilities", "filesystem"]);
    if (fs === undefined && t.filesystem !== undefined) ok = false;
    if (fs !== undefined) {
      this.unknownKeys(fs, ["capabilities", "filesystem"], KNOWN_KEYS["capabilities.filesystem"]);
      for (const mode of ["read", "write"] as const) {
        if (fs[mode] === undefined) continue;
        const paths = this.entries(
          fs[mode],
          ["capabilities", "filesystem", mode],
          `${mode} = ["/workspace"]`,
          (p, at) => this.guestPath(p, at),
        );
        if (paths === undefined) ok = false;
        else caps.filesystem[mode] = paths;
      }
    }

    const net = this.table(t.network, ["capabilities", "network"]);
    if (net === undefined && t.network !== undefined) ok = false;
    if (net !== undefined) {
      this.unknownKeys(net, ["capabilities", "network"], KNOWN_KEYS["capabilities.network"]);
      if (net.hosts !== undefined) {
        const hosts = this.entries(
          net.hosts,
          ["capabilities", "network", "hosts"],
          `hosts = ["api.example.com"]`,
          (h, at) => {
            const check = checkHostPattern(h);
            if (check.ok) return true;
            this.c.error(
              "SAM-MANIFEST-027",
              at,
              `host "${h}": ${check.reason}`,
              check.suggestion !== undefined
                ? `use "${check.suggestion}"`
                : `write an exact host ("api.example.com"), "*." and a host ("*.example.com"), or an IP address`,
            );
            return false;
          },
        );
        if (hosts === undefined) ok = false;
        else caps.network.hosts = hosts;
      }
    }
    return ok ? caps : undefined;
  }

  /** An absolute, normalised guest path. */
  private guestPath(p: string, at: Segment[]): boolean {
    const fail = (why: string, fix: string) => {
      this.c.error("SAM-MANIFEST-024", at, `path "${p}" ${why}`, fix);
      return false;
    };
    // deno-lint-ignore no-control-regex
    if (p === "" || /[\x00-\x1f]/.test(p)) {
      return fail(
        "is empty or contains control characters",
        `use an absolute guest path such as "/workspace"`,
      );
    }
    if (p.includes("\\")) {
      return fail("uses backslashes", `guest paths use forward slashes: "${p.replaceAll("\\", "/")}"`);
    }
    const normal = normalise(p);
    if (!p.startsWith("/")) {
      const inProject = normalise(`/workspace/${p}`);
      return fail(
        "is relative; grants are absolute guest paths (/workspace is the project root)",
        inProject.startsWith("/workspace")
          ? `use "${inProject}"`
          : `use an absolute path such as "/workspace/sub"`,
      );
    }
    if (normal === p) return true;
    if (p.split("/").includes("..")) {
      return fail("uses `..`", `write the path it means without \`..\`: "${normal}"`);
    }
    if (p.endsWith("/")) return fail("ends with a slash", `use "${normal}"`);
    return fail("is not normalised (`//` or `.` segments)", `use "${normal}"`);
  }

  // ---- shared helpers ----

  /** A list of unique strings, each accepted by `check`; undefined when anything is wrong. */
  private entries(
    value: unknown,
    segments: Segment[],
    example: string,
    check: (entry: string, at: Segment[]) => boolean,
  ): string[] | undefined {
    const list = this.stringList(value, segments, example);
    if (list === undefined) return undefined;
    let ok = list.ok;
    const seen = new Set<string>();
    for (const { value: entry, index } of list.values) {
      const at = [...segments, index];
      if (!check(entry, at)) ok = false;
      else if (seen.has(entry)) {
        this.c.error(
          "SAM-MANIFEST-025",
          at,
          `"${entry}" is listed more than once in ${keyPath(segments)}`,
          `remove the repeated "${entry}"`,
        );
        ok = false;
      }
      seen.add(entry);
    }
    return ok ? list.values.map((v) => v.value) : undefined;
  }

  /** The string elements of a list (with their indices); non-strings are reported and set `ok` false. */
  private stringList(
    value: unknown,
    segments: Segment[],
    example: string,
  ): { values: { value: string; index: number }[]; ok: boolean } | undefined {
    const items = this.c.array(value, segments, `write ${example}`, { expected: "a list of strings" });
    if (items === undefined) return undefined;
    let ok = true;
    const values: { value: string; index: number }[] = [];
    items.forEach((item, index) => {
      if (typeof item === "string") values.push({ value: item, index });
      else {
        this.c.mustBe(item, [...segments, index], "a string", `quote it: "${String(item)}"`);
        ok = false;
      }
    });
    return { values, ok };
  }

  private requiredString(value: unknown, segments: Segment[], example: string): string | undefined {
    if (value === undefined) return this.c.missing(segments, `add ${example}`);
    return this.string(value, segments, example);
  }

  private string(value: unknown, segments: Segment[], example: string): string | undefined {
    return this.c.string(value, segments, `write ${example}`);
  }

  private table(value: unknown, segments: Segment[]): Table | undefined {
    return this.c.table(
      value,
      segments,
      `write it as a section: [${keyPath(segments)}] followed by its keys`,
    );
  }

  private unknownKeys(t: Table, segments: Segment[], known: readonly string[]): void {
    for (const key of unknownKeys(t, known)) {
      const close = known.find((k) => editDistance(k, key.toLowerCase()) <= 2);
      const where = segments.length === 0 ? "at the top level" : `in [${keyPath(segments)}]`;
      this.c.warn(
        "SAM-MANIFEST-005",
        [...segments, key],
        `unknown key "${key}" ${where}`,
        close !== undefined
          ? `did you mean "${close}"? (known keys: ${known.join(", ")})`
          : `remove it (known keys: ${known.join(", ")})`,
      );
    }
  }
}

function emptyCapabilities(): Capabilities {
  return { env: [], filesystem: { read: [], write: [] }, network: { hosts: [] } };
}

function typeName(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value instanceof Date) return "a date-time";
  if (typeof value === "number") {
    return Number.isInteger(value) ? `the integer ${value}` : `the number ${value}`;
  }
  if (typeof value === "bigint") return `the integer ${value}`;
  if (typeof value === "boolean") return `${value}`;
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  if (isTable(value)) return "a table";
  return typeof value;
}

/** POSIX normalisation of an absolute path (`..` stops at the root, like the WASI preopens do). */
function normalise(path: string): string {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return "/" + out.join("/");
}

/** Levenshtein distance, for "did you mean" on unknown keys. */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}
