/**
 * `samuel search QUERY`: searches the `index.toml` of the registries in `samuel.toml`. The registry client
 * belongs to `src/source/`; until it is part of this build the command says so (exit 2).
 */

import type { CommandResult, Invocation } from "../command.ts";
import { Exit, SamuelError } from "../../errors.ts";

export function run(inv: Invocation): Promise<CommandResult> {
  return Promise.reject(
    new SamuelError({
      code: "SAM-SOURCE-012",
      message: `cannot search for ${
        JSON.stringify(inv.args.join(" "))
      }: registry search is not available in this build yet`,
      exit: Exit.invalidInput,
      fix: "browse the registry's index.toml directly, or install from owner/repo@tag",
    }),
  );
}
