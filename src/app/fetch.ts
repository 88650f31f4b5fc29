/**
 * The install transaction's door to `src/source/`: turns a SOURCE string (as typed, or as recorded in
 * samuel.lock) into fetched bytes through `fetchPlugin`, and derives what verification and reinstalls need
 * from what was fetched. `src/source/` itself is loaded lazily, since downloads pull in the HTTP stack.
 */

import type { RegistryEntry } from "../project/config.ts";
import { isAbsolute, join } from "../project/paths.ts";
import type { FetchContext, FetchedPlugin, RegistryRef } from "../source/types.ts";

export type { FetchContext, FetchedPlugin };

/** One bundle a source offers for the fetched file. */
export interface BundleOffer {
  name: string;
  text: string;
}

/** Every bundle the source offers, best guess first (the primary `bundleText`, then `moreBundles`). */
export function bundleOffers(fetched: FetchedPlugin): BundleOffer[] {
  if (fetched.bundleText === undefined) return [];
  return [{ name: fetched.bundleName, text: fetched.bundleText }, ...(fetched.moreBundles ?? [])];
}

/** `fetched` with `offer` as its one bundle (the one that verified, or the one a lock pins). */
export function withBundle(fetched: FetchedPlugin, offer: BundleOffer): FetchedPlugin {
  return { ...fetched, bundleText: offer.text, bundleName: offer.name, moreBundles: undefined };
}

/**
 * `[[registries]]` with relative `file://` URLs made absolute against the project root (samuel.toml's
 * folder), so a fetch context's `cwd` can stay the user's folder for relative `file://` SOURCEs.
 */
export function registriesFor(registries: readonly RegistryEntry[], root: string): RegistryRef[] {
  return registries.map((r) => {
    const m = /^file:\/\/(.*)$/i.exec(r.url.trim());
    if (!m || m[1] === "" || isAbsolute(m[1]) || /^\/?[A-Za-z]:[\\/]/.test(m[1])) return { ...r };
    return { ...r, url: `file://${join(root, m[1])}` };
  });
}

/** Fetches `raw` (a SOURCE as typed or as recorded in samuel.lock). */
export async function fetchSource(raw: string, ctx: FetchContext): Promise<FetchedPlugin> {
  const { fetchPlugin, parseSourceSpec } = await import("../source/mod.ts");
  return await fetchPlugin(await parseSourceSpec(raw, ctx.cwd), ctx);
}

const RELEASE_ASSET = /\/([^/]+)\/([^/]+)\/releases\/download\/(.+)\/[^/]+$/;

/**
 * `owner/repo` when the fetched plugin came from a GitHub release, directly (`pinned` is `owner/repo@tag`)
 * or through a registry (`pinned` is `name@version`; the release is read from the asset URL), so its
 * default signer is that repository's release workflow either way.
 */
export function githubRepoOf(fetched: FetchedPlugin): { owner: string; repo: string } | undefined {
  const m = /^([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+)@/.exec(fetched.pinned);
  if (m) return { owner: m[1], repo: m[2] };
  if (fetched.tag === undefined) return undefined;
  const a = RELEASE_ASSET.exec(new URL(fetched.resolvedUrl).pathname);
  return a ? { owner: decodeURIComponent(a[1]), repo: decodeURIComponent(a[2]) } : undefined;
}

/**
 * The exact source to re-fetch a locked plugin: the GitHub release it was resolved to (tag taken from
 * the locked asset URL, so `owner/repo` meaning "latest" reinstalls the same release), else the source.
 */
export function pinnedSourceOf(entry: { source: string; resolvedUrl: string; version: string }): string {
  if (entry.source.startsWith("file://")) return entry.source;
  const m = RELEASE_ASSET.exec(new URL(entry.resolvedUrl).pathname);
  if (m) return `${decodeURIComponent(m[1])}/${decodeURIComponent(m[2])}@${decodeURIComponent(m[3])}`;
  const name = entry.source.split("@")[0];
  return /^[a-z0-9][a-z0-9-]*$/.test(name) ? `${name}@${entry.version}` : entry.source;
}
