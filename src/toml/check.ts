/**
 * Schema checks of a parsed TOML document, one style for the three files samuel validates
 * (`samuel-plugin.toml` in src/manifest/validate.ts, `samuel.toml` in src/project/config.ts, `samuel.lock`
 * in src/project/lockfile.ts). A `Checker` collects every problem of one file (it never stops at the
 * first), each with its key path, its line, what is wrong and the fix, and offers the typed reads the
 * three need (string, number, boolean, table, array, string array): each returns the value when it has
 * the type asked for, and otherwise records the problem and returns undefined.
 *
 * Lines come from a `KeyLocator`, which scans the text the first time a problem needs a line: a good
 * file never pays for the scan (every `samuel run` reads samuel.lock and an installed manifest).
 *
 * The files word their problems differently (tests and scripts match the texts), so the two failures
 * every read can report, a missing key and a value of the wrong type, are worded by the file's
 * `Wording`: `manifestWording` in validate.ts ("name is required"), `quotedKeyWording` here for
 * samuel.toml and samuel.lock ("`plugin[0].name` is missing").
 */

import { keyPath, type Segment } from "./key_lines.ts";
import type { SamCode } from "../errors.ts";
import type { Problem, Severity } from "./problem.ts";
import type { KeyLocator } from "./scan.ts";

export type Table = Record<string, unknown>;

/** A key path: table keys and array indices. */
export type Path = readonly Segment[];

/** How many problems a report lists; the rest are counted (a generated file can hold one per line). */
export const MAX_PROBLEMS = 100;

/** A TOML table (not an array, not a date-time). */
export function isTable(value: unknown): value is Table {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** The keys of `table` not in `known`, in document order. */
export function unknownKeys(table: Table, known: readonly string[]): string[] {
  return Object.keys(table).filter((key) => !known.includes(key));
}

/** How one file words the failures the typed reads report. */
export interface Wording {
  /** The code of a missing key, and of a value of the wrong type or form. */
  codes: { missing: SamCode; invalid: SamCode };
  missing(key: string): string;
  mustBe(key: string, expected: string, found: unknown): string;
  /** A value of the right type that is not what it must be (`\`key\` = "x" is not a URL`). */
  isNot(key: string, value: unknown, what: string): string;
}

/**
 * samuel.toml's and samuel.lock's wording: "`key` is missing", "`key` must be a table" (with
 * `, found an array` when `showFound`), "`key` = "x" is not an https URL"; every problem has `code`.
 */
export function quotedKeyWording(code: SamCode, showFound: boolean): Wording {
  return {
    codes: { missing: code, invalid: code },
    missing: (key) => `\`${key}\` is missing`,
    mustBe: (key, expected, found) =>
      `\`${key}\` must be ${expected}${showFound ? `, found ${typeName(found)}` : ""}`,
    isNot: (key, value, what) => `\`${key}\` = ${JSON.stringify(value)} is not ${what}`,
  };
}

function typeName(v: unknown): string {
  if (Array.isArray(v)) return "an array";
  if (v instanceof Date) return "a date";
  if (v === null) return "null";
  if (typeof v === "object") return "a table";
  return `a ${typeof v === "bigint" ? "number" : typeof v}`;
}

export interface CheckerOptions {
  /** The file name shown in problems. */
  file: string;
  /** Where the keys are written in the text. */
  locator: KeyLocator;
  wording: Wording;
  /** Report warnings as errors. */
  strict?: boolean;
}

/** Options of every typed read. */
export interface Read {
  /** A missing key is a problem (by default it is only absent: the read returns undefined). */
  required?: boolean;
}

/** Collects the problems of one file; warnings become errors under `strict`. */
export class Checker {
  readonly problems: Problem[] = [];
  readonly wording: Wording;

  constructor(private readonly opts: CheckerOptions) {
    this.wording = opts.wording;
  }

  get hasErrors(): boolean {
    return this.problems.some((p) => p.severity === "error");
  }

  error(code: SamCode, path: Path, message: string, fix: string): undefined {
    return this.#add("error", code, path, message, fix);
  }

  warn(code: SamCode, path: Path, message: string, fix: string): undefined {
    return this.#add(this.opts.strict ? "error" : "warning", code, path, message, fix);
  }

  /** A required key that is not there. */
  missing(path: Path, fix: string): undefined {
    return this.error(this.wording.codes.missing, path, this.wording.missing(keyPath(path)), fix);
  }

  /** A value that is not of the `expected` type. */
  mustBe(value: unknown, path: Path, expected: string, fix: string): undefined {
    return this.error(
      this.wording.codes.invalid,
      path,
      this.wording.mustBe(keyPath(path), expected, value),
      fix,
    );
  }

  /** A value of the right type that is not `what` it must be (`code`: the rule's own, when it has one). */
  isNot(value: unknown, path: Path, what: string, fix: string, code = this.wording.codes.invalid): undefined {
    return this.error(code, path, this.wording.isNot(keyPath(path), value, what), fix);
  }

  /** A string; with `nonEmpty` not empty (`"trim"`: not only blanks), which the message then says. */
  string(
    value: unknown,
    path: Path,
    fix: string,
    opts: Read & { nonEmpty?: true | "trim" } = {},
  ): string | undefined {
    if (value === undefined) return opts.required ? this.missing(path, fix) : undefined;
    const empty = opts.nonEmpty === "trim" ? (s: string) => s.trim() === "" : (s: string) => s === "";
    if (typeof value === "string" && !(opts.nonEmpty && empty(value))) return value;
    return this.mustBe(value, path, opts.nonEmpty ? "a non-empty string" : "a string", fix);
  }

  /** A number (TOML integers past 2^53 arrive as bigint), `accept`ed when given. */
  number(
    value: unknown,
    path: Path,
    fix: string,
    opts: Read & { expected: string; accept?: (n: number) => boolean },
  ): number | undefined {
    if (value === undefined) return opts.required ? this.missing(path, fix) : undefined;
    const n = typeof value === "bigint" ? Number(value) : value;
    if (typeof n === "number" && (opts.accept === undefined || opts.accept(n))) return n;
    return this.mustBe(value, path, opts.expected, fix);
  }

  boolean(value: unknown, path: Path, fix: string, opts: Read = {}): boolean | undefined {
    if (value === undefined) return opts.required ? this.missing(path, fix) : undefined;
    return typeof value === "boolean" ? value : this.mustBe(value, path, "true or false", fix);
  }

  table(value: unknown, path: Path, fix: string, opts: Read = {}): Table | undefined {
    if (value === undefined) return opts.required ? this.missing(path, fix) : undefined;
    return isTable(value) ? value : this.mustBe(value, path, "a table", fix);
  }

  array(
    value: unknown,
    path: Path,
    fix: string,
    opts: Read & { expected?: string } = {},
  ): unknown[] | undefined {
    if (value === undefined) return opts.required ? this.missing(path, fix) : undefined;
    return Array.isArray(value) ? value : this.mustBe(value, path, opts.expected ?? "an array", fix);
  }

  /** An array of strings, as a whole: one problem for the array when any item is not a string. */
  strings(value: unknown, path: Path, fix: string, opts: Read = {}): string[] | undefined {
    if (value === undefined) return opts.required ? this.missing(path, fix) : undefined;
    if (Array.isArray(value) && value.every((x) => typeof x === "string")) return value as string[];
    return this.mustBe(value, path, "an array of strings", fix);
  }

  #add(severity: Severity, code: SamCode, path: Path, message: string, fix: string): undefined {
    const problem: Problem = { file: this.opts.file, key: keyPath(path), message, fix, severity, code };
    const line = this.opts.locator.lineOf(path);
    if (line !== undefined) problem.line = line;
    this.problems.push(problem);
    return undefined;
  }
}

/** `file:line: message` (`file: message` without a line), the form samuel.toml and samuel.lock show. */
export function atLine(p: Pick<Problem, "file" | "line" | "message">): string {
  return `${p.file}${p.line ? `:${p.line}` : ""}: ${p.message}`;
}
