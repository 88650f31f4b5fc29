/**
 * `samuel init [--force]`: makes the current folder a samuel project (src/app/init.ts), then says what was
 * written and what to do next.
 *
 * `--json` data: `{ root, files: [samuel.toml, .samuel/.gitignore], replaced }`.
 */

import type { CommandResult, Invocation } from "../command.ts";
import { columns } from "../output.ts";
import { initProject } from "../../app/init.ts";

export async function run(inv: Invocation): Promise<CommandResult> {
  const { root, files, replaced } = await initProject(inv.cwd, inv.flags.force === true, inv.out);
  const [config, gitignore] = files;
  const out = inv.out;
  out.line(
    `${out.style(replaced ? "replaced" : "created", "green")} ${config}${replaced ? " (defaults)" : ""}`,
  );
  out.line(`${out.style("created", "green")} ${gitignore} (keeps installed plugins out of git)`);
  out.line();
  out.line("next:");
  out.line(columns([
    ["  samuel install owner/repo@v1.2.0", "a plugin from a GitHub release (signature verified)"],
    ["  samuel install NAME", "a plugin from the registries in samuel.toml"],
    ["  samuel install file://DIR --allow-unsigned", "a local plugin you are developing"],
  ]));
  out.line("then commit samuel.toml and samuel.lock.");
  return { data: { root, files, replaced } };
}
