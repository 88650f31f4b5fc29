// Log lines through the host.

import { host_log } from "./abi";
import { ptr, utf8 } from "./memory";

/** The log levels of protocol 1, from the most to the least verbose. */
export namespace Level {
  export const TRACE = "trace";
  export const DEBUG = "debug";
  export const INFO = "info";
  export const WARN = "warn";
  export const ERROR = "error";
}

/**
 * Sends one line to the host's log at `level` (a `Level`; anything else is logged as info). The host
 * rate-limits plugins to 10 lines per second per invocation and reports how many lines it dropped, so
 * log progress, not every item.
 */
export function log(level: string, msg: string): void {
  const l = utf8(level);
  const m = utf8(msg);
  host_log(ptr(l), l.length, ptr(m), m.length);
}
