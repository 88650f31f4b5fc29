/**
 * `samuel update [NAME]`: re-resolves, re-verifies and re-installs locked plugins (all, or NAME), asking
 * only for new risky capabilities and refusing a changed signer without `--accept-new-signer`
 * (`src/app/update.ts`; flags read in src/cli/install_flags.ts).
 *
 * `--json` data: `{ dry_run, trust_root, plugins: [...] }` with the same `trust_root` and plugin shape as
 * `samuel install`; `action` is `updated`, `unchanged` (up to date) or `would-update`. A refusal after a
 * trusted root was resolved carries `data: { trust_root }` next to the error.
 */

import type { CommandResult, Invocation } from "../command.ts";
import { failureWithTrustRoot, installRequest } from "../install_flags.ts";
import { samuelError } from "../../errors.ts";

export async function run(inv: Invocation): Promise<CommandResult> {
  if (inv.args.length > 1) {
    throw samuelError("SAM-INSTALL-013", {
      message: "update takes at most one plugin name",
      fix: "run `samuel update [NAME]`",
    });
  }
  const { installOptions } = await import("../../app/install_options.ts");
  const opts = await installOptions(installRequest(inv, ["samuel update", ...inv.args].join(" ")));
  try {
    const { updatePlugins } = await import("../../app/update.ts");
    const plugins = await updatePlugins(inv.args[0], opts);
    return { data: { dry_run: opts.dryRun, trust_root: opts.trust.info ?? null, plugins } };
  } catch (e) {
    return failureWithTrustRoot(e, opts);
  }
}
