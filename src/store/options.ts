/**
 * Builds the install transaction's options from a parsed command line: the project root and config, the
 * output, and the flags shared by `install` and `update` (`--yes`, `--allow-unsigned`, `--trusted-root`,
 * `--dry-run`, `--frozen`, `--accept-new-signer`, `--strict`).
 *
 * `newProject` (install with a SOURCE): a folder with no samuel.toml in it or above is not an error but a
 * project to be: the install goes ahead against the default configuration and its commit writes
 * `samuel.toml` (what `samuel init` writes, plus the plugin) in the current folder, the way `npm install`
 * creates package.json. Every other command still needs an existing samuel.toml (SAM-CONFIG-001).
 */

import { loadConfig } from "../project/config.ts";
import { projectRoot } from "../project/paths.ts";
import type { InstallOptions } from "./install.ts";
import type { Reporter } from "./review.ts";

export interface CommandInput {
  cwd: string;
  flags: Record<string, string | boolean | string[] | undefined>;
  global: { strict: boolean; yes: boolean };
  out: Reporter;
  command: string;
}

export async function installOptions(
  inv: CommandInput,
  { newProject = false }: { newProject?: boolean } = {},
): Promise<InstallOptions> {
  const root = projectRoot(inv.cwd);
  const config = await loadConfig(root, { optional: newProject });
  for (const w of config.warnings) inv.out.warn(w);
  const trusted = inv.flags["trusted-root"];
  return {
    root,
    cwd: inv.cwd,
    config,
    out: inv.out,
    strict: inv.global.strict,
    allowUnsignedFlag: inv.flags["allow-unsigned"] === true,
    trustedRootFlag: typeof trusted === "string" ? trusted : undefined,
    dryRun: inv.flags["dry-run"] === true,
    yes: inv.global.yes || inv.flags["yes"] === true,
    acceptNewSigner: inv.flags["accept-new-signer"] === true,
    frozen: inv.flags["frozen"] === true,
    command: inv.command,
  };
}
