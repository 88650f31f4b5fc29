/**
 * The capability review (DESIGN.md 3.2 and 6, step 5): shows every grant a plugin asks for with the risky
 * ones marked, and decides whether the install may go on.
 *
 * Decisions:
 * - Only risky grants need consent (reads outside `/workspace`, writes, network hosts, env keys). A plugin
 *   that asks for nothing risky installs without a question, also in CI.
 * - On an update (or a reinstall over an installed plugin) only risky grants that are *new* against the
 *   lock are asked about; the others were accepted before.
 * - `--yes` accepts. Otherwise, when the prompter says a human can answer (the CLI's, src/cli/prompt.ts:
 *   stdin is a terminal and not `--json`), the user is asked and must answer `y` or `yes`; anything else
 *   declines (`SAM-INSTALL-002`, exit 3). Without one the install is refused (`SAM-INSTALL-001`, exit 3)
 *   with the list and the advice to re-run with `--yes` after reading it.
 * - `--dry-run` shows the same list and never asks.
 */

import type { RiskyGrant } from "../manifest/mod.ts";
import type { LockedCapabilities } from "../project/lockfile.ts";
import { diffGrants, type GrantDiff, grantRows, limitRows } from "./grants.ts";
import type { Prompter, Reporter } from "./io.ts";
import { samuelError } from "../errors.ts";

/** Aligned columns (same layout as the CLI's tables). */
export function columns(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => widths[i] = Math.max(widths[i] ?? 0, cell.length));
  return rows.map((row) =>
    row.map((c, i) => i === row.length - 1 ? c : c.padEnd(widths[i])).join("  ").trimEnd()
  )
    .join("\n");
}

export type ReviewDecision = "not-needed" | "yes-flag" | "prompt" | "dry-run";

export interface ReviewResult {
  decision: ReviewDecision;
  /** The risky grants the decision covered (new ones only on an update). */
  asked: RiskyGrant[];
  diff: GrantDiff;
}

/** The review's options; `interactive` and `ask` are the prompter's (src/cli/prompt.ts on a terminal). */
export interface ReviewOptions extends Partial<Prompter> {
  out: Reporter;
  yes: boolean;
  dryRun: boolean;
}

/** Human lines listing the grants (risky marked `!`), and what changed against `previous`. */
export function renderGrants(
  out: Reporter,
  caps: LockedCapabilities,
  previous: LockedCapabilities | undefined,
): void {
  const diff = previous ? diffGrants(previous, caps) : undefined;
  const added = new Set(diff?.added.map((r) => `${r.capability} ${r.value}`));
  const rows = grantRows(caps).map((r) => [
    r.risky ? "  !" : "   ",
    r.capability,
    r.value + (diff && added.has(`${r.capability} ${r.value}`) ? " (new)" : ""),
    r.reason ?? "",
  ]);
  out.note("capabilities requested:");
  if (rows.length === 0) out.note("    none (no files outside the sandbox, no network, no environment)");
  else out.note(columns(rows));
  out.note("  limits: " + limitRows(caps).map((r) => `${r.name} ${r.value}`).join(", "));
  if (diff) {
    for (const r of diff.removed) out.note(`  - ${r.capability} ${r.value} (no longer requested)`);
    for (const l of diff.limits) out.note(`  ~ ${l.name}: ${l.from} -> ${l.to}`);
  }
}

/**
 * Shows the grants of `plugin` and returns the decision, or throws exit 3 when the install may not go on.
 */
export async function reviewCapabilities(
  plugin: string,
  caps: LockedCapabilities,
  previous: LockedCapabilities | undefined,
  opts: ReviewOptions,
): Promise<ReviewResult> {
  const out = opts.out;
  const diff = diffGrants(previous, caps);
  const asked = diff.addedRisky;
  renderGrants(out, caps, previous);
  if (opts.dryRun) return { decision: "dry-run", asked, diff };
  if (asked.length === 0) return { decision: "not-needed", asked, diff };
  if (opts.yes) return { decision: "yes-flag", asked, diff };
  const list = asked.map((g) => `${g.capability} ${g.value}: ${g.reason}`);
  const what = previous ? "new risky capabilities" : "risky capabilities";
  if (!opts.interactive || !opts.ask) {
    throw samuelError("SAM-INSTALL-001", {
      message: `${plugin} asks for ${what} and this run cannot ask for confirmation: ${list.join("; ")}`,
      cause: "risky grants need consent; stdin is not a terminal (or --json was given), and --yes was not",
      fix: `read the list above, then re-run with --yes to grant ${asked.length === 1 ? "it" : "them"}`,
      details: { plugin, risky: asked },
    });
  }
  out.note(`${plugin} asks for ${what}:`);
  for (const l of list) out.note(`  ${out.style("!", "yellow")} ${l}`);
  const question = `grant ${asked.length === 1 ? "it" : "them"}? [y/N] `;
  const answer = (await opts.ask(question))?.trim().toLowerCase();
  if (answer === "y" || answer === "yes") return { decision: "prompt", asked, diff };
  throw samuelError("SAM-INSTALL-002", {
    message: `${plugin} was not installed: the ${what} were declined`,
    fix:
      "nothing was changed; install it again and answer y to grant them, or ask the author for a narrower set",
    details: { plugin, risky: asked },
  });
}
