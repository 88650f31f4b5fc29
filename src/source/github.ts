/**
 * `<owner>/<repo>[@<tag>]` sources: GitHub release assets (DESIGN.md section 6).
 *
 * - Bases come from `SAMUEL_GITHUB_API_URL` and `SAMUEL_GITHUB_DOWNLOAD_URL` (see `env.ts`), so tests and
 *   mirrors can point elsewhere. Without a tag, `GET {api}/repos/{o}/{r}/releases/latest` gives
 *   `tag_name`. Assets are `{download}/{o}/{r}/releases/download/{tag}/{asset}`.
 * - `GITHUB_TOKEN`, when set, goes as `Authorization: Bearer` to the configured API, download and raw
 *   origins only; a redirect elsewhere (GitHub's asset storage) never sees it (`download.ts`).
 * - Order: `samuel-plugin.toml` first; then, for `kind = "wasm"`, the asset named by the basename of
 *   `[wasm].module` (default `plugin.wasm`; release assets have no folders). For `kind = "skill"` the
 *   artifact is the asset `<name>.tar.gz` (`name` from the manifest); it is unpacked safely into the
 *   staging folder. Then its signature: `<module>.bundle`, `<module>.sigstore.json`, `*.intoto.jsonl`
 *   assets, else GitHub's attestations API for the module's sha256 (`bundles.ts`). A missing bundle is
 *   not an error here (`bundleText: undefined`; verification decides); any other failure of the module or
 *   manifest download is.
 */

import {
  baseUrl,
  DEFAULT_GITHUB_API_URL,
  DEFAULT_GITHUB_DOWNLOAD_URL,
  DEFAULT_GITHUB_RAW_URL,
  envGet,
  type EnvGetter,
} from "./env.ts";
import { findBundles, type FoundBundles } from "./bundles.ts";
import { download, type DownloadOptions, downloadText } from "./download.ts";
import { requireFile, unpackSkill } from "./local.ts";
import { type ManifestPeek, peekManifest } from "./peek.ts";
import type { GitHubSpec } from "./spec.ts";
import { stagingDirFor } from "./staging.ts";
import { type FetchContext, type FetchedPlugin, limitsOf, NO_PROGRESS } from "./types.ts";
import { isSamuelError, samuelError } from "../errors.ts";

export interface GitHubEndpoints {
  api: string;
  download: string;
  raw: string;
  token?: string;
}

export function githubEndpoints(env: EnvGetter = envGet): GitHubEndpoints {
  const token = env("GITHUB_TOKEN")?.trim();
  return {
    api: baseUrl("SAMUEL_GITHUB_API_URL", DEFAULT_GITHUB_API_URL, env),
    download: baseUrl("SAMUEL_GITHUB_DOWNLOAD_URL", DEFAULT_GITHUB_DOWNLOAD_URL, env),
    raw: baseUrl("SAMUEL_GITHUB_RAW_URL", DEFAULT_GITHUB_RAW_URL, env),
    token: token || undefined,
  };
}

/** Download options that carry the token, trusted only on the configured GitHub origins. */
export function githubDownloadOptions(
  ep: GitHubEndpoints,
  ctx: FetchContext,
  extra: DownloadOptions = {},
): DownloadOptions {
  const headers: Record<string, string> = { "user-agent": "samuel", ...extra.headers };
  if (ep.token) headers.authorization = `Bearer ${ep.token}`;
  const trustedOrigins = [ep.api, ep.download, ep.raw].flatMap((u) => {
    try {
      return [new URL(u).origin];
    } catch {
      return [];
    }
  });
  return {
    timeoutMs: ctx.timeoutMs,
    retries: ctx.retries,
    retryBaseMs: ctx.retryBaseMs,
    ...extra,
    headers,
    trustedOrigins,
  };
}

/** `githubDownloadOptions`, without the token when `url` is not on a configured GitHub origin. */
export function githubOptionsFor(
  url: string,
  ep: GitHubEndpoints,
  ctx: FetchContext,
  extra: DownloadOptions = {},
): DownloadOptions {
  const options = githubDownloadOptions(ep, ctx, extra);
  let origin: string | undefined;
  try {
    origin = new URL(url).origin;
  } catch { /* download reports the bad URL */ }
  if (origin !== undefined && options.trustedOrigins?.includes(origin)) return options;
  const { authorization: _, ...headers } = options.headers ?? {};
  return { ...options, headers };
}

function seg(s: string): string {
  return encodeURIComponent(s);
}

/** `{download}/{o}/{r}/releases/download/{tag}/{asset}`; a tag with `/` keeps its slashes. */
export function assetUrl(
  ep: GitHubEndpoints,
  owner: string,
  repo: string,
  tag: string,
  asset: string,
): string {
  return `${ep.download}/${seg(owner)}/${seg(repo)}/releases/download/${tag.split("/").map(seg).join("/")}/${
    seg(asset)
  }`;
}

/** The tag of the latest release, from the GitHub API. */
export async function latestReleaseTag(
  owner: string,
  repo: string,
  ep: GitHubEndpoints,
  ctx: FetchContext = {},
): Promise<string> {
  const url = `${ep.api}/repos/${seg(owner)}/${seg(repo)}/releases/latest`;
  const text = await downloadText(
    url,
    githubDownloadOptions(ep, ctx, {
      label: `the latest release of ${owner}/${repo}`,
      maxBytes: 8 * 1024 * 1024,
      headers: { accept: "application/vnd.github+json" },
      notFoundHint: `${owner}/${repo} has no published release (drafts and pre-releases do not count), ` +
        "or the repository does not exist or is private",
    }),
  );
  let tag: unknown;
  try {
    tag = (JSON.parse(text) as { tag_name?: unknown }).tag_name;
  } catch { /* reported below */ }
  if (typeof tag !== "string" || tag === "") {
    throw samuelError("SAM-SOURCE-011", {
      message: `the latest-release answer for ${owner}/${repo} from ${url} has no tag_name`,
      fix: `name the tag explicitly: samuel install ${owner}/${repo}@<tag>`,
    });
  }
  return tag;
}

export async function fetchGitHub(spec: GitHubSpec, ctx: FetchContext = {}): Promise<FetchedPlugin> {
  const ep = githubEndpoints(ctx.env);
  const { owner, repo } = spec;
  const tag = spec.tag ?? await latestReleaseTag(owner, repo, ep, ctx);
  const limits = limitsOf(ctx);
  const where = `${owner}/${repo}@${tag}`;
  const release: Release = { ep, ctx, owner, repo, tag, where };
  const manifestName = "samuel-plugin.toml";
  const manifestText = new TextDecoder().decode(await getAsset(release, manifestName, limits.manifestBytes));
  const manifestUrl = assetUrl(ep, owner, repo, tag, manifestName);
  const peek = await peekManifest(manifestText, manifestUrl);
  const source = spec.tag === undefined ? `${owner}/${repo}` : where;
  const base = { manifestText, manifestName: manifestUrl, source, pinned: where, tag };
  const moduleName = artifactAssetName(peek, manifestUrl);
  if (moduleName === undefined) {
    // Manifest validation owns the "kind not supported" error; there is nothing more to fetch.
    return {
      ...base,
      kind: peek.kind,
      moduleName: peek.module,
      bundleName: `${peek.module}.bundle`,
      resolvedUrl: manifestUrl,
    };
  }
  const maxBytes = peek.kind === "wasm" ? limits.moduleBytes : limits.archiveBytes;
  const module = (await getAsset(release, moduleName, maxBytes))!;
  const found = await releaseBundles(release, module, moduleName, limits.bundleBytes);
  const [first, ...more] = found.bundles;
  const fetched: FetchedPlugin = {
    ...base,
    kind: peek.kind,
    module,
    moduleName,
    bundleText: first?.text,
    bundleName: first?.name ?? `${moduleName}.bundle`,
    ...(more.length > 0 ? { moreBundles: more } : {}),
    ...(found.origin ? { bundleOrigin: found.origin } : {}),
    resolvedUrl: assetUrl(ep, owner, repo, tag, moduleName),
  };
  if (peek.kind === "skill") await stageSkill(fetched, module, moduleName, peek.skillEntry, ctx);
  return fetched;
}

/** One release being fetched: where its assets live and how to ask for them. */
interface Release {
  ep: GitHubEndpoints;
  ctx: FetchContext;
  owner: string;
  repo: string;
  tag: string;
  /** `owner/repo@tag`, for messages. */
  where: string;
}

/** Downloads one release asset, with progress; an `optional` asset that is not there gives undefined. */
async function getAsset(
  rel: Release,
  asset: string,
  maxBytes: number,
  optional = false,
): Promise<Uint8Array | undefined> {
  const { ep, ctx, owner, repo, tag } = rel;
  const url = assetUrl(ep, owner, repo, tag, asset);
  const progress = ctx.progress ? ctx.progress(asset) : NO_PROGRESS;
  try {
    return await download(
      url,
      githubDownloadOptions(ep, ctx, {
        label: `release asset ${asset} of ${rel.where}`,
        maxBytes,
        onProgress: (r, t) => progress.update(r, t),
        notFoundHint: `the release ${tag} of ${owner}/${repo} has no asset ${asset} ` +
          "(or the tag or repository does not exist)",
      }),
    );
  } catch (e) {
    if (optional && isSamuelError(e) && e.code === "SAM-DOWNLOAD-001") return undefined;
    throw e;
  } finally {
    progress.done();
  }
}

/** The asset holding the artifact (release assets have no folders); undefined for a kind we do not fetch. */
function artifactAssetName(peek: ManifestPeek, manifestUrl: string): string | undefined {
  if (peek.kind === "wasm") return peek.module.split("/").pop()!;
  if (peek.kind !== "skill") return undefined;
  if (!peek.name) {
    throw samuelError("SAM-SOURCE-010", {
      message: `${manifestUrl} has no name, so the skill archive asset <name>.tar.gz cannot be found`,
      fix: 'add name = "<plugin-name>" to the manifest',
    });
  }
  return `${peek.name}.tar.gz`;
}

/** The signature bundles for `module`: release assets first, else the attestations API (bundles.ts). */
async function releaseBundles(
  rel: Release,
  module: Uint8Array,
  moduleName: string,
  maxBytes: number,
): Promise<FoundBundles> {
  const { ep, ctx } = rel;
  const moduleDigest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", module as Uint8Array<ArrayBuffer>),
  );
  return await findBundles({
    owner: rel.owner,
    repo: rel.repo,
    tag: rel.tag,
    moduleName,
    moduleSha256: Array.from(moduleDigest, (b) => b.toString(16).padStart(2, "0")).join(""),
    apiBase: ep.api,
    maxBytes,
    asset: (name, maxBytes) => getAsset(rel, name, maxBytes, true),
    options: (url, extra) => githubOptionsFor(url, ep, ctx, extra),
    warn: ctx.warn,
  });
}

/** Unpacks a skill archive into staging and checks its entry file is there. */
async function stageSkill(
  fetched: FetchedPlugin,
  archive: Uint8Array,
  archiveName: string,
  skillEntry: string,
  ctx: FetchContext,
): Promise<void> {
  fetched.skillDir = await unpackSkill(archive, await stagingDirFor(ctx, "skill"), archiveName, ctx);
  await requireFile(
    `${fetched.skillDir}/${skillEntry}`,
    "skill entry",
    `[skill].entry (default SKILL.md) in ${archiveName}`,
  );
}
