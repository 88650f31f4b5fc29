/**
 * Registry indexes: how `<name>[@<range>]` becomes a concrete source, and what `samuel search` and
 * `samuel info` read.
 *
 * A registry is one `[[registries]]` entry of `samuel.toml` whose `url` is
 * - `file://<path>`: an `index.toml`, or a folder holding one (relative paths: to the project root);
 * - `http(s)://…`: a URL ending in `.toml`, or a base to which `/index.toml` is added;
 * - `github.com/<o>/<r>` (or `https://github.com/<o>/<r>`): `{SAMUEL_GITHUB_RAW_URL}/<o>/<r>/HEAD/index.toml`.
 *
 * `index.toml`, format 1:
 * ```toml
 * format = 1                          # optional; any other value is refused
 * [[plugins]]
 * name = "go-guide-wasm"              # [a-z0-9][a-z0-9-]{0,63}, unique within the index
 * description = "TinyGo port of go-guide."   # optional; `search` matches it
 * source = "acme/go-guide-wasm"       # "<owner>/<repo>" (GitHub releases) or "file://<dir or .tar.gz>"
 * versions = ["0.1.0", "0.2.0"]       # the published semver versions (non-empty)
 * tag_prefix = "v"                    # optional, default "v": version 0.2.0 is the release tag "v0.2.0"
 * kind = "wasm"                       # optional, informational
 * ```
 * A `file://` source may contain `{version}` (e.g. `file://./dist/hello-{version}.tar.gz`); relative
 * `file://` sources are relative to the index's own folder and only allowed in `file://` registries.
 *
 * Resolution: registries are searched in `samuel.toml` order and the first that lists the name wins; a
 * registry that cannot be read at all stops resolution (skipping it could silently pick a same-named
 * plugin from a later registry). The highest version satisfying the range (default `*`, which excludes
 * pre-releases) is chosen.
 *
 * Network indexes are cached in `$SAMUEL_HOME/cache/registries/<sha256 of the index URL>.toml` for
 * `SAMUEL_REGISTRY_TTL` (default 1 h, by file mtime). When a refresh fails and a cached copy exists, the
 * stale copy is used and a warning says so. `file://` indexes are always read fresh.
 */

import { dirname, homePaths, isAbsolute, join, samuelHome } from "../project/paths.ts";
import { writeFileAtomic } from "../project/atomic.ts";
import { Exit, isSamuelError, SamuelError, samuelError } from "../errors.ts";
import { downloadText } from "./download.ts";
import { envDurationMs, envGet } from "./env.ts";
import { githubDownloadOptions, githubEndpoints } from "./github.ts";
import { type FileSpec, type GitHubSpec, parseSourceSpec, PLUGIN_NAME } from "./spec.ts";
import type { FetchContext, RegistryRef } from "./types.ts";

export interface IndexEntry {
  name: string;
  description?: string;
  /** As written in the index (`owner/repo` or `file://…`). */
  source: string;
  versions: string[];
  tagPrefix: string;
  kind?: string;
  /** The registry's `url` as configured in `samuel.toml`. */
  registry: string;
}

export interface ResolvedName {
  entry: IndexEntry;
  version: string;
  /** What to fetch: a GitHub release at the version's tag, or a local folder/archive. */
  spec: FileSpec | GitHubSpec;
  registry: string;
}

export type RegistryLocation =
  | { kind: "file"; path: string; url: string }
  | { kind: "http"; url: string; github: boolean };

export const DEFAULT_REGISTRY_TTL_MS = 3_600_000;

/** Where a configured registry's `index.toml` lives. */
export function registryLocation(url: string, ctx: FetchContext = {}): RegistryLocation {
  const raw = url.trim();
  const gh = /^(?:https?:\/\/)?github\.com\/([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+?)(?:\.git)?\/?$/i.exec(raw);
  if (gh) {
    const ep = githubEndpoints(ctx.env);
    return { kind: "http", url: `${ep.raw}/${gh[1]}/${gh[2]}/HEAD/index.toml`, github: true };
  }
  if (/^file:\/\//i.test(raw)) {
    const p = raw.slice("file://".length).replace(/^\/([A-Za-z]:[\\/])/, "$1");
    if (p === "") throw badRegistry(url, "the file:// URL has no path");
    const path = isAbsolute(p) ? p : join(ctx.cwd ?? Deno.cwd(), p);
    let file = path;
    try {
      if (Deno.statSync(path).isDirectory) file = join(path, "index.toml");
    } catch { /* missing: reported when read */ }
    return { kind: "file", path: file, url: `file://${file}` };
  }
  if (/^https?:\/\//i.test(raw)) {
    try {
      new URL(raw);
    } catch {
      throw badRegistry(url, "it is not a valid URL");
    }
    return {
      kind: "http",
      url: /\.toml$/i.test(raw) ? raw : `${raw.replace(/\/+$/, "")}/index.toml`,
      github: false,
    };
  }
  throw badRegistry(url, "it is not file://, http(s):// or github.com/<owner>/<repo>");
}

function badRegistry(url: string, why: string): SamuelError {
  return samuelError("SAM-REGISTRY-002", {
    message: `invalid registry URL ${JSON.stringify(url)} in samuel.toml: ${why}`,
    fix:
      'use url = "file:///path/to/registry", "https://example.com/registry/index.toml" or "github.com/<owner>/<repo>"',
  });
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The cache file for an index URL. */
export async function cachePath(indexUrl: string, ctx: FetchContext = {}): Promise<string> {
  const home = ctx.home ?? samuelHome(ctx.env ?? envGet);
  return join(homePaths(home).registries, `${await sha256Hex(indexUrl)}.toml`);
}

/** The index text: from the file, the fresh cache, the network, or (with a warning) the stale cache. */
async function indexText(loc: RegistryLocation, ref: RegistryRef, ctx: FetchContext): Promise<string> {
  if (loc.kind === "file") {
    try {
      return await Deno.readTextFile(loc.path);
    } catch (e) {
      throw samuelError("SAM-REGISTRY-007", {
        message: `cannot read the registry index ${loc.path} (registry ${ref.url})`,
        cause: e instanceof Deno.errors.NotFound ? "no such file" : String(e),
        fix: "check the registry's url in samuel.toml",
      });
    }
  }
  const cache = await cachePath(loc.url, ctx);
  const ttl = envDurationMs("SAMUEL_REGISTRY_TTL", DEFAULT_REGISTRY_TTL_MS, ctx.env ?? envGet);
  let cached: { text: string; age: number } | undefined;
  try {
    const info = await Deno.stat(cache);
    cached = { text: await Deno.readTextFile(cache), age: Date.now() - (info.mtime?.getTime() ?? 0) };
  } catch { /* no cache yet */ }
  if (cached && !ctx.refresh && cached.age >= 0 && cached.age < ttl) return cached.text;
  const options = {
    label: `registry index of ${ref.url}`,
    maxBytes: 16 * 1024 * 1024,
    timeoutMs: ctx.timeoutMs,
    retries: ctx.retries,
    retryBaseMs: ctx.retryBaseMs,
  };
  try {
    const text = await downloadText(
      loc.url,
      loc.github ? githubDownloadOptions(githubEndpoints(ctx.env), ctx, options) : options,
    );
    try {
      await Deno.mkdir(dirname(cache), { recursive: true });
      await writeFileAtomic(cache, text, { fsync: false });
    } catch (e) {
      ctx.warn?.(`could not cache the registry index of ${ref.url}: ${e instanceof Error ? e.message : e}`);
    }
    return text;
  } catch (e) {
    if (!isSamuelError(e) || !cached) {
      if (isSamuelError(e)) {
        // A 404 (like a missing file:// index) means the url is wrong, exit 2; the network failing is exit 1.
        throw samuelError(e.exit === Exit.invalidInput ? "SAM-REGISTRY-007" : "SAM-REGISTRY-006", {
          message: `cannot fetch the registry index of ${ref.url}: ${e.message}`,
          cause: e.reason,
          fix: e.fix ?? "check the registry's url in samuel.toml and your network",
          inner: e,
        });
      }
      throw e;
    }
    ctx.warn?.(
      `using a cached copy of the registry index of ${ref.url} from ${
        Math.round(cached.age / 60_000)
      } min ago: ` +
        `refreshing it failed (${e.message})`,
    );
    return cached.text;
  }
}

/** Loads and validates one registry's entries. */
export async function loadIndex(ref: RegistryRef, ctx: FetchContext = {}): Promise<IndexEntry[]> {
  const loc = registryLocation(ref.url, ctx);
  const text = await indexText(loc, ref, ctx);
  return await parseIndex(text, ref.url, loc);
}

/** Parses `index.toml` text (format above); `where` names it in errors. */
export async function parseIndex(
  text: string,
  registry: string,
  loc?: RegistryLocation,
): Promise<IndexEntry[]> {
  const where = loc?.kind === "file" ? loc.path : loc?.url ?? registry;
  const bad = (why: string) =>
    samuelError("SAM-REGISTRY-003", {
      message: `the registry index ${where} is not valid: ${why}`,
      fix: "fix index.toml: each [[plugins]] needs name, source and versions (see `samuel help install`)",
    });
  const { parse } = await import("npm:smol-toml@1.9.1");
  const semver = (await import("npm:semver@7.8.6")).default;
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (e) {
    throw bad(e instanceof Error ? e.message.split("\n")[0] : String(e));
  }
  if (doc.format !== undefined && doc.format !== 1) {
    throw bad(`format = ${JSON.stringify(doc.format)} (only 1 is known)`);
  }
  const plugins = doc.plugins ?? [];
  if (!Array.isArray(plugins)) throw bad("plugins must be an array of tables ([[plugins]])");
  const seen = new Set<string>();
  return plugins.map((p, i) => {
    const at = `plugins[${i}]`;
    if (typeof p !== "object" || p === null) throw bad(`${at} is not a table`);
    const t = p as Record<string, unknown>;
    if (typeof t.name !== "string" || !PLUGIN_NAME.test(t.name)) {
      throw bad(`${at}.name is missing or not a plugin name`);
    }
    if (seen.has(t.name)) throw bad(`${t.name} is listed twice`);
    seen.add(t.name);
    if (typeof t.source !== "string" || t.source === "") throw bad(`${t.name}: source is missing`);
    if (!/^file:\/\//i.test(t.source) && !/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/.test(t.source)) {
      throw bad(`${t.name}: source ${JSON.stringify(t.source)} is neither "<owner>/<repo>" nor "file://…"`);
    }
    if (/^file:\/\//i.test(t.source) && loc?.kind !== "file" && !isAbsolute(t.source.slice(7))) {
      throw bad(`${t.name}: a relative file:// source is only allowed in a file:// registry`);
    }
    if (!Array.isArray(t.versions) || t.versions.length === 0) {
      throw bad(`${t.name}: versions must be a non-empty array`);
    }
    for (const v of t.versions) {
      if (typeof v !== "string" || semver.valid(v) === null) {
        throw bad(`${t.name}: ${JSON.stringify(v)} is not a semver version`);
      }
    }
    if (t.description !== undefined && typeof t.description !== "string") {
      throw bad(`${t.name}: description must be a string`);
    }
    if (t.tag_prefix !== undefined && typeof t.tag_prefix !== "string") {
      throw bad(`${t.name}: tag_prefix must be a string`);
    }
    if (t.kind !== undefined && typeof t.kind !== "string") throw bad(`${t.name}: kind must be a string`);
    let source = t.source;
    if (/^file:\/\//i.test(source) && !isAbsolute(source.slice(7)) && loc?.kind === "file") {
      source = `file://${join(dirname(loc.path), source.slice(7))}`;
    }
    return {
      name: t.name,
      description: t.description as string | undefined,
      source,
      versions: t.versions as string[],
      tagPrefix: (t.tag_prefix as string | undefined) ?? "v",
      kind: t.kind as string | undefined,
      registry,
    };
  });
}

function noRegistries(): SamuelError {
  return samuelError("SAM-REGISTRY-001", {
    message: "no registries are configured, so plugin names cannot be looked up",
    fix: 'add one to samuel.toml: [[registries]] url = "github.com/<owner>/<repo>"; or install by ' +
      "<owner>/<repo>[@<tag>] or file://<dir>",
  });
}

/** Resolves `name[@range]` through the registries, first match wins. */
export async function resolveName(
  name: string,
  range: string | undefined,
  registries: RegistryRef[],
  ctx: FetchContext = {},
): Promise<ResolvedName> {
  if (registries.length === 0) throw noRegistries();
  const all: IndexEntry[] = [];
  for (const ref of registries) {
    const entries = await loadIndex(ref, ctx);
    all.push(...entries);
    const entry = entries.find((e) => e.name === name);
    if (!entry) continue;
    const semver = (await import("npm:semver@7.8.6")).default;
    const version = semver.maxSatisfying(entry.versions, range ?? "*");
    if (version === null) {
      const listed = [...entry.versions].sort(semver.rcompare).join(", ");
      throw samuelError("SAM-REGISTRY-005", {
        message: `no version of ${name} satisfies ${range ?? "*"} (registry ${ref.url} lists ${listed})`,
        cause: range === undefined ? "only pre-release versions are listed; name one explicitly" : undefined,
        fix: `pick a listed version, e.g. samuel install ${name}@${semver.rsort([...entry.versions])[0]}`,
      });
    }
    return { entry, version, spec: await entrySpec(entry, version, ctx), registry: ref.url };
  }
  const near = all.filter((e) => e.name.includes(name) || name.includes(e.name)).map((e) => e.name);
  throw samuelError("SAM-REGISTRY-004", {
    message: `plugin ${name} is in none of the configured registries (${
      registries.map((r) => r.url).join(", ")
    })`,
    fix: near.length > 0
      ? `did you mean ${near.slice(0, 3).join(", ")}? \`samuel search <words>\` lists what is available`
      : "`samuel search <words>` lists what is available; install by <owner>/<repo> if it is not in a registry",
  });
}

async function entrySpec(
  entry: IndexEntry,
  version: string,
  ctx: FetchContext,
): Promise<FileSpec | GitHubSpec> {
  if (/^file:\/\//i.test(entry.source)) {
    const spec = await parseSourceSpec(entry.source.replaceAll("{version}", version), ctx.cwd);
    return spec as FileSpec;
  }
  const [owner, repo] = entry.source.split("/");
  const tag = `${entry.tagPrefix}${version}`;
  return { kind: "github", owner, repo, tag, raw: `${owner}/${repo}@${tag}` };
}

/** Entries whose name or description contains every word of `query` (case-insensitive); name hits first. */
export async function search(
  query: string,
  registries: RegistryRef[],
  ctx: FetchContext = {},
): Promise<IndexEntry[]> {
  if (registries.length === 0) throw noRegistries();
  const words = query.toLowerCase().split(/\s+/).filter((w) => w !== "");
  const hits: Array<{ e: IndexEntry; score: number }> = [];
  const names = new Set<string>();
  for (const ref of registries) {
    const entries = await loadIndexOrSkip(ref, ctx);
    if (entries === undefined) continue;
    for (const e of entries) {
      if (names.has(e.name)) continue; // an earlier registry shadows it, as in resolution
      const name = e.name.toLowerCase();
      const text = `${name} ${(e.description ?? "").toLowerCase()}`;
      if (!words.every((w) => text.includes(w))) continue;
      names.add(e.name);
      hits.push({ e, score: words.length === 0 ? 0 : words.every((w) => name.includes(w)) ? 0 : 1 });
    }
  }
  return hits.sort((a, b) => a.score - b.score || a.e.name.localeCompare(b.e.name)).map((h) => h.e);
}

/**
 * A registry's entries for the read-only lookups (search, info): an unreachable or broken registry is
 * skipped with a warning (undefined), except an invalid index (SAM-REGISTRY-003), which is the
 * registry owner's bug and reported.
 */
async function loadIndexOrSkip(ref: RegistryRef, ctx: FetchContext): Promise<IndexEntry[] | undefined> {
  try {
    return await loadIndex(ref, ctx);
  } catch (e) {
    if (!isSamuelError(e) || e.code === "SAM-REGISTRY-003") throw e;
    ctx.warn?.(`skipped registry ${ref.url}: ${e.message}`);
    return undefined;
  }
}

/**
 * The entry for `name` in the first registry that lists it. Read-only, so an unreachable registry is
 * skipped with a warning (unlike resolution, nothing gets installed from the answer).
 */
export async function info(
  name: string,
  registries: RegistryRef[],
  ctx: FetchContext = {},
): Promise<IndexEntry> {
  if (registries.length === 0) throw noRegistries();
  const skipped: string[] = [];
  for (const ref of registries) {
    const entries = await loadIndexOrSkip(ref, ctx);
    if (entries === undefined) {
      skipped.push(ref.url);
      continue;
    }
    const entry = entries.find((e) => e.name === name);
    if (entry) return entry;
  }
  throw samuelError("SAM-REGISTRY-004", {
    message: `plugin ${name} is in none of the configured registries (${
      registries.map((r) => r.url).join(", ")
    })`,
    cause: skipped.length > 0 ? `these registries could not be read: ${skipped.join(", ")}` : undefined,
    fix: "`samuel search <words>` lists what is available",
  });
}
