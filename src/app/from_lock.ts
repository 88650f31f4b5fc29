/**
 * `samuel install` with no SOURCE: install exactly what `samuel.lock` records (DESIGN.md 6).
 *
 * For each locked plugin: when `.samuel/plugins/<name>/` already holds the pinned files, nothing is
 * fetched. Otherwise the exact release is fetched again (`pinnedSourceOf`: the tag comes from the locked
 * asset URL, so a lock of `owner/repo` meaning "latest" still reinstalls the same release), and every
 * digest is compared with the lock: module, manifest and bundle. Any difference fails with
 * `SAM-INSTALL-006` (exit 4) naming the plugin, the file, and both digests; nothing is written. A signed
 * entry is verified again and must show the pinned SAN and issuer. The module is checked and the cache
 * warmed as on a first install; the grants are the locked ones (the manifest whose digest the lock pins
 * asks for exactly those), so no question is asked. The lock entry is kept byte for byte.
 *
 * Plugins listed in `samuel.toml` but absent from the lock are installed from their source like a first
 * install (with the capability review). `--frozen` (CI) refuses that instead (`SAM-INSTALL-007`, exit 2),
 * as it refuses any other change the lock would need. Locked plugins without a `samuel.toml` entry are
 * installed and reported with a warning (the toml is the user's; it is not edited here).
 */

import { makeStagingDir } from "../project/atomic.ts";
import { withProjectLock } from "../project/file_lock.ts";
import { type LockedPlugin, readLockfileIfExists } from "../project/lockfile.ts";
import { pluginDir } from "../project/paths.ts";
import {
  bundleOffers,
  type FetchedPlugin,
  fetchSource,
  pinnedSourceOf,
  registriesFor,
  withBundle,
} from "./fetch.ts";
import { grantsJson, sameGrants } from "./grants.ts";
import {
  checkSigner,
  installedIntact,
  type InstallOptions,
  type InstallReport,
  installSource,
  verificationJson,
} from "./install_source.ts";
import { checkFetched, type PreparedPlugin, writeStagedFiles } from "./prepare.ts";
import { applyChange, recoverInterrupted, repairIfNeeded, testHook } from "../store/transaction.ts";
import { samuelError } from "../errors.ts";

export interface FromLockReport {
  plugins: (InstallReport | LockedReport)[];
}

/** A plugin reinstalled (or found intact) from the lock. */
export interface LockedReport {
  name: string;
  version: string;
  kind: string;
  action: "reinstalled" | "unchanged" | "would-reinstall";
  source: string;
  fetched_from: string | null;
  resolved_url: string;
  dir: string;
  sha256: { module: string; manifest: string; bundle?: string };
  verification: Record<string, unknown>;
  capabilities: Record<string, unknown>;
}

function mismatch(name: string, file: string, expected: string | undefined, actual: string | undefined) {
  return samuelError("SAM-INSTALL-006", {
    message: `${name}: the ${file} does not match samuel.lock (expected sha256 ${expected ?? "none"}, got ${
      actual ?? "none"
    })`,
    cause: "a release asset was replaced, or the download was tampered with",
    fix: "do not install it: the published file changed after it was locked. If the change is legitimate, " +
      `review it and run \`samuel update ${name}\`; otherwise report it to the publisher`,
    details: { plugin: name, file, expected: expected ?? null, actual: actual ?? null },
  });
}

async function reinstallOne(entry: LockedPlugin, opts: InstallOptions): Promise<LockedReport> {
  const out = opts.out;
  const dir = pluginDir(opts.root, entry.name);
  const base = {
    name: entry.name,
    version: entry.version,
    kind: entry.kind,
    source: entry.source,
    resolved_url: entry.resolvedUrl,
    dir,
    sha256: entry.sha256,
    verification: verificationJson(entry.verification),
    capabilities: grantsJson(entry.capabilities),
  };
  if (await installedIntact(opts.root, entry)) {
    out.line(`${out.style(entry.name, "bold")} ${entry.version} is installed as locked`);
    return { ...base, action: "unchanged", fetched_from: null };
  }
  const source = pinnedSourceOf(entry);
  const temp = await Deno.makeTempDir({ prefix: "samuel-reinstall-" });
  try {
    const fetched = await fetchLocked(entry, source, temp, opts);
    const prepared = await checkFetched(fetched, {
      ...opts,
      allowUnsignedFlag: entry.verification.method === "unsigned",
    });
    checkPreparedAgainstLock(entry, prepared, out);
    if (opts.dryRun) {
      out.line(
        `${out.style(entry.name, "bold")} ${entry.version} would be reinstalled from ${source} (dry run)`,
      );
      return { ...base, action: "would-reinstall", fetched_from: source };
    }
    await withProjectLock(opts.root, async () => {
      await recoverInterrupted(opts.root);
      const staged = await makeStagingDir(dir);
      try {
        await writeStagedFiles(staged, prepared.files);
        await testHook("after-stage");
        await applyChange(opts.root, { plugin: entry.name, staged, editLock: (lock) => lock });
      } finally {
        try {
          await Deno.remove(staged, { recursive: true });
        } catch { /* renamed into place */ }
      }
    }, { command: opts.command });
    out.line(
      `${
        out.style(entry.name, "bold")
      } ${entry.version} reinstalled from ${source} (digests match samuel.lock)`,
    );
    return { ...base, action: "reinstalled", fetched_from: source };
  } finally {
    try {
      await Deno.remove(temp, { recursive: true });
    } catch { /* gone */ }
  }
}

/**
 * Fetches the locked release again and compares its digests with the lock before anything parses or
 * runs it: manifest, module, and the signature bundle (of several offered, the locked one is kept).
 */
async function fetchLocked(
  entry: LockedPlugin,
  source: string,
  stagingDir: string,
  opts: InstallOptions,
): Promise<FetchedPlugin> {
  const out = opts.out;
  const fetched = await fetchSource(source, {
    cwd: opts.cwd,
    stagingDir,
    registries: registriesFor(opts.config.registries, opts.root),
    progress: opts.progress,
    warn: (m) => out.warn(m),
    ...opts.fetch,
  });
  const { sha256Hex } = await import("../store/digest.ts");
  const manifestSha = await sha256Hex(fetched.manifestText);
  if (manifestSha !== entry.sha256.manifest) {
    throw mismatch(entry.name, "manifest samuel-plugin.toml", entry.sha256.manifest, manifestSha);
  }
  if (fetched.module !== undefined) {
    const moduleSha = await sha256Hex(fetched.module);
    if (moduleSha !== entry.sha256.module) {
      throw mismatch(entry.name, `module ${fetched.moduleName}`, entry.sha256.module, moduleSha);
    }
  }
  const v = entry.verification;
  if (v.method !== "sigstore") {
    out.warn(`${entry.name} is locked as unsigned (${v.reason}); reinstalling unverified`);
    return fetched;
  }
  // The source may offer several bundles (a JSONL asset, the attestations API): keep the locked one.
  const offers = bundleOffers(fetched);
  const shas = await Promise.all(offers.map((o) => sha256Hex(o.text)));
  const at = shas.indexOf(entry.sha256.bundle ?? "");
  if (at < 0) {
    throw mismatch(entry.name, `signature bundle ${fetched.bundleName}`, entry.sha256.bundle, shas[0]);
  }
  return withBundle(fetched, offers[at]);
}

/** The checked plugin is the locked one: skill digest, signer, name and grants. */
function checkPreparedAgainstLock(
  entry: LockedPlugin,
  prepared: Omit<PreparedPlugin, "cleanup">,
  out: InstallOptions["out"],
): void {
  if (prepared.sha256.module !== entry.sha256.module) {
    throw mismatch(entry.name, "skill folder", entry.sha256.module, prepared.sha256.module);
  }
  checkSigner(entry.name, entry.verification, prepared.verification, false, out);
  if (
    entry.verification.method === "sigstore" && prepared.verification.method === "sigstore" &&
    entry.verification.san !== prepared.verification.san
  ) {
    throw mismatch(entry.name, "signer identity", entry.verification.san, prepared.verification.san);
  }
  if (prepared.manifest.name !== entry.name || !sameGrants(prepared.capabilities, entry.capabilities)) {
    throw samuelError("SAM-INSTALL-006", {
      message:
        `${entry.name}: samuel.lock does not match the manifest it pins (name or granted capabilities differ)`,
      cause: "the lock was edited by hand",
      fix: "restore samuel.lock from version control, or run `samuel update " + entry.name + "`",
    });
  }
}

/** Installs everything samuel.lock (and samuel.toml) lists. */
export async function installFromLock(opts: InstallOptions): Promise<FromLockReport> {
  const out = opts.out;
  await repairIfNeeded(opts.root, (m) => out.warn(m));
  const lock = await readLockfileIfExists(opts.root);
  const locked = lock?.plugins ?? [];
  const requested = opts.config.plugins;
  const missing = requested.filter((r) => !locked.some((p) => p.name === r.name));
  if (opts.frozen && (missing.length > 0 || (lock === undefined && requested.length > 0))) {
    throw samuelError("SAM-INSTALL-007", {
      message: `--frozen: samuel.lock does not list ${
        missing.map((r) => r.name).join(", ")
      }, which samuel.toml requests`,
      cause: "installing them would change samuel.lock",
      fix: "run `samuel install` without --frozen locally and commit the updated samuel.lock",
      details: { missing: missing.map((r) => r.name) },
    });
  }
  for (const p of locked) {
    if (!requested.some((r) => r.name === p.name)) {
      out.warn(`${p.name} is in samuel.lock but not in samuel.toml's [[plugins]]; installing it anyway`);
    }
  }
  if (locked.length === 0 && missing.length === 0) {
    out.line("nothing to install: samuel.lock and samuel.toml list no plugins");
    return { plugins: [] };
  }
  const plugins: (InstallReport | LockedReport)[] = [];
  for (const entry of locked) plugins.push(await reinstallOne(entry, opts));
  for (const r of missing) {
    plugins.push(
      await installSource(r.version && !r.source.includes("@") ? `${r.source}@${r.version}` : r.source, opts),
    );
  }
  return { plugins };
}
