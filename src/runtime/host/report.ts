/**
 * The per-invocation report of the `samuel` host module: every denial (`denied: network.outbound
 * evil.test not in allowlist`, `denied: exec …`, `denied: filesystem.read …`), the log lines kept, the
 * count of log lines dropped by the rate limit, the network calls made, and notes about upstream imports
 * this host only stubs. `samuel run --json` carries `toJSON()` in its envelope; human output prints the
 * denials and the log summary.
 *
 * Memory is bounded whatever the guest does: a guest looping over a denied call a million times leaves
 * the first entries and a count of the rest, never a million strings.
 */

/** Log levels of `samuel.log`; anything else a guest sends is read as `info`. */
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error";

export interface LogLine {
  level: LogLevel;
  message: string;
  /** Milliseconds since the invocation started. */
  time_ms: number;
}

export interface NetCall {
  method: string;
  /** `URL.host` of the request (host and non-default port), never the path or query (they carry secrets). */
  host: string;
  /** Final HTTP status; absent when the call failed before a response. */
  status?: number;
  /** Response body bytes received. */
  bytes: number;
  /** Redirect hops followed. */
  redirects: number;
  ms: number;
  /** Code name from codes.ts when the call failed (`DENIED`, `TIMEOUT`, …). */
  error?: string;
}

/** The JSON shape of a report (snake_case like the rest of the `--json` envelope). */
export interface ReportData {
  plugin: string;
  denials: string[];
  /** Denials beyond the kept ones. */
  denials_omitted: number;
  log: LogLine[];
  log_dropped: number;
  /** `log` calls ignored because their pointers were outside guest memory. */
  log_invalid: number;
  net_calls: NetCall[];
  net_calls_omitted: number;
  notes: string[];
}

/** How many entries of each list a report keeps; the rest are counted. */
export const REPORT_LIMIT = 256;

export class InvocationReport {
  readonly plugin: string;
  readonly denials: string[] = [];
  denialsOmitted = 0;
  readonly log: LogLine[] = [];
  logDropped = 0;
  logInvalid = 0;
  readonly netCalls: NetCall[] = [];
  netCallsOmitted = 0;
  readonly notes: string[] = [];

  constructor(plugin: string) {
    this.plugin = plugin;
  }

  /** Records a denial line; it must start with `denied: ` followed by the capability. */
  deny(line: string): void {
    if (this.denials.length < REPORT_LIMIT) this.denials.push(line);
    else this.denialsOmitted++;
  }

  /**
   * Keeps a log line; false (and counted as dropped) past 4096 lines, which the 10 lines/s bucket only
   * reaches after ~7 minutes: a long-running plugin's report stays bounded.
   */
  addLog(line: LogLine): boolean {
    if (this.log.length >= REPORT_LIMIT * 16) {
      this.logDropped++;
      return false;
    }
    this.log.push(line);
    return true;
  }

  addNetCall(call: NetCall): void {
    if (this.netCalls.length < REPORT_LIMIT) this.netCalls.push(call);
    else this.netCallsOmitted++;
  }

  /** Records a note once (repeats of the same text are ignored). */
  note(text: string): void {
    if (this.notes.length < REPORT_LIMIT && !this.notes.includes(text)) this.notes.push(text);
  }

  toJSON(): ReportData {
    return {
      plugin: this.plugin,
      denials: this.denials,
      denials_omitted: this.denialsOmitted,
      log: this.log,
      log_dropped: this.logDropped,
      log_invalid: this.logInvalid,
      net_calls: this.netCalls,
      net_calls_omitted: this.netCallsOmitted,
      notes: this.notes,
    };
  }
}
