/**
 * `samuel doctor`'s `trust.root` check (issue 15): which trusted root `install`/`update` would verify
 * against if Sigstore's TUF mirror were unreachable right now. Doctor never contacts the mirror; it reads
 * what the last refresh cached (`src/verify/root_cache.ts`). In order: the `[security].trusted_root`
 * file (no TUF then), the cached root of the mirror while it has not expired (with when it was fetched
 * and when it expires), else the embedded public-good snapshot. An expired or damaged cache is a warning
 * (signatures made with keys Sigstore added since the snapshot would fail offline); an unusable
 * trusted-root file or `SAMUEL_TUF_MIRROR` fails (exit 2), as the install would.
 */

import { Exit, type ExitCode, isSamuelError } from "../errors.ts";
import type { ProjectConfig } from "../project/config.ts";
import { homePaths, isAbsolute, join } from "../project/paths.ts";
import { cachedRootPath, readCachedRoot } from "../verify/root_cache.ts";
import { readTrustedRootFile } from "../verify/trust_root.ts";
import { trustInfo, type TrustRootInfo } from "../verify/trust_source.ts";
import { tufSettings } from "../verify/tuf_settings.ts";

/** The check, in doctor's `Check` shape. */
export interface TrustCheck {
  id: "trust.root";
  status: "ok" | "warn" | "fail";
  message: string;
  fix?: string;
  details?: unknown;
  exit?: ExitCode;
}

const ID = "trust.root";

/** The check and the `trust_root` doctor reports (null when no root could be chosen). */
export async function trustRootCheck(
  root: string,
  config: ProjectConfig | undefined,
  home?: string,
): Promise<{ check: TrustCheck; trustRoot: TrustRootInfo | null }> {
  try {
    const configured = config?.security.trustedRoot;
    if (configured !== undefined) {
      const file = isAbsolute(configured) ? configured : join(root, configured);
      await readTrustedRootFile(file);
      const info = trustInfo("file", { file });
      return ok(`signatures are checked against ${file} ([security].trusted_root); no TUF refresh`, info);
    }
    const settings = tufSettings();
    const sigstoreDir = homePaths(home).sigstore;
    const mirror = settings.cacheMirror;
    const cached = await readCachedRoot(sigstoreDir, mirror);
    if (cached.status === "ok") {
      const r = cached.record;
      const info = trustInfo("cache", { fetched_at: r.fetched_at, expires: r.expires, mirror: r.mirror });
      return ok(
        `trusted root from the TUF mirror ${r.mirror}, fetched ${r.fetched_at}, usable offline until ` +
          `${r.expires}${settings.mirror === null ? " (SAMUEL_TUF_MIRROR=off: not refreshed)" : ""}`,
        info,
      );
    }
    const embedded = trustInfo("embedded", { mirror: settings.mirror });
    if (cached.status === "missing") {
      return ok(
        settings.mirror === null
          ? "the public-good trusted root embedded in samuel (SAMUEL_TUF_MIRROR=off: never refreshed)"
          : `the public-good trusted root embedded in samuel (no TUF refresh cached yet: install and ` +
            `update fetch one from ${settings.mirror})`,
        embedded,
      );
    }
    const problem = cached.status === "expired"
      ? `the cached trusted root from ${mirror} expired at ${cached.record.expires}`
      : cached.problem;
    return {
      check: {
        id: ID,
        status: "warn",
        message: `${problem}: until a TUF refresh succeeds, signatures are checked against the embedded ` +
          "snapshot, which lacks any key Sigstore added since samuel was built",
        fix: cached.status !== "expired"
          ? `delete ${cachedRootPath(sigstoreDir, mirror)}; the next install or update fetches a new one`
          : settings.mirror === null
          ? "unset SAMUEL_TUF_MIRROR (it is off) and run `samuel update` with network access"
          : `run \`samuel update\` with network access to ${settings.mirror} (check SAMUEL_TUF_MIRROR ` +
            "and your proxy settings)",
        details: { trust_root: embedded },
      },
      trustRoot: embedded,
    };
  } catch (e) {
    return {
      check: {
        id: ID,
        status: "fail",
        message: e instanceof Error ? e.message : String(e),
        fix: isSamuelError(e) ? e.fix : undefined,
        exit: isSamuelError(e) ? e.exit : Exit.unexpected,
      },
      trustRoot: null,
    };
  }
}

function ok(message: string, info: TrustRootInfo): { check: TrustCheck; trustRoot: TrustRootInfo } {
  return { check: { id: ID, status: "ok", message, details: { trust_root: info } }, trustRoot: info };
}
