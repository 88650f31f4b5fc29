/**
 * One `samuel doctor` check, as data: `{ id, status, message, fix?, details?, plugin?, exit? }` with a
 * stable `id`, and the helpers the check modules share (doctor.ts, doctor_plugin.ts, doctor_source.ts):
 * the worse of two statuses, and a failing check made from a thrown error.
 */

import { type ExitCode, isSamuelError } from "../errors.ts";

export type CheckStatus = "ok" | "warn" | "fail";

export interface Check {
  /** Stable identifier, e.g. `project.config`, `plugin.hello.module`, `cache.integrity`. */
  id: string;
  status: CheckStatus;
  /** What was found, in one line. */
  message: string;
  /** What to do about a warning or failure. */
  fix?: string;
  /** Structured facts (digests, problems, paths, the health invocation). */
  details?: unknown;
  /** The plugin a `plugin.*` check is about. */
  plugin?: string;
  /** For a failure: the exit class it stands for (see doctor.ts). */
  exit?: ExitCode;
}

/** Records a check as it completes and hands it back. */
export type AddCheck = (c: Check) => Check;

const STATUS_RANK: Record<CheckStatus, number> = { ok: 0, warn: 1, fail: 2 };

export function worst(a: CheckStatus, b: CheckStatus): CheckStatus {
  return STATUS_RANK[b] > STATUS_RANK[a] ? b : a;
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A failing check from a thrown error (a SamuelError keeps its message, fix and exit class). */
export function failFrom(id: string, e: unknown, fallback: ExitCode, plugin?: string): Check {
  const c: Check = isSamuelError(e)
    ? {
      id,
      status: "fail",
      message: e.message,
      fix: e.fix,
      details: e.reason === undefined && e.details === undefined
        ? undefined
        : { code: e.code, cause: e.reason, details: e.details },
      exit: e.exit,
    }
    : { id, status: "fail", message: errorMessage(e), exit: fallback };
  if (plugin) c.plugin = plugin;
  return c;
}
