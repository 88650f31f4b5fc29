/**
 * `samuel search QUERY`: the plugins in the registries of `samuel.toml` matching QUERY (src/app/search.ts),
 * as a table.
 *
 * `--json` data: `{ query, results: [{ name, description, source, versions, latest, kind, registry,
 * installed_version }] }` (`installed_version` null when not installed here).
 */

import type { CommandResult, Invocation } from "../command.ts";
import { columns } from "../output.ts";

export async function run(inv: Invocation): Promise<CommandResult> {
  const query = inv.args.join(" ");
  const { searchRegistries } = await import("../../app/search.ts");
  const results = await searchRegistries(inv.cwd, query, inv.out);
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
