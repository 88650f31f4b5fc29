/** Flags every command accepts, and how they combine with the environment (NO_COLOR, TTY). */

import type { FlagSpec, GlobalFlags } from "./command.ts";
import type { FlagValues } from "./argv.ts";

export const GLOBAL_FLAGS: readonly FlagSpec[] = [
  { name: "json", type: "boolean", description: "print one JSON envelope on stdout (for scripts and CI)" },
  { name: "verbose", alias: "v", type: "boolean", description: "show debug detail and stack traces" },
  { name: "no-color", type: "boolean", description: "plain output (also: NO_COLOR=1, or not a TTY)" },
  { name: "strict", type: "boolean", description: "treat warnings (e.g. unknown manifest keys) as errors" },
  { name: "help", alias: "h", type: "boolean", description: "show help for the command" },
];

/** Resolves the global flags; colour needs a TTY on stdout and stderr and no opt-out. */
export function resolveGlobals(flags: FlagValues): GlobalFlags {
  const json = flags["json"] === true;
  const noColorEnv = (Deno.env.get("NO_COLOR") ?? "") !== "";
  const tty = Deno.stdout.isTerminal() && Deno.stderr.isTerminal();
  return {
    json,
    verbose: flags["verbose"] === true,
    color: !json && !noColorEnv && flags["no-color"] !== true && tty,
    strict: flags["strict"] === true,
    yes: flags["yes"] === true,
  };
}
