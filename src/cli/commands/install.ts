/**
 * `samuel install [SOURCE...]`: installs plugins after verifying them (DESIGN.md 6); with no SOURCE,
 * installs exactly what `samuel.lock` records. With a SOURCE in a folder that has no samuel.toml in it or
 * above, the install makes the current folder a samuel project: its commit writes samuel.toml (the text
 * `samuel init` writes, plus the plugin) and says so (`data.created_config`: that path, else null). The flags
 * are read in src/cli/install_flags.ts; the work is src/app/install.ts's, loaded lazily.
 *
 * `--json` data:
 * ```
 * { dry_run: boolean, from_lock: boolean, created_config: string | null,
 *   trust_root: { source: "tuf" | "cache" | "embedded" | "file", fetched_at, expires, mirror, file,
 *                 refresh_error } | null   (null when no signature was verified),
 *   plugins: [{ name, version, previous_version, kind,
 *               action: "installed" | "updated" | "unchanged" | "would-install" | "would-update"
 *                       | "reinstalled" | "would-reinstall",
 *               source, resolved_url, dir, sha256: { module, manifest, bundle? },
 *               verification: { method: "sigstore", san, issuer, log_index, attestation?, predicate_type?,
 *                               media_type?, integrated_time?, bundle_source? }
 *                           | { method: "unsigned", reason },
 *               capabilities: { env, filesystem: { read, write }, network: { hosts }, max_memory,
 *                               timeout_ms, hard_timeout_ms, fuel? },
 *               risky: [{ capability, value, reason }], new_risky: [...],
 *               review: "not-needed" | "yes-flag" | "prompt" | "dry-run",
 *               cache: { hit, stored } | null, warnings: [] }] }
 * ```
 * (Entries reinstalled from the lock carry `fetched_from` instead of `previous_version`/`risky`/`review`.)
 * A refusal after a trusted root was resolved (e.g. a signature that root does not trust) carries
 * `data: { trust_root }` next to the error.
 */

import type { CommandResult, Invocation } from "../command.ts";
import { failureWithTrustRoot, installRequest } from "../install_flags.ts";

export async function run(inv: Invocation): Promise<CommandResult> {
  const { installOptions } = await import("../../app/install_options.ts");
  const opts = await installOptions(
    installRequest(inv, ["samuel install", ...inv.args].join(" ")),
    { newProject: inv.args.length > 0 },
  );
  try {
    const { installPlugins } = await import("../../app/install.ts");
    return { data: await installPlugins(inv.args, opts) };
  } catch (e) {
    return failureWithTrustRoot(e, opts);
  }
}
