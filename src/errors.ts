/**
 * Errors as values: every failure a user can meet is a `SamuelError` with a stable code
 * (`SAM-<AREA>-<NNN>`), a message saying what failed, a cause saying why, a fix saying what to do, and
 * the process exit code of its class (DESIGN.md section 8). Every code and its exit are listed once, in
 * src/errors/catalogue.ts; `samuelError(code, {...})` is the one constructor. Deep modules create these;
 * only the CLI renders them. Anything else that escapes is an unexpected error (exit 1).
 */

import { CATALOGUE, type ExitCode, type SamCode } from "./errors/catalogue.ts";

export { Exit, type ExitCode, type SamCode } from "./errors/catalogue.ts";

/** The serialisable shape of an error, as it appears in the `--json` envelope. */
export interface ErrorInfo {
  code: SamCode;
  message: string;
  cause?: string;
  fix?: string;
  /** Extra structured facts (e.g. every manifest problem), shown in `--json` and `--verbose`. */
  details?: unknown;
}

/** What an error says besides its code (the exit comes from the code: src/errors/catalogue.ts). */
export interface ErrorText {
  /** What failed. */
  message: string;
  /** Why it failed. */
  cause?: string;
  /** How to fix it. */
  fix?: string;
  details?: unknown;
  /** The underlying exception, kept for `--verbose` stack traces. */
  inner?: unknown;
}

/** A user-facing failure with a stable code and exit code. */
export class SamuelError extends Error {
  readonly code: SamCode;
  readonly exit: ExitCode;
  readonly reason?: string;
  readonly fix?: string;
  readonly details?: unknown;
  readonly inner?: unknown;

  /** Use `samuelError(code, {...})`, the one constructor (tests/errors/catalogue_test.ts holds it). */
  constructor(code: SamCode, init: ErrorText) {
    super(init.message);
    (this as unknown as Record<symbol, unknown>)[BRAND] = true;
    this.name = "SamuelError";
    this.code = code;
    this.exit = CATALOGUE[code].exit;
    this.reason = init.cause;
    this.fix = init.fix;
    this.details = init.details;
    this.inner = init.inner;
  }

  toInfo(): ErrorInfo {
    const info: ErrorInfo = { code: this.code, message: this.message };
    if (this.reason !== undefined) info.cause = this.reason;
    if (this.fix !== undefined) info.fix = this.fix;
    if (this.details !== undefined) info.details = this.details;
    return info;
  }
}

/**
 * The one way to make an error: `samuelError("SAM-RUN-005", { message, cause, fix, details, inner })`. The
 * exit code is the code's, from the catalogue.
 */
export function samuelError(code: SamCode, init: ErrorText): SamuelError {
  return new SamuelError(code, init);
}

/** The exit code of `code` (src/errors/catalogue.ts). */
export function exitOf(code: SamCode): ExitCode {
  return CATALOGUE[code].exit;
}

/**
 * Marks every SamuelError, so that one made by another copy of this module is still recognised: the
 * bundle the binary is built from (scripts/bundle.ts) has the run path in one file and loads the rest
 * on demand, each with its own copy of this class.
 */
const BRAND = Symbol.for("samuel.SamuelError");

/** True when `e` is a SamuelError, also one made by another copy of this module. Prefer it to instanceof. */
export function isSamuelError(e: unknown): e is SamuelError {
  return e instanceof Error && (e as unknown as Record<symbol, unknown>)[BRAND] === true;
}

/**
 * True when `e` is the OS saying the disk (or the user's quota) is full: ENOSPC, EDQUOT, or Windows'
 * ERROR_DISK_FULL / ERROR_HANDLE_DISK_FULL.
 */
export function isDiskFull(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  if (code === "ENOSPC" || code === "EDQUOT") return true;
  if (/No space left on device|Disk quota exceeded/.test(e.message)) return true;
  return Deno.build.os === "windows" && /\(os error (112|39)\)/.test(e.message);
}

/**
 * `SAM-DISK-001` (exit 1): writing `path` failed because its disk is full. Every write samuel makes to a
 * project or its home is atomic (a temp file renamed into place) or rolled back, so the message can say
 * that nothing was left half-written.
 */
export function diskFullError(path: string | undefined, e: unknown): SamuelError {
  const where = path ? `writing ${path}` : "writing a file";
  return samuelError("SAM-DISK-001", {
    message: `no space left on the disk: ${where} failed; nothing was left half-written`,
    cause: e instanceof Error ? e.message : String(e),
    fix: `free some space on the disk${path ? ` holding ${path}` : ""} (or point SAMUEL_HOME or TMPDIR at ` +
      "another disk when that is the full one), then run the command again",
    details: path ? { path } : undefined,
    inner: e,
  });
}

/** Wraps anything thrown into a SamuelError; non-samuel errors become SAM-INTERNAL-001 (exit 1). */
export function toSamuelError(e: unknown): SamuelError {
  if (isSamuelError(e)) return e;
  if (isDiskFull(e)) {
    // Deno names the path for path-based calls (`writefile '/x'`, `copy '/a' -> '/b'`): the last one.
    const quoted = [...(e as Error).message.matchAll(/'([^']+)'/g)].map((m) => m[1]);
    return diskFullError(quoted.at(-1), e);
  }
  const message = e instanceof Error ? e.message : String(e);
  return samuelError("SAM-INTERNAL-001", {
    message: `unexpected error: ${message}`,
    cause: "this is a bug in samuel, not in your input",
    fix: "re-run with --verbose and report the output at the samuel issue tracker",
    inner: e,
  });
}
