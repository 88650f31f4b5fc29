/**
 * How the trusted root is refreshed, read from the environment (README "Configuration"):
 *
 * | variable                | default                              | meaning                                       |
 * |-------------------------|--------------------------------------|-----------------------------------------------|
 * | `SAMUEL_TUF_MIRROR`     | `https://tuf-repo-cdn.sigstore.dev`  | the TUF mirror `install`/`update` refresh from; `off` = never refresh (no network: the cached root, else the embedded one) |
 * | `SAMUEL_TUF_TIMEOUT_MS` | `3000`                               | timeout of each request to the mirror         |
 * | `SAMUEL_TEST_TUF_ROOT`  | unset                                | test hook only: the initial `root.json` to trust for a mirror seen for the first time |
 *
 * A mirror is a copy of Sigstore's public-good TUF repository, so the root of trust (the repository's
 * own `root.json`) is the public-good one `@sigstore/tuf` ships (`seeds.json`), whatever the URL: a
 * mirror cannot make samuel trust anything the public-good keys did not sign. A private Sigstore
 * deployment is trusted through `--trusted-root FILE` instead. `SAMUEL_TEST_TUF_ROOT` exists only so the
 * tests can serve a repository of their own on 127.0.0.1 (like the other `SAMUEL_TEST_*` hooks, never set
 * it yourself: it replaces the public-good root of trust).
 *
 * A malformed `SAMUEL_TUF_MIRROR` is an error (SAM-TUF-001, exit 2) rather than a silent fallback: it
 * decides which host samuel contacts. A malformed timeout falls back to the default, like the download
 * settings (`src/source/env.ts`).
 */

import { envGet } from "../env.ts";
import { samuelError } from "../errors.ts";
import { envInt } from "../source/env.ts";

export const DEFAULT_TUF_MIRROR = "https://tuf-repo-cdn.sigstore.dev";
export const DEFAULT_TUF_TIMEOUT_MS = 3000;
/** The `SAMUEL_TUF_MIRROR` value that turns the refresh off. */
export const TUF_OFF = "off";

export interface TufSettings {
  /** The mirror URL without a trailing slash, or null when the refresh is off. */
  mirror: string | null;
  /** The mirror whose cached root is used when no refresh happens or it fails (the default one when off). */
  cacheMirror: string;
  timeoutMs: number;
  /** Test hook: the initial root.json file for a mirror with no TUF cache yet. */
  testRoot?: string;
}

/** Reads the TUF settings; throws SAM-TUF-001 (exit 2) for a `SAMUEL_TUF_MIRROR` that is not usable. */
export function tufSettings(env: (key: string) => string | undefined = envGet): TufSettings {
  const raw = env("SAMUEL_TUF_MIRROR")?.trim();
  let mirror: string | null = DEFAULT_TUF_MIRROR;
  if (raw !== undefined && raw !== "") {
    if (raw.toLowerCase() === TUF_OFF) mirror = null;
    else mirror = parseMirror(raw);
  }
  const testRoot = env("SAMUEL_TEST_TUF_ROOT")?.trim();
  return {
    mirror,
    cacheMirror: mirror ?? DEFAULT_TUF_MIRROR,
    timeoutMs: Math.max(1, envInt("SAMUEL_TUF_TIMEOUT_MS", DEFAULT_TUF_TIMEOUT_MS, env)),
    testRoot: testRoot || undefined,
  };
}

function parseMirror(raw: string): string {
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch { /* reported below */ }
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:") || url.search || url.hash) {
    throw samuelError("SAM-TUF-001", {
      message: `SAMUEL_TUF_MIRROR is not a TUF mirror URL: ${raw}`,
      cause: "it must be an http(s) URL without query or fragment, or off",
      fix:
        `set it to the base URL of a mirror of Sigstore's TUF repository (default ${DEFAULT_TUF_MIRROR}), ` +
        `to "${TUF_OFF}" to never refresh the trusted root, or unset it`,
    });
  }
  return raw.replace(/\/+$/, "");
}
