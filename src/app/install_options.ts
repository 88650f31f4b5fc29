/**
 * Builds the install transaction's options from what `install` and `update` were asked (an
 * `InstallRequest`: plain values, which the CLI reads from its flags in src/cli/install_flags.ts): the
 * project root and config, and the command's trust root session (`src/verify/trust_source.ts`: the
 * `--trusted-root` file, else a TUF-refreshed, cached or embedded root, resolved on the first signature to
 * check).
 *
 * `newProject` (install with a SOURCE): a folder with no samuel.toml in it or above is not an error but a
 * project to be: the install goes ahead against the default configuration and its commit writes
 * `samuel.toml` (what `samuel init` writes, plus the plugin) in the current folder, the way `npm install`
 * creates package.json. Every other command still needs an existing samuel.toml (SAM-CONFIG-001).
 */

import { loadConfig, type ProjectConfig } from "../project/config.ts";
import { absolute, homePaths, isAbsolute, join, projectRoot } from "../project/paths.ts";
import { TrustRootSession } from "../verify/trust_source.ts";
import type { InstallOptions } from "./install_source.ts";
import type { ProgressSink, Prompter, Reporter } from "./io.ts";

/** What `install` or `update` was asked to do, as plain values. */
export interface InstallRequest {
  cwd: string;
  out: Reporter;
  /** Asks about risky grants (absent: nobody can answer). */
  prompter?: Prompter;
  /** Shows each download's progress (absent: nothing shown). */
  progress?: ProgressSink;
  /** The command line, shown to processes waiting for the project lock. */
  command: string;
  /** Manifest warnings are errors. */
  strict: boolean;
  /** A trusted_root.json that replaces TUF (relative to `cwd`). */
  trustedRoot?: string;
  /** Skip signature verification (recorded in the lock). */
  allowUnsigned: boolean;
  /** Show what would happen, change nothing. */
  dryRun: boolean;
  /** Accept the requested capabilities. */
  yes: boolean;
  /** Accept a signer other than the one samuel.lock pins. */
  acceptNewSigner: boolean;
  /** Fail when samuel.lock would change (CI). */
  frozen: boolean;
}

export async function installOptions(
  req: InstallRequest,
  { newProject = false }: { newProject?: boolean } = {},
): Promise<InstallOptions> {
  const root = projectRoot(req.cwd);
  const config = await loadConfig(root, { optional: newProject });
  for (const w of config.warnings) req.out.warn(w);
  const file = trustedRootFile(req.trustedRoot, config, root, req.cwd);
  return {
    root,
    cwd: req.cwd,
    config,
    out: req.out,
    prompter: req.prompter,
    progress: req.progress,
    strict: req.strict,
    allowUnsignedFlag: req.allowUnsigned,
    trust: new TrustRootSession({
      file,
      sigstoreDir: homePaths().sigstore,
      log: req.out,
      dryRun: req.dryRun,
    }),
    dryRun: req.dryRun,
    yes: req.yes,
    acceptNewSigner: req.acceptNewSigner,
    frozen: req.frozen,
    command: req.command,
  };
}

/**
 * The trusted-root file that overrides TUF: `--trusted-root` (relative to cwd), else
 * `[security].trusted_root` (relative to the project root), else none.
 */
export function trustedRootFile(
  flag: string | undefined,
  config: ProjectConfig,
  root: string,
  cwd: string,
): string | undefined {
  if (flag !== undefined) return absolute(flag, cwd);
  const configured = config.security.trustedRoot;
  if (configured === undefined) return undefined;
  return isAbsolute(configured) ? configured : join(root, configured);
}
