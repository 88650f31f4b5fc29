/**
 * Strict, spec-driven argv parsing. We parse by hand rather than with a general-purpose parser because
 * we need exactly our semantics: unknown flags are errors (with a suggestion), `--` ends flag parsing,
 * `--no-color` is its own flag, values are never coerced to numbers, and list flags repeat. It costs
 * nothing at start-up, which matters on the `samuel run` path (PLATFORM-NOTES: start-up cost).
 */

import type { FlagSpec } from "./command.ts";

export type FlagValues = Record<string, string | boolean | string[] | undefined>;

export interface ParsedArgv {
  positionals: string[];
  flags: FlagValues;
  /** Arguments after a literal `--`. */
  rest: string[];
  /** Flags that are not declared, as typed (e.g. `--jsno`). */
  unknown: string[];
  /** Declared string/list flags given without a value. */
  missingValue: string[];
}

/** Parses `argv` against `specs`; never throws (the caller turns problems into errors). */
export function parseArgv(argv: readonly string[], specs: readonly FlagSpec[]): ParsedArgv {
  const byName = new Map<string, FlagSpec>();
  for (const spec of specs) {
    byName.set(spec.name, spec);
    if (spec.alias) byName.set(spec.alias, spec);
  }
  const out: ParsedArgv = { positionals: [], flags: {}, rest: [], unknown: [], missingValue: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      out.rest = argv.slice(i + 1);
      break;
    }
    if (arg.length < 2 || arg[0] !== "-" || arg === "-") {
      out.positionals.push(arg);
      continue;
    }
    const long = arg.startsWith("--");
    const body = long ? arg.slice(2) : arg.slice(1);
    const eq = body.indexOf("=");
    const key = eq >= 0 ? body.slice(0, eq) : body;
    const spec = byName.get(key);
    // Short flags must be single letters; `-abc` is not bundled on purpose (it is a typo more often).
    if (!spec || (!long && key.length !== 1) || (long && key.length === 1)) {
      out.unknown.push(long ? `--${key}` : `-${key}`);
      continue;
    }
    if (spec.type === "boolean") {
      if (eq >= 0) {
        const v = body.slice(eq + 1);
        out.flags[spec.name] = !(v === "false" || v === "0" || v === "no");
      } else {
        out.flags[spec.name] = true;
      }
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = body.slice(eq + 1);
    // A following `--flag` is taken as a forgotten value, not as the value (`--timeout --json`).
    else if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) value = argv[++i];
    if (value === undefined) {
      out.missingValue.push(`--${spec.name}`);
      continue;
    }
    if (spec.type === "list") {
      const prev = out.flags[spec.name];
      out.flags[spec.name] = Array.isArray(prev) ? [...prev, value] : [value];
    } else {
      out.flags[spec.name] = value;
    }
  }
  return out;
}
