/**
 * The plugin manifest (`samuel-plugin.toml`, DESIGN.md 3.1): parse the text with smol-toml, validate
 * every rule (validate.ts) and hand back the typed `Manifest` with every problem found, or, through
 * `loadManifest`, throw one `SamuelError` (exit 2) carrying all of them.
 *
 * Start-up cost: the `semver` package (CommonJS, ~20 ms to load) is imported lazily, on the first
 * `parseManifest`/`loadManifest` call that checks versions, i.e. from `install`, `update`, `plugin
 * validate` and `doctor`. The `run` path re-reads the installed manifest copy (its digest is pinned in
 * samuel.lock) with `{ trusted: true }`, which skips those checks and never loads semver. The runtime's
 * network check imports `hosts.ts` directly, which has no dependencies.
 */

import { parse, TomlError } from "npm:smol-toml@1.9.1";
import { SamuelError, samuelError } from "../errors.ts";
import { PROTOCOL, VERSION } from "../version.ts";
import type { Manifest } from "./schema.ts";
import type { Problem } from "../toml/problem.ts";
import { KeyLocator } from "../toml/scan.ts";
import { type SemverApi, validateManifest, type ValidationResult } from "./validate.ts";
import { describeLimit, type LimitExceeded, parseWithin, readWithin, TOML_LIMITS } from "../toml/limits.ts";

export type { Capabilities, Manifest, PluginKind, SkillManifest, WasmManifest } from "./schema.ts";
export type { Problem, Severity } from "../toml/problem.ts";
export { DEFAULTS, RESERVED_EXPORTS } from "./schema.ts";
export type { ValidationResult } from "./validate.ts";
export { capProblems, MAX_PROBLEMS } from "./validate.ts";
export { formatDuration, parseDuration } from "./duration.ts";
export { checkHostPattern, hostAllowed } from "./hosts.ts";
export { insideWorkspace, type RiskyGrant, riskyGrants } from "./risk.ts";

/** The manifest's file name inside a plugin folder. */
export const MANIFEST_FILE = "samuel-plugin.toml";

export interface ParseOptions {
  /** Name shown in problems (default `samuel-plugin.toml`). */
  file?: string;
  /** Report warnings (unknown keys, ...) as errors. */
  strict?: boolean;
  /**
   * Skip the semver checks (version syntax, framework and protocol ranges): only for an installed
   * manifest copy whose digest the lock vouches for, so the run path does not load semver.
   */
  trusted?: boolean;
  /** This build's identity; tests override it, everyone else leaves it alone. */
  build?: { version: string; protocol: number };
}

let semverModule: Promise<SemverApi> | undefined;

function loadSemver(): Promise<SemverApi> {
  semverModule ??= import("npm:semver@7.8.6").then((m) => (m.default ?? m) as SemverApi);
  return semverModule;
}

/** Parses and validates manifest text; `manifest` is present when there is no error. */
export async function parseManifest(text: string, opts: ParseOptions = {}): Promise<ValidationResult> {
  const file = opts.file ?? MANIFEST_FILE;
  let read: ReturnType<typeof parseWithin>;
  try {
    read = parseWithin(text, TOML_LIMITS.manifest, parse);
  } catch (e) {
    if (!(e instanceof TomlError)) throw e;
    return { problems: [syntaxProblem(file, e)] };
  }
  // Lines are scanned only when a problem needs one (an oversized text never: its problem has no key);
  // within the size bound the scanner is linear.
  const locator = new KeyLocator(text);
  if ("over" in read) return { problems: [limitProblem(file, read.over, locator)] };
  return validateManifest(read.doc, {
    file,
    strict: opts.strict ?? false,
    locator,
    semver: opts.trusted ? undefined : await loadSemver(),
    version: opts.build?.version ?? VERSION,
    protocol: opts.build?.protocol ?? PROTOCOL,
  });
}

/** A bound of src/toml/limits.ts passed (`SAM-MANIFEST-032`): the file is not validated further. */
function limitProblem(file: string, v: LimitExceeded, locator?: KeyLocator): Problem {
  const d = describeLimit(v, file);
  const problem: Problem = {
    file,
    key: "",
    message: d.message,
    fix: d.fix,
    severity: "error",
    code: "SAM-MANIFEST-032",
  };
  const line = locator?.lineOf(v.path);
  if (line !== undefined) problem.line = line;
  return problem;
}

function syntaxProblem(file: string, e: TomlError): Problem {
  // smol-toml's message repeats the source with a caret; the first line is the reason.
  const reason = e.message.split("\n")[0].replace(/^Invalid TOML document:\s*/, "");
  const problem: Problem = {
    file,
    key: "",
    message: `not valid TOML: ${reason}`,
    fix: "correct the syntax at the given line and column (https://toml.io/en/v1.0.0)",
    severity: "error",
    code: "SAM-MANIFEST-002",
  };
  if (e.line > 0) problem.line = e.line;
  if (e.column > 0) problem.column = e.column;
  return problem;
}

/** A manifest read from disk. */
export interface LoadedManifest {
  /** The file path as displayed in problems. */
  file: string;
  manifest: Manifest;
  /** Warnings only (errors throw). */
  problems: Problem[];
  /** The exact bytes read, e.g. for the lock's manifest digest. */
  bytes: Uint8Array;
}

/** Where the manifest of `dir` is: `dir` itself when it names a file, else `<dir>/samuel-plugin.toml`. */
export async function manifestPath(dir: string): Promise<string> {
  try {
    if ((await Deno.stat(dir)).isFile) return dir;
  } catch {
    // A missing folder is reported when reading the manifest, with the better message.
  }
  if (dir === "" || dir === ".") return MANIFEST_FILE;
  return `${dir.replace(/\/+$/, "")}/${MANIFEST_FILE}`;
}

/**
 * Reads the bytes of `file`, or returns the problem saying why it cannot be read (missing, a folder,
 * permission denied, not UTF-8).
 */
export async function readManifestText(file: string): Promise<{ text: string; bytes: Uint8Array } | Problem> {
  let bytes: Uint8Array;
  try {
    const read = await readWithin(file, TOML_LIMITS.manifest);
    if ("limit" in read) return limitProblem(file, read);
    bytes = read;
  } catch (e) {
    const missing = e instanceof Deno.errors.NotFound;
    return {
      file,
      key: "",
      message: missing
        ? `${file} not found`
        : `cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`,
      fix: missing
        ? `run the command in the plugin's folder (or pass that folder), or create a plugin with samuel new plugin`
        : `check that the file is readable`,
      severity: "error",
      code: "SAM-MANIFEST-001",
    };
  }
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes), bytes };
  } catch {
    return {
      file,
      key: "",
      message: `${file} is not UTF-8 text`,
      fix: "save the manifest as UTF-8 (TOML requires it)",
      severity: "error",
      code: "SAM-MANIFEST-002",
    };
  }
}

/**
 * Reads and validates `<dir>/samuel-plugin.toml` (or `dir` itself when it is a file). Throws one
 * SamuelError (exit 2) when it is unreadable or has any error: code of the first error, `details` holding
 * every problem. Returns the manifest with its warnings otherwise.
 */
export async function loadManifest(
  dir: string,
  opts: Omit<ParseOptions, "file"> = {},
): Promise<LoadedManifest> {
  const file = await manifestPath(dir);
  const read = await readManifestText(file);
  if ("code" in read) throw manifestError(file, [read]);
  const result = await parseManifest(read.text, { ...opts, file });
  if (result.manifest === undefined) throw manifestError(file, result.problems, undefined, result.omitted);
  return { file, manifest: result.manifest, problems: result.problems, bytes: read.bytes };
}

/**
 * One SamuelError summarising the problems of an invalid manifest (those listed in `details`; `omitted`
 * counts the ones past `MAX_PROBLEMS`). `more` tells the user where the other errors are; the default
 * points at `samuel plugin validate`.
 */
export function manifestError(
  file: string,
  problems: Problem[],
  more = "run samuel plugin validate to list them all",
  omitted?: ValidationResult["omitted"],
): SamuelError {
  const listed = problems.filter((p) => p.severity === "error");
  const errors = { length: listed.length + (omitted?.errors ?? 0) };
  const first = listed[0] ?? problems[0];
  if (first?.code === "SAM-MANIFEST-001" || first?.code === "SAM-MANIFEST-032") {
    return samuelError(first.code, {
      message: first.code === "SAM-MANIFEST-032" ? formatProblem(first) : first.message,
      fix: first.fix,
      details: problems,
    });
  }
  const count = `${errors.length} error${errors.length === 1 ? "" : "s"}`;
  const others = errors.length - 1;
  return samuelError(first?.code ?? "SAM-MANIFEST-002", {
    message: `invalid plugin manifest ${file}: ${count}` +
      (omitted
        ? ` (${problems.length} problems listed, ${omitted.errors + omitted.warnings} more not listed)`
        : ""),
    cause: first === undefined ? undefined : formatProblem(first),
    fix: first === undefined
      ? undefined
      : first.fix + (others > 0 ? ` (and ${others} more error${others === 1 ? "" : "s"}: ${more})` : ""),
    details: problems,
  });
}

/** `file:line:col: key: message`, the one-line form used by the CLI and error causes. */
export function formatProblem(p: Problem): string {
  let where = p.file;
  if (p.line !== undefined) where += `:${p.line}`;
  if (p.line !== undefined && p.column !== undefined) where += `:${p.column}`;
  return p.key === "" ? `${where}: ${p.message}` : `${where}: ${p.key}: ${p.message}`;
}
