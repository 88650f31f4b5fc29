/**
 * `samuel install [SOURCE...]`: installs plugins after verifying them (DESIGN.md 6); with no SOURCE,
 * installs exactly what `samuel.lock` records. With a SOURCE in a folder that has no samuel.toml in it or
 * above, the install makes the current folder a samuel project: its commit writes samuel.toml (the text
 * `samuel init` writes, plus the plugin) and says so (`data.created_config`: that path, else null). The work is in `src/store/` (`install.ts`, `from_lock.ts`),
 * loaded lazily.
 *
 * `--json` data:
 * ```
 * { dry_run: boolean, from_lock: boolean, created_config: string | null,
 *   plugins: [{ name, version, previous_version, kind,
 *               action: "installed" | "updated" | "unchanged" | "would-install" | "would-update"
 *                       | "reinstalled" | "would-reinstall",
 *               source, resolved_url, dir, sha256: { module, manifest, bundle? },
 *               verification: { method: "sigstore", san, issuer, log_index, media_type?, integrated_time? }
 *                           | { method: "unsigned", reason },
 *               capabilities: { env, filesystem: { read, write }, network: { hosts }, max_memory,
 *                               timeout_ms, hard_timeout_ms, fuel? },
 *               risky: [{ capability, value, reason }], new_risky: [...],
 *               review: "not-needed" | "yes-flag" | "prompt" | "dry-run",
 *               cache: { hit, stored } | null, warnings: [] }] }
 * ```
 * (Entries reinstalled from the lock carry `fetched_from` instead of `previous_version`/`risky`/`review`.)
 */

import type { CommandResult, Invocation } from "../command.ts";
import { exists } from "../../project/fs.ts";

export async function run(inv: Invocation): Promise<CommandResult> {
  const { installOptions } = await import("../../store/options.ts");
  const opts = await installOptions(
    { ...inv, command: ["samuel install", ...inv.args].join(" ") },
    { newProject: inv.args.length > 0 },
  );
  if (inv.args.length === 0) {
    const { installFromLock } = await import("../../store/from_lock.ts");
    const result = await installFromLock(opts);
    return { data: { dry_run: opts.dryRun, from_lock: true, created_config: null, plugins: result.plugins } };
  }
  const { installSource } = await import("../../store/install.ts");
  const plugins = [];
  for (const source of inv.args) plugins.push(await installSource(source, opts));
  const created = !opts.config.exists && !opts.dryRun && await exists(opts.config.path)
    ? opts.config.path
    : null;
  return { data: { dry_run: opts.dryRun, from_lock: false, created_config: created, plugins } };
}
