/**
 * The flags `install` and `update` share (`--yes`, `--allow-unsigned`, `--trusted-root`, `--dry-run`,
 * `--frozen`, `--accept-new-signer`, `--strict`), read into the plain request the install use case takes
 * (src/app/install_options.ts), with the terminal's prompter; and a refusal rendered with the trust root
 * it was checked against.
 */

import type { InstallRequest } from "../app/install_options.ts";
import type { InstallOptions } from "../app/install_source.ts";
import { type ErrorInfo, Exit, isSamuelError } from "../errors.ts";
import type { Invocation } from "./command.ts";
import { terminalPrompter } from "./prompt.ts";
import { createProgress } from "./progress.ts";

/** The request of `samuel install` / `samuel update` invoked as `inv`; `command` is its command line. */
export function installRequest(inv: Invocation, command: string): InstallRequest {
  const trusted = inv.flags["trusted-root"];
  return {
    cwd: inv.cwd,
    out: inv.out,
    prompter: terminalPrompter(inv.out.json),
    progress: (label) => createProgress(label, { json: inv.out.json }),
    command,
    strict: inv.global.strict,
    trustedRoot: typeof trusted === "string" ? trusted : undefined,
    allowUnsigned: inv.flags["allow-unsigned"] === true,
    dryRun: inv.flags["dry-run"] === true,
    yes: inv.global.yes || inv.flags["yes"] === true,
    acceptNewSigner: inv.flags["accept-new-signer"] === true,
    frozen: inv.flags["frozen"] === true,
  };
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
