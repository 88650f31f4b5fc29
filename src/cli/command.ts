/**
 * The contract between `main.ts` and one command: how a command declares its flags and help, what it
 * receives when it runs, and what it returns. Commands live in `src/cli/commands/`, one file each, and
 * are loaded lazily so a command only pays start-up time for its own imports.
 */

import type { ErrorInfo } from "../errors.ts";
import type { Output } from "./output.ts";

/** One flag a command accepts (global flags are declared in `globals.ts`). */
export interface FlagSpec {
  /** Long name without dashes, e.g. `allow-unsigned`. */
  name: string;
  /** One-letter alias without dash. */
  alias?: string;
  /** `boolean` flags take no value; `string` flags take one; `list` flags may repeat. */
  type: "boolean" | "string" | "list";
  /** Placeholder in help, e.g. `FILE`. */
  value?: string;
  description: string;
}

/** Static description of a command: enough for help, "did you mean" and flag validation. */
export interface CommandSpec {
  /** Words that select the command, e.g. `["plugin", "exec"]`. */
  path: string[];
  aliases?: string[];
  summary: string;
  /** Usage line after `samuel `, e.g. `install [SOURCE] [--yes]`. */
  usage: string;
  /** Longer description shown under the usage line. */
  description?: string;
  examples: string[];
  flags: FlagSpec[];
  /**
   * `passthrough` commands receive everything after their path verbatim in `args` (e.g. `plugin exec`,
   * whose guest arguments follow `--`); they parse their own flags.
   */
  passthrough?: boolean;
  /** Lazily loads the implementation. */
  load: () => Promise<CommandModule>;
}

/** Parsed invocation handed to a command. */
export interface Invocation {
  /** Positional arguments after the command path. */
  args: string[];
  /** Command-specific flag values, keyed by long name (`list` flags are arrays). */
  flags: Record<string, string | boolean | string[] | undefined>;
  /** Everything after the command path, unparsed (for passthrough commands). */
  raw: string[];
  global: GlobalFlags;
  out: Output;
  cwd: string;
}

export interface GlobalFlags {
  json: boolean;
  verbose: boolean;
  color: boolean;
  strict: boolean;
  yes: boolean;
}

/** What a command returns: data for the envelope, lines for humans, the exit code. */
export interface CommandResult {
  /** Goes into the `data` field of the `--json` envelope. */
  data?: unknown;
  /** Exit code; defaults to 0 (or the failure's exit code when `error` is set). */
  exit?: number;
  /**
   * A failure that still carries data (e.g. `run`: the plugin's output and report): the envelope says
   * `ok: false` with both `data` and `error`; humans see the error on stderr.
   */
  error?: ErrorInfo;
  /**
   * Set by commands that own stdout themselves (e.g. `plugin exec` passing the guest's stdio through):
   * no envelope or human summary is printed.
   */
  raw?: boolean;
}

export interface CommandModule {
  run(inv: Invocation): Promise<CommandResult>;
}
