/**
 * One TUF refresh of Sigstore's trusted root through `@sigstore/tuf` (the client cosign's JavaScript
 * sibling, sigstore-js, uses): it updates the TUF metadata of the mirror in
 * `$SAMUEL_HOME/cache/sigstore/tuf/<mirror>/` following the TUF client workflow (root rotation, then
 * timestamp, snapshot and targets, each checked for signatures by the keys the trusted root lists, for
 * expiry, and for rollback against the versions cached from earlier refreshes) and returns the
 * `trusted_root.json` target only when all of it holds. This is the only module that loads
 * `@sigstore/tuf`, through a dynamic import, so only `install`/`update` pay for it (~20 ms); it needs
 * `--allow-env` (its `debug` and `minimatch` dependencies read the environment when they load), which
 * samuel's flags grant.
 *
 * The initial root of trust of a mirror seen for the first time is written into its TUF folder here,
 * before `@sigstore/tuf` runs: the public-good `root.json` from `@sigstore/tuf`'s own `seeds.json` for
 * every mirror (a mirror is a copy of the public-good repository), or the test hook's file
 * (`tuf_settings.ts`). Requests are not retried and each has a short timeout: the refresh is best effort,
 * and a failure falls back to the cached or embedded root (`trust_source.ts`).
 */

import { join } from "../project/paths.ts";
import { mirrorKey, tufCacheDir } from "./root_cache.ts";
import { asTrustedRoot, type TrustedRootJson } from "./trust_root.ts";

export interface RefreshOptions {
  mirror: string;
  /** `$SAMUEL_HOME/cache/sigstore`. */
  sigstoreDir: string;
  timeoutMs: number;
  /** The initial root.json file for a mirror with no TUF cache yet (test hook); default the public seed. */
  initialRoot?: string;
  /**
   * False for `--dry-run`: the refresh runs on a temporary copy of the mirror's TUF folder (so rollback
   * protection still applies) and leaves `$SAMUEL_HOME` as it was.
   */
  persist?: boolean;
}

export interface Refreshed {
  root: TrustedRootJson;
  /** Earliest expiry of the TUF root and targets metadata that vouched for `root` (ISO 8601). */
  expires: string;
}

/**
 * Why a refresh failed: `unreachable` (network, HTTP status, timeout: the usual offline case), `refused`
 * (the repository's metadata failed a TUF check: bad signature, expired, rolled back, wrong hash, or a
 * target that is not a trusted root), or `local` (the cache folder or the initial root cannot be used).
 */
export type RefreshFailure = "unreachable" | "refused" | "local";

export class TufRefreshError extends Error {
  readonly kind: RefreshFailure;
  constructor(kind: RefreshFailure, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TufRefreshError";
    this.kind = kind;
  }
}

const TRUSTED_ROOT_TARGET = "trusted_root.json";

/** Refreshes from `mirror` and returns the verified trusted root; throws `TufRefreshError`. */
export async function refreshTrustedRoot(o: RefreshOptions): Promise<Refreshed> {
  if (o.persist !== false) return await refreshIn(tufCacheDir(o.sigstoreDir), o);
  const scratch = await Deno.makeTempDir({ prefix: "samuel-tuf-" });
  try {
    const key = mirrorKey(o.mirror);
    await copyTree(join(tufCacheDir(o.sigstoreDir), key), join(scratch, key));
    return await refreshIn(scratch, o);
  } finally {
    await Deno.remove(scratch, { recursive: true }).catch(() => {});
  }
}

/** The refresh with `cachePath` as `@sigstore/tuf`'s cache folder. */
async function refreshIn(cachePath: string, o: RefreshOptions): Promise<Refreshed> {
  const dir = join(cachePath, mirrorKey(o.mirror));
  try {
    await seedRoot(dir, o.initialRoot);
  } catch (e) {
    throw new TufRefreshError("local", `the TUF cache ${dir} cannot be prepared: ${chain(e)}`, { cause: e });
  }
  const tuf = await import("npm:@sigstore/tuf@5.0.1");
  let json: unknown;
  try {
    const client = await tuf.initTUF({ mirrorURL: o.mirror, cachePath, retry: false, timeout: o.timeoutMs });
    json = JSON.parse(await client.getTarget(TRUSTED_ROOT_TARGET));
  } catch (e) {
    throw new TufRefreshError(classify(e), chain(e), { cause: e });
  }
  let root: TrustedRootJson;
  try {
    root = asTrustedRoot(json, `${TRUSTED_ROOT_TARGET} from ${o.mirror}`);
  } catch (e) {
    throw new TufRefreshError("refused", chain(e), { cause: e });
  }
  let expires: number[];
  try {
    expires = await Promise.all(["root", "targets"].map((role) => metadataExpiry(dir, role)));
  } catch (e) {
    throw new TufRefreshError("local", `the TUF metadata in ${dir} cannot be read: ${chain(e)}`, {
      cause: e,
    });
  }
  return { root, expires: new Date(Math.min(...expires)).toISOString() };
}

/** Writes the initial root.json into a mirror's TUF folder that has none yet. */
async function seedRoot(dir: string, initialRoot: string | undefined): Promise<void> {
  const target = join(dir, "root.json");
  try {
    await Deno.lstat(target);
    return;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const bytes = initialRoot !== undefined ? await Deno.readFile(initialRoot) : await publicGoodSeed();
  await Deno.mkdir(join(dir, "targets"), { recursive: true });
  await Deno.writeFile(target, bytes);
}

/** Copies the files of `from` (and its sub-folders) to `to`; a missing `from` copies nothing. */
async function copyTree(from: string, to: string): Promise<void> {
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(from));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw e;
  }
  await Deno.mkdir(to, { recursive: true });
  for (const e of entries) {
    if (e.isDirectory) await copyTree(join(from, e.name), join(to, e.name));
    else if (e.isFile) await Deno.copyFile(join(from, e.name), join(to, e.name));
  }
}

/** The public-good repository's root.json, as `@sigstore/tuf` ships it. */
async function publicGoodSeed(): Promise<Uint8Array> {
  const seeds = (await import("npm:@sigstore/tuf@5.0.1/seeds.json", { with: { type: "json" } }))
    .default as Record<string, { "root.json": string }>;
  const seed = Object.values(seeds)[0]["root.json"];
  return Uint8Array.from(atob(seed), (c) => c.charCodeAt(0));
}

/** `signed.expires` of one role's metadata in the TUF folder, in ms since the epoch. */
async function metadataExpiry(dir: string, role: string): Promise<number> {
  const meta = JSON.parse(await Deno.readTextFile(join(dir, `${role}.json`))) as {
    signed?: { expires?: string };
  };
  const when = Date.parse(meta.signed?.expires ?? "");
  if (Number.isNaN(when)) throw new Error(`${role}.json has no expiry date`);
  return when;
}

/** Network trouble reads as "unreachable"; everything the TUF client refused is "refused". */
function classify(e: unknown): RefreshFailure {
  const text = chain(e);
  if (
    /Failed to download|fetch failed|error sending request|TimeoutError|timed out|Connection refused|dns error/i
      .test(text)
  ) {
    return "unreachable";
  }
  return "refused";
}

/** The messages of an error and its causes, outermost first, without repeats. */
function chain(e: unknown): string {
  const parts: string[] = [];
  for (let c: unknown = e, depth = 0; c !== undefined && c !== null && depth < 6; depth++) {
    const m = c instanceof Error
      ? (c.name && c.name !== "Error" && !c.message.startsWith(c.name)
        ? `${c.name}: ${c.message}`
        : c.message)
      : String(c);
    if (m && !parts.some((p) => p.includes(m))) parts.push(m);
    c = c instanceof Error ? c.cause : undefined;
  }
  return parts.join(": ");
}
