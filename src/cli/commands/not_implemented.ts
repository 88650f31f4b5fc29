/** Placeholder for verbs whose implementation arrives with a later issue: a clear message and exit 1. */

import type { CommandModule } from "../command.ts";
import { Exit, SamuelError } from "../../errors.ts";

export function forIssue(issue: string): CommandModule {
  return {
    run(inv) {
      return Promise.reject(
        new SamuelError({
          code: "SAM-CLI-010",
          message: "not implemented yet",
          exit: Exit.unexpected,
          cause: `this command is planned (tracked in issue ${issue}) but not built in this version`,
          fix: "use a newer samuel release, or see `samuel --help` for what is available",
          details: { args: inv.args },
        }),
      );
    },
  };
}
