/**
 * Builds the install transaction's options from a parsed command line: the project root and config, the
 * output, and the flags shared by `install` and `update` (`--yes`, `--allow-unsigned`, `--trusted-root`,
 * `--dry-run`, `--frozen`, `--accept-new-signer`, `--strict`), and the command's trust root session
 * (`src/verify/trust_source.ts`: the `--trusted-root` file, else a TUF-refreshed, cached or embedded root,
 * resolved on the first signature to check).
 *
 * `newProject` (install with a SOURCE): a folder with no samuel.toml in it or above is not an error but a
 * project to be: the install goes ahead against the default configuration and its commit writes
 * `samuel.toml` (what `samuel init` writes, plus the plugin) in the current folder, the way `npm install`
 * creates package.json. Every other command still needs an existing samuel.toml (SAM-CONFIG-001).
 */

import { loadConfig, type ProjectConfig } from "../project/config.ts";
import { absolute, homePaths, isAbsolute, join, projectRoot } from "../project/paths.ts";
import { type ErrorInfo, Exit, isSamuelError } from "../errors.ts";
import { TrustRootSession } from "../verify/trust_source.ts";
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
  const file = trustedRootFile(typeof trusted === "string" ? trusted : undefined, config, root, inv.cwd);
  return {
    root,
    cwd: inv.cwd,
    config,
    out: inv.out,
    strict: inv.global.strict,
    allowUnsignedFlag: inv.flags["allow-unsigned"] === true,
    trust: new TrustRootSession({
      file,
      sigstoreDir: homePaths().sigstore,
      log: inv.out,
      dryRun: inv.flags["dry-run"] === true,
    }),
    dryRun: inv.flags["dry-run"] === true,
    yes: inv.global.yes || inv.flags["yes"] === true,
    acceptNewSigner: inv.flags["accept-new-signer"] === true,
    frozen: inv.flags["frozen"] === true,
    command: inv.command,
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

/**
 * A refused install or update still says which trusted root its signatures were checked against: the
 * error becomes `{ data: { trust_root }, error, exit }`, so the `--json` envelope carries both. Errors
 * thrown before any root was resolved, and unexpected ones (exit 1, whose stack `--verbose` shows), are
 * rethrown unchanged.
 */
export function failureWithTrustRoot(
  e: unknown,
  opts: InstallOptions,
): { data: { trust_root: unknown }; error: ErrorInfo; exit: number } {
  const info = opts.trust.info;
  if (!isSamuelError(e) || e.exit === Exit.unexpected || info === undefined) throw e;
  return { data: { trust_root: info }, error: e.toInfo(), exit: e.exit };
}
