/**
 * `samuel update [NAME]`: re-resolves, re-verifies and re-installs locked plugins (all, or NAME), asking
 * only for new risky capabilities and refusing a changed signer without `--accept-new-signer`
 * (`src/store/update.ts`).
 *
 * `--json` data: `{ dry_run, plugins: [...] }` with the same plugin shape as `samuel install`; `action` is
 * `updated`, `unchanged` (up to date) or `would-update`.
 */

import type { CommandResult, Invocation } from "../command.ts";
import { invalidInput } from "../../errors.ts";

export async function run(inv: Invocation): Promise<CommandResult> {
  if (inv.args.length > 1) {
    throw invalidInput(
      "SAM-INSTALL-013",
      "update takes at most one plugin name",
      "run `samuel update [NAME]`",
    );
  }
  const { installOptions } = await import("../../store/options.ts");
  const opts = await installOptions({ ...inv, command: ["samuel update", ...inv.args].join(" ") });
  const { updatePlugins } = await import("../../store/update.ts");
  const plugins = await updatePlugins(inv.args[0], opts);
  return { data: { dry_run: opts.dryRun, plugins } };
}
