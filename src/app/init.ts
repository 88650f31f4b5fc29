/**
 * `samuel init`: makes a folder a samuel project. Writes a commented `samuel.toml` (default registry,
 * cache budget, security policy) and `.samuel/.gitignore` (samuel's machine state stays out of git;
 * `samuel.lock`, written by the first install, is committed). Refuses to replace an existing
 * `samuel.toml` unless `force` (`SAM-INIT-001`, exit 2), since it holds the user's settings; warns when
 * the folder is inside another project.
 */

import { samuelError } from "../errors.ts";
import { writeFileAtomic } from "../project/atomic.ts";
import { defaultConfigText } from "../project/config.ts";
import { withProjectLock } from "../project/file_lock.ts";
import { exists } from "../project/fs.ts";
import { absolute, dirname, findProjectRoot, projectPaths, STATE_GITIGNORE } from "../project/paths.ts";
import type { Reporter } from "./io.ts";

export interface InitResult {
  root: string;
  /** samuel.toml and .samuel/.gitignore. */
  files: string[];
  /** True when an existing samuel.toml was replaced (`force`). */
  replaced: boolean;
}

export async function initProject(cwd: string, force: boolean, out: Reporter): Promise<InitResult> {
  const root = absolute(cwd);
  const paths = projectPaths(root);

  const refuse = () =>
    samuelError("SAM-INIT-001", {
      message: `${paths.config} already exists`,
      cause: "samuel init does not overwrite a project's settings",
      fix:
        "keep it (it is your project's configuration), or run `samuel init --force` to replace it with the defaults",
    });
  // Checked before taking the lock so the common mistake fails fast, and again under it against races.
  if (!force && await exists(paths.config)) throw refuse();

  const parent = dirname(root) !== root ? findProjectRoot(dirname(root)) : undefined;
  if (parent) {
    out.warn(`${parent} is already a samuel project; this creates a separate project nested inside it`);
  }

  const replaced = await withProjectLock(root, async () => {
    const had = await exists(paths.config);
    if (had && !force) throw refuse();
    await writeFileAtomic(paths.config, defaultConfigText());
    await Deno.mkdir(paths.stateDir, { recursive: true });
    await writeFileAtomic(paths.stateGitignore, STATE_GITIGNORE);
    return had;
  }, { command: `samuel init${force ? " --force" : ""}` });

  return { root, files: [paths.config, paths.stateGitignore], replaced };
}
