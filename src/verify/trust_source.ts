/**
 * Which trusted root `install` and `update` verify against, and where it came from (issue 15). In order:
 * 1. `--trusted-root FILE` or `[security].trusted_root`: that file, and no TUF at all (`file`);
 * 2. a TUF refresh from `SAMUEL_TUF_MIRROR` (default Sigstore's public mirror) through `tuf_refresh.ts`,
 *    cached for next time (`tuf`);
 * 3. when the refresh is off (`SAMUEL_TUF_MIRROR=off`) or fails: the cached root of that mirror if it has
 *    not expired (`cache`, `root_cache.ts`);
 * 4. else the public-good root embedded in samuel (`embedded`).
 *
 * A `TrustRootSession` belongs to one command: the root is resolved on the first signature that needs it
 * (an install of unsigned plugins, or of plugins already installed as locked, never contacts the mirror)
 * and at most once, so a command installing ten plugins refreshes once and an unreachable mirror costs
 * one timeout. What was used is `info` (`trust_root` in the `--json` envelope, and `--verbose` lines).
 * Under `--dry-run` the refresh still runs (so the verdict is the real one) but writes nothing: not the
 * TUF metadata, not the cached root.
 * A refused repository (bad signature, expired, rolled back) is a warning: it is either an attack or a
 * broken mirror, and the user should hear of it; an unreachable one is only a `--verbose` line, since
 * being offline is ordinary and the fallback is the designed behaviour.
 */

import { readCachedRoot, writeCachedRoot } from "./root_cache.ts";
import { embeddedTrustedRoot, readTrustedRootFile, type TrustedRootJson } from "./trust_root.ts";
import { type TufSettings, tufSettings } from "./tuf_settings.ts";

export type TrustRootSourceKind = "tuf" | "cache" | "embedded" | "file";

/** Where the trusted root came from (snake_case: it is shown as is in `--json`). */
export interface TrustRootInfo {
  source: TrustRootSourceKind;
  /** When the TUF refresh that verified it ran (`tuf`, `cache`); null otherwise. */
  fetched_at: string | null;
  /** When it stops being used as a fallback (`tuf`, `cache`); null otherwise. */
  expires: string | null;
  /** The TUF mirror it came from or was tried; null for `file` and when the refresh is off. */
  mirror: string | null;
  /** The file, for `file`. */
  file: string | null;
  /** Why a refresh that was tried is not what is used. */
  refresh_error: string | null;
}

export interface ResolvedTrustRoot {
  root: TrustedRootJson;
  /** Names the root in verification messages. */
  origin: string;
  info: TrustRootInfo;
}

/** What the session reports through (the store's `Reporter` satisfies it). */
export interface TrustLog {
  warn(text: string): void;
  debug?(text: string): void;
}

export interface TrustRootRequest {
  /** `--trusted-root` / `[security].trusted_root`, absolute: overrides everything. */
  file?: string;
  /** `$SAMUEL_HOME/cache/sigstore`. */
  sigstoreDir: string;
  log: TrustLog;
  /** Settings (default: from the environment, read on first use). */
  settings?: TufSettings;
  /** `--dry-run`: refresh without writing anything under `$SAMUEL_HOME`. */
  dryRun?: boolean;
}

export const EMBEDDED_ORIGIN = "embedded public-good root";

/** The trust root of one command (see the module doc). */
export class TrustRootSession {
  #pending?: Promise<ResolvedTrustRoot>;
  #info?: TrustRootInfo;

  constructor(private readonly request: TrustRootRequest) {}

  /** The root to verify against; resolved once, on first call. */
  resolve(): Promise<ResolvedTrustRoot> {
    this.#pending ??= this.#resolve().then((r) => {
      this.#info = r.info;
      return r;
    });
    return this.#pending;
  }

  /** What was used, once `resolve` has completed; undefined when nothing needed a trusted root. */
  get info(): TrustRootInfo | undefined {
    return this.#info;
  }

  async #resolve(): Promise<ResolvedTrustRoot> {
    const { file, sigstoreDir, log } = this.request;
    if (file !== undefined) {
      const root = await readTrustedRootFile(file);
      log.debug?.(`trust root: file ${file} (no TUF refresh)`);
      return { root, origin: file, info: trustInfo("file", { file }) };
    }
    const settings = this.request.settings ?? tufSettings();
    if (settings.mirror !== null) {
      const mirror = settings.mirror;
      const started = performance.now();
      try {
        const { refreshTrustedRoot } = await import("./tuf_refresh.ts");
        const fresh = await refreshTrustedRoot({
          mirror,
          sigstoreDir,
          timeoutMs: settings.timeoutMs,
          initialRoot: settings.testRoot,
          persist: !this.request.dryRun,
        });
        const record = { mirror, fetched_at: new Date().toISOString(), expires: fresh.expires };
        try {
          if (!this.request.dryRun) {
            await writeCachedRoot(sigstoreDir, { ...record, trusted_root: fresh.root });
          }
        } catch (e) {
          log.debug?.(`trust root: could not cache the refreshed root (${message(e)})`);
        }
        log.debug?.(
          `trust root: tuf, refreshed from ${mirror} in ${ms(started)} (expires ${record.expires})`,
        );
        return {
          root: fresh.root,
          origin: `trusted root from TUF mirror ${mirror}`,
          info: trustInfo("tuf", record),
        };
      } catch (e) {
        const refreshError = message(e);
        const kind = (e as { kind?: string }).kind;
        const fallback = await offlineChoice(settings, sigstoreDir, log);
        const text = `the TUF refresh from ${mirror} failed after ${ms(started)} (${refreshError}); ` +
          `verifying against the ${describe(fallback.info)}`;
        if (kind === "unreachable") log.debug?.(`trust root: ${text}`);
        else log.warn(text);
        return withError(fallback, mirror, refreshError);
      }
    }
    const chosen = await offlineChoice(settings, sigstoreDir, log);
    log.debug?.(
      `trust root: ${chosen.info.source} (SAMUEL_TUF_MIRROR=off: no refresh), ${describe(chosen.info)}`,
    );
    return chosen;
  }
}

/** The cached root of `settings.cacheMirror` when it has not expired, else the embedded one. */
async function offlineChoice(
  settings: TufSettings,
  sigstoreDir: string,
  log?: TrustLog,
): Promise<ResolvedTrustRoot> {
  const cached = await readCachedRoot(sigstoreDir, settings.cacheMirror);
  if (cached.status === "ok") {
    const r = cached.record;
    return {
      root: r.trusted_root,
      origin: `cached trusted root from TUF mirror ${r.mirror} (fetched ${r.fetched_at})`,
      info: trustInfo("cache", { fetched_at: r.fetched_at, expires: r.expires, mirror: r.mirror }),
    };
  }
  const why = cached.status === "expired"
    ? `the cached root from ${settings.cacheMirror} expired at ${cached.record.expires}`
    : cached.status === "unreadable"
    ? cached.problem
    : `no root from ${settings.cacheMirror} is cached yet`;
  log?.debug?.(`trust root: ${why}`);
  return { root: await embeddedTrustedRoot(), origin: EMBEDDED_ORIGIN, info: trustInfo("embedded", {}) };
}

function withError(r: ResolvedTrustRoot, mirror: string | null, error: string | null): ResolvedTrustRoot {
  return { ...r, info: { ...r.info, mirror: r.info.mirror ?? mirror, refresh_error: error } };
}

/** A `TrustRootInfo` with every field not given null. */
export function trustInfo(source: TrustRootSourceKind, fields: Partial<TrustRootInfo>): TrustRootInfo {
  return {
    source,
    fetched_at: null,
    expires: null,
    mirror: null,
    file: null,
    refresh_error: null,
    ...fields,
  };
}

/** One phrase naming a root, for messages. */
export function describe(i: TrustRootInfo): string {
  switch (i.source) {
    case "tuf":
      return `trusted root refreshed from ${i.mirror} (expires ${i.expires})`;
    case "cache":
      return `cached trusted root from ${i.mirror} (fetched ${i.fetched_at}, expires ${i.expires})`;
    case "file":
      return `trusted root file ${i.file}`;
    default:
      return "public-good trusted root embedded in samuel";
  }
}

function ms(started: number): string {
  return `${Math.round(performance.now() - started)} ms`;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
