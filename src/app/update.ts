/**
 * `samuel update [NAME]`: re-resolves each locked plugin's source as the user gave it (`owner/repo` means
 * the latest release; `owner/repo@v1` stays on v1; `name@^1` takes the highest match), re-verifies it,
 * and installs it through the same transaction as `install` (`install_source.ts`). What an update adds:
 * - the capability review shows the difference against the lock and asks only for *new* risky grants;
 * - a signer identity other than the one pinned in the lock is refused unless `--accept-new-signer`;
 * - a source that now publishes a plugin of another name is refused.
 * Plugins are updated one by one; the first failure stops the run (earlier ones stay updated, each being
 * its own transaction).
 */

import { readLockfile } from "../project/lockfile.ts";
import { type InstallOptions, type InstallReport, installSource } from "./install_source.ts";
import { samuelError } from "../errors.ts";

export async function updatePlugins(
  name: string | undefined,
  opts: InstallOptions,
): Promise<InstallReport[]> {
  const lock = await readLockfile(opts.root);
  const targets = name === undefined ? lock.plugins : lock.plugins.filter((p) => p.name === name);
  if (name !== undefined && targets.length === 0) {
    throw samuelError("SAM-INSTALL-009", {
      message: `${name} is not installed (samuel.lock has no entry for it)`,
      fix: lock.plugins.length
        ? `installed plugins: ${lock.plugins.map((p) => p.name).join(", ")}; to add one, use samuel install`
        : "nothing is installed here; use samuel install SOURCE",
    });
  }
  if (targets.length === 0) opts.out.line("nothing to update: samuel.lock lists no plugins");
  const reports: InstallReport[] = [];
  for (const entry of targets) reports.push(await installSource(entry.source, opts, "update", entry.name));
  return reports;
}
