/**
 * Runs the real `samuel` CLI as a subprocess (`deno run <flags> main.ts ...`) with the same permission
 * flags as the `samuel` task, so tests see exactly what a user sees: exit code, stdout, stderr, and the
 * parsed `--json` envelope when there is one.
 */

import { RUN_FLAGS } from "../../scripts/flags.ts";

export const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** The flags samuel ships with (scripts/flags.ts is their single source). */
export { RUN_FLAGS };

export interface CliResult {
  code: number;
  /** True when `timeoutMs` passed and the process was killed. */
  timedOut?: boolean;
  stdout: string;
  stderr: string;
  // deno-lint-ignore no-explicit-any
  json?: any;
}

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string>;
  stdin?: string | Uint8Array;
  /** Kills the process after this long (the result then has `timedOut`). */
  timeoutMs?: number;
  /** A command that runs samuel (e.g. `["/usr/bin/time", "-v", "-o", file]`), for measurements. */
  wrap?: string[];
}

export async function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  const deadline = opts.timeoutMs === undefined ? undefined : AbortSignal.timeout(opts.timeoutMs);
  const samuel = [Deno.execPath(), "run", "-q", ...RUN_FLAGS, MAIN, ...args];
  const [program, ...rest] = [...(opts.wrap ?? []), ...samuel];
  const cmd = new Deno.Command(program, {
    args: rest,
    cwd: opts.cwd,
    env: { NO_COLOR: "1", ...opts.env },
    stdin: opts.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    signal: deadline,
  });
  const child = cmd.spawn();
  if (opts.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(typeof opts.stdin === "string" ? new TextEncoder().encode(opts.stdin) : opts.stdin);
    await writer.close();
  }
  const { code, stdout, stderr } = await child.output();
  const result: CliResult = {
    code,
    timedOut: deadline?.aborted ?? false,
    stdout: new TextDecoder().decode(stdout),
    stderr: new TextDecoder().decode(stderr),
  };
  if (args.includes("--json")) {
    try {
      result.json = JSON.parse(result.stdout);
    } catch {
      // Left undefined: the test asserting on it reports stdout.
    }
  }
  return result;
}
