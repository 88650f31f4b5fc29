/**
 * `samuel info NAME`: a plugin's manifest, source and verification. For an installed plugin, its lock
 * entry and what the installed manifest copy says (summary, exports); a name that is not installed is
 * looked up in the registries of `samuel.toml` (`SAM-REGISTRY-004`, exit 2, when none lists it).
 */

import type { LockedPlugin } from "../project/lockfile.ts";
import { join, projectRoot } from "../project/paths.ts";
import type { IndexEntry } from "../source/registry.ts";
import type { Reporter } from "./io.ts";
import { type ListedPlugin, listPlugins } from "./list.ts";
import { latestOf } from "./search.ts";

export interface InstalledInfo {
  installed: true;
  plugin: ListedPlugin & { locked: LockedPlugin };
  /** From the installed manifest copy; empty when it cannot be read (the status says why). */
  summary: string;
  exports: string[];
}

export interface RegistryInfo {
  installed: false;
  entry: IndexEntry;
  latest: string | null;
}

export async function pluginInfo(
  cwd: string,
  name: string,
  out: Reporter,
): Promise<InstalledInfo | RegistryInfo> {
  const root = projectRoot(cwd);
  const { plugins } = await listPlugins(root, out);
  const p = plugins.find((x) => x.name === name);
  if (!p || !p.locked) return await registryInfo(cwd, root, name, out);
  let summary = "";
  let exports: string[] = [];
  try {
    const { parseManifest } = await import("../manifest/mod.ts");
    const text = await Deno.readTextFile(join(p.dir, "samuel-plugin.toml"));
    const m = (await parseManifest(text, { trusted: true })).manifest;
    if (m) {
      summary = m.summary;
      if (m.kind === "wasm") exports = m.wasm.exports;
    }
  } catch { /* status says the files are missing */ }
  return { installed: true, plugin: { ...p, locked: p.locked }, summary, exports };
}

async function registryInfo(cwd: string, root: string, name: string, out: Reporter): Promise<RegistryInfo> {
  const { loadConfig } = await import("../project/config.ts");
  const { registriesFor } = await import("./fetch.ts");
  const { info } = await import("../source/mod.ts");
  const config = await loadConfig(root, { optional: true });
  const entry = await info(name, registriesFor(config.registries, root), {
    cwd,
    warn: (m) => out.warn(m),
  });
  return { installed: false, entry, latest: await latestOf(entry.versions) };
}
