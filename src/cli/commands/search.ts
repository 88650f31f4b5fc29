/**
 * `samuel search QUERY`: the plugins in the registries of `samuel.toml` whose name or description holds
 * every word of QUERY (name matches first; an earlier registry shadows a later one). An unreachable
 * registry is skipped with a warning. The index client is `src/source/registry.ts`.
 *
 * `--json` data: `{ query, results: [{ name, description, source, versions, latest, kind, registry,
 * installed_version }] }` (`installed_version` null when not installed here).
 */

import type { CommandResult, Invocation } from "../command.ts";
import { columns } from "../output.ts";
import { projectRoot } from "../../project/paths.ts";

export async function run(inv: Invocation): Promise<CommandResult> {
  const query = inv.args.join(" ");
  const root = projectRoot(inv.cwd);
  const { loadConfig } = await import("../../project/config.ts");
  const { readLockfile } = await import("../../project/lockfile.ts");
  const { registriesFor } = await import("../../app/fetch.ts");
  const { search } = await import("../../source/mod.ts");
  const config = await loadConfig(root, { optional: true });
  const lock = await readLockfile(root);
  const entries = await search(query, registriesFor(config.registries, root), {
    cwd: inv.cwd,
    warn: (m) => inv.out.warn(m),
  });
  const semver = (await import("npm:semver@7.8.6")).default;
  const results = entries.map((e) => ({
    name: e.name,
    description: e.description ?? "",
    source: e.source,
    versions: e.versions,
    latest: semver.maxSatisfying(e.versions, "*") ?? e.versions[e.versions.length - 1] ?? null,
    kind: e.kind ?? null,
    registry: e.registry,
    installed_version: lock.plugins.find((p) => p.name === e.name)?.version ?? null,
  }));
  const out = inv.out;
  if (results.length === 0) out.line(`no plugin matches ${JSON.stringify(query)}`);
  else {
    out.line(columns([
      ["NAME", "LATEST", "DESCRIPTION", "INSTALLED"],
      ...results.map((r) => [r.name, r.latest ?? "-", r.description || "-", r.installed_version ?? "-"]),
    ]));
  }
  return { data: { query, results } };
}
