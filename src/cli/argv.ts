/**
 * Strict, spec-driven argv parsing. We parse by hand rather than with a general-purpose parser because
 * we need exactly our semantics: unknown flags are errors (with a suggestion), `--` ends flag parsing,
 * `--no-color` is its own flag, values are never coerced to numbers, and list flags repeat. It costs
 * nothing at start-up, which matters on the `samuel run` path (PLATFORM-NOTES: start-up cost).
 *
 * Hand-written on purpose (issue 16), measured: importing an npm parser costs, per whole process, over a
 * bare `deno run` of 19.4 ms (PLATFORM-NOTES): `@bomb.sh/args` +1.8 ms, `type-flag` +3.4, `node:util`
 * `parseArgs` +5.3 (Deno's Node layer), `citty` +17, `arg`, `minimist` and `mri` +22-24, `commander` +31,
 * `yargs-parser` +33, `cleye` +43 (CommonJS pays for the Node layer). `samuel version` as a whole is
 * ~2.4 ms above a bare `deno run` (bench/RESULTS.md: 19.1 ms, 1.14x), so even the cheapest would add
 * about as much as all of samuel's own start-up. The two cheap ones do not give our semantics either:
 * `@bomb.sh/args@0.3.1` takes an unknown `--jsno` as `true`, keeps only the last of a repeated `--dir`,
 * turns `--no-color` into `color: false` and reads flags after `--`; `type-flag@4.5.2` is close (it
 * collects unknown flags and repeats lists) but reports a string flag given no value as an empty string,
 * not as missing. What would stay ours either way (the flag specs, suggestions in suggest.ts, the errors)
 * leaves one loop over argv here: cheaper to keep than a dependency on the run path.
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
