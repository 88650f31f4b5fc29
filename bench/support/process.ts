/**
 * Whole-process timing helpers for benchmarks: spawn `deno run` (or any command) and wait for it, so a
 * bench measures what a user's shell measures, start-up included.
 */

import { RUN_FLAGS } from "../../scripts/flags.ts";
import { HERMETIC_ENV } from "../../tests/support/cli.ts";

export const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** The flags samuel ships with (scripts/flags.ts is their single source). */
export const SAMUEL_FLAGS: readonly string[] = RUN_FLAGS;

/** `SAMUEL_TUF_MIRROR=off` for every samuel a bench spawns: no bench reaches Sigstore's TUF mirror. */
export { HERMETIC_ENV };

/** Runs a command to completion, failing loudly when it does not exit 0 (a broken bench is no bench). */
export async function runToEnd(cmd: string, args: string[], cwd?: string): Promise<void> {
  const { code, stderr } = await new Deno.Command(cmd, { args, cwd, stdout: "null", stderr: "piped" })
    .output();
  if (code !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} exited ${code}: ${new TextDecoder().decode(stderr)}`);
  }
}

/** An empty script in a temp dir: the `deno run` floor every whole-process bench compares against. */
export function emptyScript(): string {
  const dir = Deno.makeTempDirSync({ prefix: "samuel-bench-" });
  const path = `${dir}/empty.ts`;
  Deno.writeTextFileSync(path, "// intentionally empty\n");
  return path;
}
