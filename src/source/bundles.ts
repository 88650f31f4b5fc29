/**
 * Where a GitHub release's signature bundle comes from, tried in this order until one is found:
 *
 * 1. the release asset `<module>.bundle` (what `cosign sign-blob --bundle` and samuel's scaffolded
 *    workflows publish; the attestation path copies `actions/attest-build-provenance`'s bundle there too);
 * 2. the release asset `<module>.sigstore.json` (the Sigstore naming convention);
 * 3. every `*.intoto.jsonl` asset of the release (one bundle per line, as slsa-github-generator and
 *    `gh attestation download` write them), found through the release listing;
 * 4. GitHub's attestations API for the module's digest, `GET {api}/repos/{o}/{r}/attestations/sha256:{hex}`:
 *    each attestation listed is a candidate (its inline `bundle`, else the JSON at its `bundle_url`).
 *
 * Nothing is verified here: the bundles go back as text, best guess first, and verification keeps the
 * first that passes. A 404 at any step means "not here, try the next"; any other failure of the listing
 * or of the API is a warning (the install then says which bundle is missing), never a crash. The token
 * rules are the source's own (`github.ts`): `GITHUB_TOKEN` goes to the configured GitHub origins only,
 * never to a `bundle_url` on another host.
 */

import type { DownloadOptions } from "./download.ts";
import { downloadText } from "./download.ts";
import { isSamuelError } from "../errors.ts";

/** One bundle found for the module. */
export interface FoundBundle {
  name: string;
  text: string;
}

export interface FoundBundles {
  bundles: FoundBundle[];
  origin?: "release-asset" | "attestations-api";
}

/** What the search needs from the GitHub source (kept as callbacks so this module has no cycle with it). */
export interface BundleSearch {
  owner: string;
  repo: string;
  tag: string;
  moduleName: string;
  /** The module's sha256, lowercase hex. */
  moduleSha256: string;
  apiBase: string;
  maxBytes: number;
  /** Downloads a release asset; undefined on 404. */
  asset(name: string, maxBytes: number): Promise<Uint8Array | undefined>;
  /** Download options for `url`: the token only when `url` is on a configured GitHub origin. */
  options(url: string, extra: DownloadOptions): DownloadOptions;
  warn?: (message: string) => void;
}

const decoder = new TextDecoder();

function isNotFound(e: unknown): boolean {
  return isSamuelError(e) && e.code === "SAM-DOWNLOAD-001";
}

/**
 * The bundles in one file: the whole text when it is one JSON document (pretty-printed or not), else each
 * non-empty line when every line is JSON (JSONL), else the whole text (verification names the problem).
 */
export function splitBundles(text: string, name: string): FoundBundle[] {
  try {
    JSON.parse(text);
    return [{ name, text }];
  } catch { /* maybe JSONL */ }
  const lines = text.split(/\r?\n/).map((line, i) => ({ line, n: i + 1 })).filter((l) =>
    l.line.trim() !== ""
  );
  const parses = (line: string) => {
    try {
      JSON.parse(line);
      return true;
    } catch {
      return false;
    }
  };
  if (lines.length > 1 && lines.every((l) => parses(l.line))) {
    return lines.map((l) => ({ name: `${name} (line ${l.n})`, text: l.line }));
  }
  return [{ name, text }];
}

/** A GitHub API answer as JSON; undefined on 404 (quietly) or on any other failure (with a warning). */
async function apiJson(
  s: BundleSearch,
  url: string,
  label: string,
  maxBytes: number,
  purpose: string,
): Promise<unknown> {
  try {
    const text = await downloadText(
      url,
      s.options(url, { label, maxBytes, headers: { accept: "application/vnd.github+json" } }),
    );
    return JSON.parse(text);
  } catch (e) {
    if (!isNotFound(e)) s.warn?.(`could not read ${label} ${purpose}: ${e instanceof Error ? e.message : e}`);
    return undefined;
  }
}

/** Asset names ending in `.intoto.jsonl` from the release listing; none when it cannot be read. */
async function jsonlAssets(s: BundleSearch): Promise<string[]> {
  const url = `${s.apiBase}/repos/${encodeURIComponent(s.owner)}/${
    encodeURIComponent(s.repo)
  }/releases/tags/${encodeURIComponent(s.tag)}`;
  const listing = await apiJson(
    s,
    url,
    `the asset list of ${s.owner}/${s.repo}@${s.tag}`,
    8 * 1024 * 1024,
    "to look for *.intoto.jsonl",
  );
  const assets = (listing as { assets?: unknown })?.assets;
  if (!Array.isArray(assets)) return [];
  const names = assets.map((a) => (a as { name?: unknown })?.name).filter((n): n is string =>
    typeof n === "string" && n.endsWith(".intoto.jsonl")
  );
  // `<module>.intoto.jsonl` first: it names this module.
  return names.sort((a, b) =>
    Number(b === `${s.moduleName}.intoto.jsonl`) - Number(a === `${s.moduleName}.intoto.jsonl`)
  );
}

/** The attestations GitHub's API lists for the module's digest, as bundle texts. */
async function fromApi(s: BundleSearch): Promise<FoundBundle[]> {
  const digest = `sha256:${s.moduleSha256}`;
  const url = `${s.apiBase}/repos/${encodeURIComponent(s.owner)}/${
    encodeURIComponent(s.repo)
  }/attestations/${digest}?per_page=100`;
  const label = `the attestations of ${s.owner}/${s.repo} for ${digest}`;
  const answer = await apiJson(s, url, label, 64 * 1024 * 1024, "from GitHub's attestations API");
  if (answer === undefined) return [];
  const list = (answer as { attestations?: unknown })?.attestations;
  if (!Array.isArray(list)) {
    s.warn?.(`GitHub's attestations API answered ${url} without an attestations list`);
    return [];
  }
  const found: FoundBundle[] = [];
  for (let i = 0; i < list.length; i++) {
    const item = list[i] as { bundle?: unknown; bundle_url?: unknown } | null;
    const name = `attestation ${i + 1} of ${list.length} from GitHub's attestations API (${digest})`;
    if (item?.bundle && typeof item.bundle === "object") {
      found.push({ name, text: JSON.stringify(item.bundle) });
    } else if (typeof item?.bundle_url === "string") {
      try {
        const text = await downloadText(
          item.bundle_url,
          s.options(item.bundle_url, { label: `${name} at its bundle_url`, maxBytes: s.maxBytes }),
        );
        found.push({ name, text });
      } catch (e) {
        s.warn?.(`could not download ${name}: ${e instanceof Error ? e.message : e}`);
      }
    }
  }
  return found;
}

/** Looks for the module's bundle(s) in the order above. */
export async function findBundles(s: BundleSearch): Promise<FoundBundles> {
  for (const name of [`${s.moduleName}.bundle`, `${s.moduleName}.sigstore.json`]) {
    const bytes = await s.asset(name, s.maxBytes);
    if (bytes !== undefined) {
      return { bundles: splitBundles(decoder.decode(bytes), name), origin: "release-asset" };
    }
  }
  const jsonl: FoundBundle[] = [];
  for (const name of await jsonlAssets(s)) {
    const bytes = await s.asset(name, s.maxBytes);
    if (bytes !== undefined) jsonl.push(...splitBundles(decoder.decode(bytes), name));
  }
  if (jsonl.length > 0) return { bundles: jsonl, origin: "release-asset" };
  const api = await fromApi(s);
  return api.length > 0 ? { bundles: api, origin: "attestations-api" } : { bundles: [] };
}
