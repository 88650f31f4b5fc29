/**
 * Runs the real `samuel` CLI as a subprocess (`deno run <flags> main.ts ...`) with the same permission
 * flags as the `samuel` task, so tests see exactly what a user sees: exit code, stdout, stderr, and the
 * parsed `--json` envelope when there is one.
 *
 * Every run gets `HERMETIC_ENV` first (a test's own `env` may override it): `SAMUEL_TUF_MIRROR=off`, so no
 * `install`/`update` in a test refreshes the trusted root from Sigstore's public TUF mirror. Verification
 * then uses the root the test gives (`--trusted-root`) or the embedded snapshot, the same on every machine,
 * and no test reaches beyond 127.0.0.1. The tests of the refresh itself point `SAMUEL_TUF_MIRROR` at a TUF
 * repository they serve locally (tests/support/tuf_repo.ts). Every other place that spawns samuel
 * (tests/dist/*, tests/install/transaction_test.ts, bench/) uses the same constant.
 */

import { RUN_FLAGS } from "../../scripts/flags.ts";

export const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** The flags samuel ships with (scripts/flags.ts is their single source). */
export { RUN_FLAGS };

/** The environment that keeps a spawned samuel off the public network (see the module doc). */
export const HERMETIC_ENV: Readonly<Record<string, string>> = { SAMUEL_TUF_MIRROR: "off" };

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
    env: { NO_COLOR: "1", ...HERMETIC_ENV, ...opts.env },
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
