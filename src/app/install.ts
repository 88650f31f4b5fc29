/**
 * `samuel install [SOURCE...]`: each SOURCE in turn through the install transaction
 * (`install_source.ts`), or, with none, exactly what `samuel.lock` records (`from_lock.ts`). With a SOURCE
 * in a folder that has no samuel.toml in it or above, the first commit writes one (the text `samuel init`
 * writes, plus the plugin) and `created_config` names it. The transaction modules are loaded only when
 * used: downloads and verification pull in the HTTP stack and Sigstore.
 */

import type { TrustRootInfo } from "../verify/trust_source.ts";
import { exists } from "../project/fs.ts";
import type { LockedReport } from "./from_lock.ts";
import type { InstallOptions, InstallReport } from "./install_source.ts";

/** What `samuel install` did, as the `--json` envelope shows it. */
export interface InstallResult {
  dry_run: boolean;
  from_lock: boolean;
  /** The samuel.toml this install created, else null. */
  created_config: string | null;
  /** The trusted root signatures were checked against (null when none was verified). */
  trust_root: TrustRootInfo | null;
  plugins: (InstallReport | LockedReport)[];
}

export async function installPlugins(
  sources: readonly string[],
  opts: InstallOptions,
): Promise<InstallResult> {
  const result = (from_lock: boolean, created_config: string | null, plugins: InstallResult["plugins"]) => ({
    dry_run: opts.dryRun,
    from_lock,
    created_config,
    trust_root: opts.trust.info ?? null,
    plugins,
  });
  if (sources.length === 0) {
    const { installFromLock } = await import("./from_lock.ts");
    return result(true, null, (await installFromLock(opts)).plugins);
  }
  const { installSource } = await import("./install_source.ts");
  const plugins = [];
  for (const source of sources) plugins.push(await installSource(source, opts));
  const created = !opts.config.exists && !opts.dryRun && await exists(opts.config.path)
    ? opts.config.path
    : null;
  return result(false, created, plugins);
}
