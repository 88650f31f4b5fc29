/**
 * Everything the CLI prints. Human mode writes lines to stdout (results) and stderr (warnings, notes),
 * coloured only on a TTY without NO_COLOR / --no-color. JSON mode prints nothing but one envelope on
 * stdout at the end: `{ ok, command, data, error, warnings }` (DESIGN.md section 8).
 */

import type { ErrorInfo } from "../errors.ts";

export interface Envelope {
  ok: boolean;
  command: string;
  data: unknown;
  error: ErrorInfo | null;
  warnings: string[];
}

const encoder = new TextEncoder();

const ansi = {
  red: "\x1b[31m",
  green: "\x1b[32m",
  yellow: "\x1b[33m",
  dim: "\x1b[2m",
  bold: "\x1b[1m",
  reset: "\x1b[0m",
} as const;

export type Style = keyof Omit<typeof ansi, "reset">;

export class Output {
  readonly json: boolean;
  readonly color: boolean;
  readonly verbose: boolean;
  readonly warnings: string[] = [];

  constructor(opts: { json: boolean; color: boolean; verbose: boolean }) {
    this.json = opts.json;
    this.color = opts.color;
    this.verbose = opts.verbose;
  }

  /** Applies a style when colour is on. */
  style(text: string, style: Style): string {
    return this.color ? `${ansi[style]}${text}${ansi.reset}` : text;
  }

  /** A result line for humans (stdout); silent in JSON mode. */
  line(text = ""): void {
    if (!this.json) writeAll(Deno.stdout, text + "\n");
  }

  /** A note for humans (stderr); silent in JSON mode. */
  note(text: string): void {
    if (!this.json) writeAll(Deno.stderr, text + "\n");
  }

  /** A warning: on stderr for humans, in the envelope's `warnings` for JSON. */
  warn(text: string): void {
    this.warnings.push(text);
    if (!this.json) writeAll(Deno.stderr, `${this.style("warning", "yellow")}: ${text}\n`);
  }

  /** Detail shown only with --verbose (stderr; never in JSON stdout). */
  debug(text: string): void {
    if (this.verbose) writeAll(Deno.stderr, this.style(text, "dim") + "\n");
  }

  /** Prints the JSON envelope (JSON mode only). */
  envelope(env: Envelope): void {
    if (this.json) writeAll(Deno.stdout, JSON.stringify(env, null, 2) + "\n");
  }

  /** Renders an error for humans on stderr: what, why, how to fix, with its code. */
  error(info: ErrorInfo): void {
    if (this.json) return;
    const lines = [`${this.style("error", "red")}[${info.code}]: ${info.message}`];
    if (info.cause) lines.push(`  cause: ${info.cause}`);
    if (info.fix) lines.push(`  fix: ${info.fix}`);
    writeAll(Deno.stderr, lines.join("\n") + "\n");
  }
}

/** Synchronous full write (writeSync may write partially on pipes). */
export function writeAll(file: { writeSync(p: Uint8Array): number }, text: string | Uint8Array): void {
  let bytes = typeof text === "string" ? encoder.encode(text) : text;
  while (bytes.length > 0) {
    const n = file.writeSync(bytes);
    bytes = bytes.subarray(n);
  }
}

/** Formats rows as aligned columns (human tables for `ls`, `search`, `doctor`). */
export function columns(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => widths[i] = Math.max(widths[i] ?? 0, cell.length));
  }
  return rows.map((row) => row.map((c, i) => i === row.length - 1 ? c : c.padEnd(widths[i])).join("  "))
    .join("\n");
}
