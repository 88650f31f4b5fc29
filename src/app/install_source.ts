/**
 * The install transaction for one SOURCE (DESIGN.md 6), shared by `samuel install SOURCE` (`install.ts`)
 * and `samuel update` (`update.ts`): resolve and fetch, validate, verify, check the module and warm the cache
 * (`prepare.ts`), compare with what is installed under that name (signer identity, grants), review the
 * capabilities (`review.ts`), then, under the project lock, stage `.samuel/plugins/<name>/` and commit it
 * together with `samuel.toml` and `samuel.lock` (`store/transaction.ts`). Any failure leaves the project as it
 * was; `--dry-run` stops after the review and writes nothing (not even the module cache). Without a
 * samuel.toml (`opts.config.exists` false, see install_options.ts `newProject`) the commit creates it from
 * `defaultConfigText()` and says so; a failed install leaves no samuel.toml behind.
 *
 * Signer pinning: the lock records the SAN seen at install. A new install over an installed plugin, or an
 * update, signed by another identity is refused (`SAM-INSTALL-008`, exit 4) unless `--accept-new-signer`
 * is given. Identities are compared without the git ref (`…/release.yml@refs/tags/v1` and `…@refs/tags/v2`
 * are the same workflow, hence the same signer) but with the issuer.
 */

import { addOrReplacePlugin, defaultConfigText } from "../project/config.ts";
import { makeStagingDir } from "../project/atomic.ts";
import { withProjectLock } from "../project/file_lock.ts";
import {
  findLockedPlugin,
  type LockedPlugin,
  readLockfile,
  upsertLockedPlugin,
  type Verification,
} from "../project/lockfile.ts";
import { join, pluginDir, projectPaths } from "../project/paths.ts";
import { sha256Hex } from "../store/digest.ts";
import { grantsJson, sameGrants } from "./grants.ts";
import {
  lockEntryFor,
  type PreparedPlugin,
  type PrepareOptions,
  preparePlugin,
  writeStagedFiles,
} from "./prepare.ts";
import type { Prompter, Reporter } from "./io.ts";
import { reviewCapabilities, type ReviewResult } from "./review.ts";
import { applyChange, recoverInterrupted, repairIfNeeded, testHook } from "../store/transaction.ts";
import { samuelError } from "../errors.ts";

export interface InstallOptions extends PrepareOptions {
  yes: boolean;
  acceptNewSigner: boolean;
  /** `--frozen`: fail instead of changing samuel.lock. */
  frozen: boolean;
  /** Shown to processes waiting for the project lock. */
  command?: string;
  /** Asks about risky grants; without one, risky grants need `yes`. */
  prompter?: Prompter;
}

export type InstallAction = "installed" | "updated" | "unchanged" | "would-install" | "would-update";

/** One plugin's outcome, as the `--json` envelope shows it (snake_case keys). */
export interface InstallReport {
  name: string;
  version: string;
  previous_version: string | null;
  kind: string;
  action: InstallAction;
  source: string;
  resolved_url: string;
  dir: string;
  sha256: { module: string; manifest: string; bundle?: string };
  verification: Record<string, unknown>;
  capabilities: Record<string, unknown>;
  risky: { capability: string; value: string; reason: string }[];
  /** Risky grants that were not in the previous install (all of them on a first install). */
  new_risky: { capability: string; value: string; reason: string }[];
  review: string;
  cache: { hit: boolean; stored: boolean } | null;
  warnings: string[];
}

/** The part of a SAN that names the signer: the workflow URI without its `@refs/...` suffix. */
export function signerIdentity(san: string): string {
  return san.replace(/@refs\/.*$/, "");
}

/** Throws when `next` is signed by another identity than `previous` pinned, unless accepted. */
export function checkSigner(
  name: string,
  previous: Verification | undefined,
  next: Verification,
  accept: boolean,
  out: Reporter,
): void {
  if (previous?.method !== "sigstore" || next.method !== "sigstore") return;
  const same = previous.issuer === next.issuer && signerIdentity(previous.san) === signerIdentity(next.san);
  if (same) return;
  if (accept) {
    out.warn(`${name}: signer changed from ${previous.san} to ${next.san} (accepted by --accept-new-signer)`);
    return;
  }
  throw samuelError("SAM-INSTALL-008", {
    message:
      `${name} is now signed by another identity: ${next.san} (issuer ${next.issuer}); samuel.lock pins ` +
      `${previous.san} (issuer ${previous.issuer})`,
    cause: "the lock pins the signer identity seen at the first install",
    fix:
      "check with the plugin's publisher that the new signer is legitimate (a moved repository or renamed " +
      "workflow), then re-run with --accept-new-signer; otherwise do not install it",
    details: {
      pinned: { san: previous.san, issuer: previous.issuer },
      seen: { san: next.san, issuer: next.issuer },
    },
  });
}

export function verificationJson(
  v: Verification,
  detail: Record<string, unknown> = {},
): Record<string, unknown> {
  if (v.method === "unsigned") return { method: "unsigned", reason: v.reason };
  const attestation = v.attestation ? { attestation: true, predicate_type: v.attestation.predicateType } : {};
  return {
    method: "sigstore",
    san: v.san,
    issuer: v.issuer,
    log_index: v.logIndex,
    ...attestation,
    ...detail,
  };
}

/** True when `.samuel/plugins/<name>/` holds exactly the files `entry` pins. */
export async function installedIntact(root: string, entry: LockedPlugin): Promise<boolean> {
  const dir = pluginDir(root, entry.name);
  try {
    const manifestText = await Deno.readTextFile(join(dir, "samuel-plugin.toml"));
    if (await sha256Hex(manifestText) !== entry.sha256.manifest) return false;
    if (entry.kind !== "wasm") return true;
    const { parseManifest } = await import("../manifest/mod.ts");
    const m = (await parseManifest(manifestText, { trusted: true })).manifest;
    if (m?.kind !== "wasm") return false;
    return await sha256Hex(await Deno.readFile(join(dir, m.wasm.module))) === entry.sha256.module;
  } catch {
    return false;
  }
}

function sameArtifact(a: LockedPlugin, p: PreparedPlugin): boolean {
  return a.sha256.module === p.sha256.module && a.sha256.manifest === p.sha256.manifest &&
    (a.sha256.bundle ?? null) === (p.sha256.bundle ?? null) && a.source === p.fetched.source &&
    a.verification.method === p.verification.method && sameGrants(a.capabilities, p.capabilities);
}

/** Renders what was prepared, for humans. */
function describePrepared(p: PreparedPlugin, out: Reporter): void {
  const m = p.manifest;
  out.note(`fetched ${m.name} ${m.version} (${m.kind}) from ${p.fetched.pinned}`);
  const v = p.verification;
  if (v.method === "sigstore") {
    const what = v.attestation ? `attestation (${v.attestation.predicateType})` : "signed";
    out.note(
      `${out.style("verified", "green")} ${what} by ${v.san} (issuer ${v.issuer}, log index ${v.logIndex})`,
    );
  } else {
    out.warn(`${m.name} is not verified: ${v.reason}`);
  }
}

/**
 * Installs (or updates) the plugin at `source`. `expectName`, given by `update`, makes sure the source
 * still publishes the plugin of that name.
 */
export async function installSource(
  source: string,
  opts: InstallOptions,
  mode: "install" | "update" = "install",
  expectName?: string,
): Promise<InstallReport> {
  const out = opts.out;
  await repairIfNeeded(opts.root, (m) => out.warn(m));
  const prepared = await preparePlugin(source, opts);
  try {
    describePrepared(prepared, out);
    const name = prepared.manifest.name;
    if (expectName !== undefined && name !== expectName) {
      throw samuelError("SAM-INSTALL-013", {
        message: `${source} now publishes a plugin named ${name}, not ${expectName}`,
        fix: `uninstall ${expectName} and install ${source} under its new name, if that is what you want`,
      });
    }
    const { previous, intact } = await compareWithInstalled(prepared, opts);
    const review: ReviewResult = intact
      ? { decision: "not-needed", asked: [], diff: { added: [], removed: [], addedRisky: [], limits: [] } }
      : await reviewCapabilities(name, prepared.capabilities, previous?.capabilities, {
        out,
        yes: opts.yes,
        dryRun: opts.dryRun,
        ...opts.prompter,
      });
    const request = opts.config.plugins.find((p) => p.name === name);
    const configWouldChange = request === undefined || request.source !== prepared.fetched.source;
    if (opts.frozen && (!intact || configWouldChange)) {
      throw samuelError("SAM-INSTALL-007", {
        message: `--frozen: installing ${source} would change samuel.lock${
          configWouldChange ? " and samuel.toml" : ""
        }`,
        fix: "run the install without --frozen locally and commit samuel.toml and samuel.lock",
      });
    }
    if (!opts.dryRun && !(intact && !configWouldChange)) {
      const installedAt = intact && previous ? previous.installedAt : new Date().toISOString();
      await commitInstall(prepared, lockEntryFor(prepared, installedAt), request?.version, opts);
    }
    if (opts.dryRun && !opts.config.exists) {
      out.note(
        `would create ${opts.config.path} (no samuel.toml in this folder or above; dry run: not written)`,
      );
    }
    const action: InstallAction = intact
      ? "unchanged"
      : previous
      ? (opts.dryRun ? "would-update" : "updated")
      : (opts.dryRun ? "would-install" : "installed");
    const report = await installReport(prepared, previous, action, review, opts.root);
    announce(out, report, mode);
    return report;
  } finally {
    await prepared.cleanup();
  }
}

/**
 * What is installed under the prepared plugin's name (its lock entry), checked against the prepared one:
 * the signer (refused when changed, unless accepted), a drop to unsigned (warned), and whether the
 * installed files are already exactly these (`intact`: nothing to review or stage).
 */
async function compareWithInstalled(
  prepared: PreparedPlugin,
  opts: InstallOptions,
): Promise<{ previous: LockedPlugin | undefined; intact: boolean }> {
  const name = prepared.manifest.name;
  const previous = findLockedPlugin(await readLockfile(opts.root), name);
  checkSigner(name, previous?.verification, prepared.verification, opts.acceptNewSigner, opts.out);
  if (previous?.verification.method === "sigstore" && prepared.verification.method === "unsigned") {
    opts.out.warn(`${name} was verified (${previous.verification.san}) and is now installed unsigned`);
  }
  const intact = previous !== undefined && sameArtifact(previous, prepared) &&
    await installedIntact(opts.root, previous);
  return { previous, intact };
}

/**
 * Under the project lock: stages `.samuel/plugins/<name>/` and commits it with samuel.toml (created when
 * there is none) and samuel.lock, all or nothing (`store/transaction.ts`).
 */
async function commitInstall(
  prepared: PreparedPlugin,
  entry: LockedPlugin,
  requestedVersion: string | undefined,
  opts: InstallOptions,
): Promise<void> {
  const out = opts.out;
  const name = prepared.manifest.name;
  await withProjectLock(opts.root, async () => {
    const repaired = await recoverInterrupted(opts.root);
    if (repaired) out.warn(`rolled back an interrupted change to ${repaired}`);
    const staged = await makeStagingDir(pluginDir(opts.root, name));
    try {
      await writeStagedFiles(staged, prepared.files);
      await testHook("after-stage");
      const change = await applyChange(opts.root, {
        plugin: name,
        staged,
        createConfig: defaultConfigText(),
        editConfig: (text, file) =>
          addOrReplacePlugin(
            text,
            { name, source: prepared.fetched.source, version: requestedVersion },
            file,
          ),
        editLock: (lock) => upsertLockedPlugin(lock, entry),
      });
      if (change.configCreated) {
        out.note(
          `${out.style("created", "green")} ${projectPaths(opts.root).config}: there was no samuel.toml ` +
            "in this folder or above, so this folder is now a samuel project (as `samuel init` makes one)",
        );
      }
    } finally {
      try {
        await Deno.remove(staged, { recursive: true });
      } catch { /* renamed into place */ }
    }
  }, {
    command: opts.command,
    onWait: (h) =>
      out.note(`waiting for ${h ? `pid ${h.pid}` : "another samuel"} to finish changing this project...`),
  });
}

async function installReport(
  prepared: PreparedPlugin,
  previous: LockedPlugin | undefined,
  action: InstallAction,
  review: ReviewResult,
  root: string,
): Promise<InstallReport> {
  const { riskyGrants } = await import("../manifest/mod.ts");
  return {
    name: prepared.manifest.name,
    version: prepared.manifest.version,
    previous_version: previous?.version ?? null,
    kind: prepared.manifest.kind,
    action,
    source: prepared.fetched.source,
    resolved_url: prepared.fetched.resolvedUrl,
    dir: pluginDir(root, prepared.manifest.name),
    sha256: prepared.sha256,
    verification: verificationJson(prepared.verification, prepared.verificationDetail),
    capabilities: grantsJson(prepared.capabilities),
    risky: riskyGrants(prepared.capabilities),
    new_risky: review.asked,
    review: review.decision,
    cache: prepared.cache ?? null,
    warnings: prepared.warnings,
  };
}

/** The plugin's result line (stdout), written as each plugin is done so a later failure keeps it. */
function announce(out: Reporter, r: InstallReport, mode: "install" | "update"): void {
  const verb = {
    installed: "installed",
    updated: `updated (${r.previous_version} -> ${r.version})`,
    unchanged: mode === "update" ? "is up to date" : "is already installed (unchanged)",
    "would-install": "would be installed (dry run: nothing was changed)",
    "would-update": `would be updated from ${r.previous_version} (dry run: nothing was changed)`,
  }[r.action];
  out.line(
    `${out.style(r.name, "bold")} ${r.version} ${verb}${
      r.action === "installed" || r.action === "updated" ? ` in ${r.dir}` : ""
    }`,
  );
}
