/**
 * `samuel search QUERY`: the plugins in the registries of `samuel.toml` whose name or description holds
 * every word of QUERY (name matches first; an earlier registry shadows a later one), each with its latest
 * version and the version installed here. An unreachable registry is skipped with a warning. The index
 * client is `src/source/registry.ts`.
 */

import { loadConfig } from "../project/config.ts";
import { readLockfile } from "../project/lockfile.ts";
import { projectRoot } from "../project/paths.ts";
import { registriesFor } from "./fetch.ts";
import type { Reporter } from "./io.ts";

/** One search hit, as the `--json` envelope shows it. */
export interface SearchHit {
  name: string;
  description: string;
  source: string;
  versions: string[];
  latest: string | null;
  kind: string | null;
  registry: string;
  /** Null when not installed in this project. */
  installed_version: string | null;
}

/** The highest version of `versions` (semver), else the last one listed; null when there is none. */
export async function latestOf(versions: string[]): Promise<string | null> {
  const semver = (await import("npm:semver@7.8.6")).default;
  return semver.maxSatisfying(versions, "*") ?? versions[versions.length - 1] ?? null;
}

export async function searchRegistries(cwd: string, query: string, out: Reporter): Promise<SearchHit[]> {
  const root = projectRoot(cwd);
  const { search } = await import("../source/mod.ts");
  const config = await loadConfig(root, { optional: true });
  const lock = await readLockfile(root);
  const entries = await search(query, registriesFor(config.registries, root), {
    cwd,
    warn: (m) => out.warn(m),
  });
  const hits: SearchHit[] = [];
  for (const e of entries) {
    hits.push({
      name: e.name,
      description: e.description ?? "",
      source: e.source,
      versions: e.versions,
      latest: await latestOf(e.versions),
      kind: e.kind ?? null,
      registry: e.registry,
      installed_version: lock.plugins.find((p) => p.name === e.name)?.version ?? null,
    });
  }
  return hits;
}
