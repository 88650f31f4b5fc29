/**
 * `samuel init`: makes the current folder a samuel project. Writes a commented `samuel.toml` (default
 * registry, cache budget, security policy) and `.samuel/.gitignore` (samuel's machine state stays out of
 * git; `samuel.lock`, written by the first install, is committed). Refuses to replace an existing
 * `samuel.toml` unless `--force`, since it holds the user's settings.
 */

import type { CommandResult, Invocation } from "../command.ts";
import { columns } from "../output.ts";
import { invalidInput } from "../../errors.ts";
import { writeFileAtomic } from "../../project/atomic.ts";
import { defaultConfigText } from "../../project/config.ts";
import { withProjectLock } from "../../project/file_lock.ts";
import { absolute, dirname, findProjectRoot, projectPaths, STATE_GITIGNORE } from "../../project/paths.ts";
import { exists } from "../../project/fs.ts";

export async function run(inv: Invocation): Promise<CommandResult> {
  const root = absolute(inv.cwd);
  const force = inv.flags.force === true;
  const paths = projectPaths(root);

  const refuse = () =>
    invalidInput(
      "SAM-INIT-001",
      `${paths.config} already exists`,
      "keep it (it is your project's configuration), or run `samuel init --force` to replace it with the defaults",
      "samuel init does not overwrite a project's settings",
    );
  // Checked before taking the lock so the common mistake fails fast, and again under it against races.
  if (!force && await exists(paths.config)) throw refuse();

  const parent = dirname(root) !== root ? findProjectRoot(dirname(root)) : undefined;
  if (parent) {
    inv.out.warn(`${parent} is already a samuel project; this creates a separate project nested inside it`);
  }

  const replaced = await withProjectLock(root, async () => {
    const had = await exists(paths.config);
    if (had && !force) throw refuse();
    await writeFileAtomic(paths.config, defaultConfigText());
    await Deno.mkdir(paths.stateDir, { recursive: true });
    await writeFileAtomic(paths.stateGitignore, STATE_GITIGNORE);
    return had;
  }, { command: `samuel init${force ? " --force" : ""}` });

  const files = [paths.config, paths.stateGitignore];
  const out = inv.out;
  out.line(
    `${out.style(replaced ? "replaced" : "created", "green")} ${paths.config}${
      replaced ? " (defaults)" : ""
    }`,
  );
  out.line(`${out.style("created", "green")} ${paths.stateGitignore} (keeps installed plugins out of git)`);
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
