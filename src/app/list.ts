/**
 * What is installed in a project, for `ls` and `info`: every plugin of `samuel.lock` and of `samuel.toml`,
 * with its version, verification, grants, and whether its files are in place (`ok`), missing or changed
 * (`files-missing`, `files-changed`: `samuel install` repairs both), or requested but never installed
 * (`not-installed`). A transaction left by a killed process is rolled back first when the project lock is
 * free (else reported as `pending_transaction`).
 */

import { loadConfig } from "../project/config.ts";
import { type LockedPlugin, readLockfile } from "../project/lockfile.ts";
import { pluginDir } from "../project/paths.ts";
import { riskyGrants } from "../manifest/mod.ts";
import { grantsJson } from "./grants.ts";
import { installedIntact, verificationJson } from "./install_source.ts";
import type { Reporter } from "./io.ts";
import { repairIfNeeded } from "../store/transaction.ts";
import { existsQuiet } from "../project/fs.ts";

export type PluginStatus = "ok" | "files-missing" | "files-changed" | "not-installed";

export interface ListedPlugin {
  name: string;
  version: string | null;
  kind: string | null;
  source: string;
  resolved_url: string | null;
  status: PluginStatus;
  verification: Record<string, unknown> | null;
  capabilities: Record<string, unknown> | null;
  risky: { capability: string; value: string; reason: string }[];
  installed_at: string | null;
  dir: string;
  locked: LockedPlugin | null;
}

/** Repairs a killed process's leftovers when the lock is free; true when a change is in flight. */
export async function settlePending(root: string, out: Reporter): Promise<boolean> {
  const pending = await repairIfNeeded(root, (m) => out.warn(m), 0);
  if (pending) {
    out.warn("another samuel command is changing this project right now; the list may be out of date");
  }
  return pending;
}

export async function listPlugins(
  root: string,
  out: Reporter,
): Promise<{ plugins: ListedPlugin[]; pending: boolean }> {
  const pending = await settlePending(root, out);
  const config = await loadConfig(root, { optional: true });
  const lock = await readLockfile(root);
  const names = [...new Set([...lock.plugins.map((p) => p.name), ...config.plugins.map((p) => p.name)])]
    .sort();
  const plugins: ListedPlugin[] = [];
  for (const name of names) {
    const locked = lock.plugins.find((p) => p.name === name);
    const request = config.plugins.find((p) => p.name === name);
    const dir = pluginDir(root, name);
    if (!locked) {
      plugins.push({
        name,
        version: null,
        kind: null,
        source: request!.source,
        resolved_url: null,
        status: "not-installed",
        verification: null,
        capabilities: null,
        risky: [],
        installed_at: null,
        dir,
        locked: null,
      });
      continue;
    }
    const status: PluginStatus = (await installedIntact(root, locked))
      ? "ok"
      : (await existsQuiet(dir))
      ? "files-changed"
      : "files-missing";
    plugins.push({
      name,
      version: locked.version,
      kind: locked.kind,
      source: locked.source,
      resolved_url: locked.resolvedUrl,
      status,
      verification: verificationJson(locked.verification),
      capabilities: grantsJson(locked.capabilities),
      risky: riskyGrants(locked.capabilities),
      installed_at: locked.installedAt,
      dir,
      locked,
    });
  }
  return { plugins, pending };
}
