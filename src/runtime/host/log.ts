/**
 * `samuel.log(level_ptr, level_len, msg_ptr, msg_len)`: the guest's structured log, always allowed and
 * rate-limited per invocation by a token bucket (10 lines per second, burst 10). Kept lines go to a sink
 * (the runtime prints `[plugin] level: msg` on stderr, see `formatLogLine`) and into the report; dropped
 * lines are only counted, and `finish()` emits one summary line at the end.
 *
 * - Levels: `trace|debug|info|warn|error`, ASCII case-insensitive; anything else is `info`.
 * - Messages: invalid UTF-8 is replaced (U+FFFD); more than 4 KiB is cut at a character boundary with a
 *   `… [truncated N bytes]` marker; control characters (ESC, CR, LF, …) are escaped as `\xNN`, so a
 *   guest can neither drive the user's terminal nor forge a line that looks like another plugin's.
 * - A rejected line costs no decoding: the bucket is checked before memory is read.
 * - Out-of-bounds pointers drop the line and count it in `log_invalid`; nothing is thrown.
 */

import type { GuestMemory } from "../wasi/memory.ts";
import type { InvocationReport, LogLevel, LogLine } from "./report.ts";

/** Receives each kept line (and the final summary). Exceptions from the sink are ignored. */
export type LogSink = (line: LogLine, plugin: string) => void;

export const LOG_RATE_PER_SECOND = 10;
export const LOG_BURST = 10;
export const LOG_MAX_MESSAGE_BYTES = 4096;

const lossy = new TextDecoder("utf-8");
// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;

/** Formats a line the way the runtime prints it on stderr. */
export function formatLogLine(plugin: string, line: LogLine): string {
  return `[${plugin}] ${line.level}: ${line.message}`;
}

/** A token bucket: `take()` succeeds at most `burst` times at once and `rate` times per second after. */
export class TokenBucket {
  #tokens: number;
  #last: number;
  readonly #rate: number;
  readonly #burst: number;
  readonly #now: () => number;

  constructor(rate: number, burst: number, now: () => number) {
    this.#rate = rate / 1000;
    this.#burst = burst;
    this.#tokens = burst;
    this.#now = now;
    this.#last = now();
  }

  take(): boolean {
    const t = this.#now();
    const refill = (t - this.#last) * this.#rate;
    if (refill > 0) {
      this.#tokens = Math.min(this.#burst, this.#tokens + refill);
      this.#last = t;
    }
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

export interface LogHostOptions {
  plugin: string;
  memory: GuestMemory;
  report: InvocationReport;
  sink?: LogSink;
  /** Clock in milliseconds (default `performance.now`); injectable so tests can run seconds in no time. */
  now?: () => number;
  /** The invocation's start on that clock (default: now). */
  start?: number;
}

export interface LogHost {
  log(levelPtr: number, levelLen: number, msgPtr: number, msgLen: number): void;
  /** Emits the summary of dropped lines (once); call when the invocation ends. */
  finish(): void;
}

export function createLog(opts: LogHostOptions): LogHost {
  const { plugin, memory, report, sink } = opts;
  const now = opts.now ?? (() => performance.now());
  const start = opts.start ?? now();
  const bucket = new TokenBucket(LOG_RATE_PER_SECOND, LOG_BURST, now);
  let finished = false;

  const emit = (line: LogLine) => {
    if (!report.addLog(line) || sink === undefined) return;
    try {
      sink(line, plugin);
    } catch {
      // A closed stderr must not fail the plugin, and must never throw into the guest.
    }
  };

  return {
    log(levelPtr, levelLen, msgPtr, msgLen) {
      if (!bucket.take()) {
        report.logDropped++;
        return;
      }
      // Checked here rather than through GuestMemory's throwing checks: a bad range is counted, not coded.
      memory.refresh();
      const u8 = memory.u8;
      const lp = levelPtr >>> 0, ll = levelLen >>> 0, mp = msgPtr >>> 0, ml = msgLen >>> 0;
      if (lp + ll > u8.length || mp + ml > u8.length) {
        report.logInvalid++;
        return;
      }
      const level = parseLevel(u8, lp, ll);
      emit({ level, message: readMessage(u8, mp, ml), time_ms: round(now() - start) });
    },
    finish() {
      if (finished) return;
      finished = true;
      if (report.logDropped === 0) return;
      const n = report.logDropped;
      const message = `samuel: ${n} log line${
        n === 1 ? "" : "s"
      } dropped (limit ${LOG_RATE_PER_SECOND} lines/s)`;
      const line: LogLine = { level: "warn", message, time_ms: round(now() - start) };
      // The summary goes to the sink only: the report already carries the count as `log_dropped`.
      try {
        sink?.(line, plugin);
      } catch {
        // See emit().
      }
    },
  };
}

const LEVELS: readonly LogLevel[] = ["trace", "debug", "info", "warn", "error"];

/** Matches the level bytes without decoding them (ASCII, case-insensitive). */
function parseLevel(u8: Uint8Array, ptr: number, len: number): LogLevel {
  for (const level of LEVELS) {
    if (level.length !== len) continue;
    let i = 0;
    while (i < len && (u8[ptr + i] | 0x20) === level.charCodeAt(i)) i++;
    if (i === len) return level;
  }
  return "info";
}

function readMessage(u8: Uint8Array, ptr: number, len: number): string {
  let n = len;
  if (n > LOG_MAX_MESSAGE_BYTES) {
    n = LOG_MAX_MESSAGE_BYTES;
    // Back off continuation bytes so a multi-byte character is not cut into a replacement character.
    while (n > 0 && (u8[ptr + n] & 0xc0) === 0x80) n--;
  }
  let text = lossy.decode(u8.subarray(ptr, ptr + n));
  CONTROL.lastIndex = 0;
  if (CONTROL.test(text)) text = text.replace(CONTROL, escapeControl);
  return n < len ? `${text}… [truncated ${len - n} bytes]` : text;
}

function escapeControl(c: string): string {
  return `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
