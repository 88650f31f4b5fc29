/**
 * `samuel uninstall NAME...`: removes each plugin's files, its `samuel.toml` entry and its `samuel.lock`
 * entry with its grants, all or nothing per plugin (`src/app/uninstall.ts`).
 *
 * `--json` data: `{ plugins: [{ name, version, removed: { files, config_entry, lock_entry }, dir, dry_run }] }`.
 */

import type { CommandResult, Invocation } from "../command.ts";
import { samuelError } from "../../errors.ts";
import { projectRoot } from "../../project/paths.ts";

export async function run(inv: Invocation): Promise<CommandResult> {
  if (inv.args.length === 0) {
    throw samuelError("SAM-INSTALL-013", {
      message: "uninstall needs a plugin name",
      fix: "run `samuel uninstall NAME` (see samuel ls)",
    });
  }
  const { uninstallPlugin } = await import("../../app/uninstall.ts");
  const root = projectRoot(inv.cwd);
  const dryRun = inv.flags["dry-run"] === true;
  const plugins = [];
  for (const name of inv.args) {
    const r = await uninstallPlugin(root, name, {
      out: inv.out,
      dryRun,
      command: `samuel uninstall ${name}`,
    });
    const what = [
      r.removed.files && "files",
      r.removed.config_entry && "samuel.toml entry",
      r.removed.lock_entry && "samuel.lock entry and grants",
    ]
      .filter(Boolean).join(", ");
    inv.out.line(
      `${inv.out.style(name, "bold")}${r.version ? ` ${r.version}` : ""} ${
        dryRun ? "would be removed" : "removed"
      } (${what})`,
    );
    plugins.push(r);
  }
  return { data: { plugins } };
}
