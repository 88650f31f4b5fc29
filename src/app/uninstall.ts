/**
 * `samuel uninstall NAME`: removes the plugin's folder `.samuel/plugins/<name>/`, its `[[plugins]]` entry
 * in `samuel.toml` (only that block; comments and other entries stay byte for byte) and its `samuel.lock`
 * entry, which holds its grants, all or nothing (`store/transaction.ts`). The module cache is shared between
 * projects and is left to its LRU budget. A name found nowhere is `SAM-INSTALL-009` (exit 2); a name
 * found in only some places is cleaned up wherever it is.
 */

import { removePlugin } from "../project/config.ts";
import { withProjectLock } from "../project/file_lock.ts";
import { findLockedPlugin, readLockfile, removeLockedPlugin } from "../project/lockfile.ts";
import { pluginDir } from "../project/paths.ts";
import type { Reporter } from "./io.ts";
import { applyChange, recoverInterrupted } from "../store/transaction.ts";
import { existsQuiet } from "../project/fs.ts";
import { samuelError } from "../errors.ts";

export interface UninstallReport {
  name: string;
  version: string | null;
  removed: { files: boolean; config_entry: boolean; lock_entry: boolean };
  dir: string;
  dry_run: boolean;
}

export async function uninstallPlugin(
  root: string,
  name: string,
  opts: { out: Reporter; dryRun?: boolean; command?: string },
): Promise<UninstallReport> {
  const { loadConfig } = await import("../project/config.ts");
  return await withProjectLock(root, async () => {
    const repaired = await recoverInterrupted(root);
    if (repaired) opts.out.warn(`rolled back an interrupted change to ${repaired}`);
    const config = await loadConfig(root);
    const lock = await readLockfile(root);
    const locked = findLockedPlugin(lock, name);
    const inConfig = config.plugins.some((p) => p.name === name);
    const dir = pluginDir(root, name);
    const hasDir = await existsQuiet(dir);
    if (!locked && !inConfig && !hasDir) {
      const known = [...new Set([...lock.plugins.map((p) => p.name), ...config.plugins.map((p) => p.name)])];
      throw samuelError("SAM-INSTALL-009", {
        message: `${name} is not installed in ${root}`,
        fix: known.length
          ? `installed plugins: ${known.join(", ")} (see samuel ls)`
          : "nothing is installed here",
      });
    }
    const report: UninstallReport = {
      name,
      version: locked?.version ?? null,
      removed: { files: hasDir, config_entry: inConfig, lock_entry: locked !== undefined },
      dir,
      dry_run: opts.dryRun === true,
    };
    if (!opts.dryRun) {
      await applyChange(root, {
        plugin: name,
        staged: null,
        editConfig: (text, file) => removePlugin(text, name, file),
        editLock: (l) => removeLockedPlugin(l, name),
      });
    }
    return report;
  }, { command: opts.command });
}
