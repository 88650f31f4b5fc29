/**
 * The shapes shared by the source fetchers (`local.ts`, `github.ts`, `registry.ts`) and their caller
 * (`mod.ts`): what a fetch needs from its caller, and what it hands to the install transaction.
 */

import type { EnvGetter } from "./env.ts";

/** What the install transaction receives: raw bytes and text, nothing parsed or verified yet. */
export interface FetchedPlugin {
  /** `wasm`, `skill`, or whatever the manifest says (an unsupported kind is left to manifest validation). */
  kind: string;
  /** The `samuel-plugin.toml` text, as published. */
  manifestText: string;
  /** Where the manifest came from (a path or URL), for error messages. */
  manifestName: string;
  /**
   * The artifact the signature covers: the wasm module, or a skill's `.tar.gz` as published. Undefined for
   * a skill installed from a plain folder (there is no single artifact; it is unsigned).
   */
  module?: Uint8Array;
  /** The artifact's file name (`plugin.wasm`, `hello.tar.gz`, or `SKILL.md` for a skill folder). */
  moduleName: string;
  /** The Sigstore bundle text, when the source publishes one; verification decides what a missing one means. */
  bundleText?: string;
  /**
   * Where `bundleText` came from, for messages: `<moduleName>.bundle` (also when absent, for the "signature
   * bundle missing" message), another release asset's name, or the attestations API.
   */
  bundleName: string;
  /**
   * Further bundles to try, in order, when the source offers several for the file (the lines of a
   * `*.intoto.jsonl` asset, the attestations GitHub's API lists for its digest).
   */
  moreBundles?: { name: string; text: string }[];
  /** How the bundle was found: `release-asset`, `attestations-api` or `file`; undefined when none was. */
  bundleOrigin?: "release-asset" | "attestations-api" | "file";
  /** A skill's unpacked folder (a staging folder for archives, the source folder itself for folders). */
  skillDir?: string;
  /** The exact location fetched: the module's URL, or `file://<absolute path>`. */
  resolvedUrl: string;
  /** The request, canonicalised, as `samuel.lock` records it (`acme/x`, `hello@^1`, `file:///p`); `update` re-resolves it. */
  source: string;
  /** The same source pinned to what was resolved (`acme/x@v0.1.0`), for an exact reinstall. */
  pinned: string;
  /** The release tag, for GitHub sources (also when reached through a registry). */
  tag?: string;
  /** The version chosen from a registry index. */
  version?: string;
  /** The registry URL a name was resolved through. */
  registry?: string;
}

/** One `[[registries]]` entry of `samuel.toml`. */
export interface RegistryRef {
  name?: string;
  url: string;
}

/** Size limits for fetched files, in bytes. */
export interface SourceLimits {
  manifestBytes: number;
  moduleBytes: number;
  bundleBytes: number;
  /** A skill `.tar.gz` as downloaded. */
  archiveBytes: number;
  /** A skill unpacked: total bytes and entries. */
  unpackedBytes: number;
  entries: number;
}

const MiB = 1024 * 1024;
export const DEFAULT_LIMITS: SourceLimits = {
  manifestBytes: 1 * MiB,
  moduleBytes: 256 * MiB,
  bundleBytes: 4 * MiB,
  archiveBytes: 64 * MiB,
  unpackedBytes: 256 * MiB,
  entries: 10_000,
};

/** How far one download has come, for whoever shows it. */
export interface DownloadProgress {
  /** The bytes received so far and the total when known. */
  update(received: number, total: number | undefined): void;
  /** The download ended (done or failed). */
  done(): void;
}

/** Shows nothing. */
export const NO_PROGRESS: DownloadProgress = { update() {}, done() {} };

/** What a fetch needs from its caller. Every field is optional; defaults suit a real run. */
export interface FetchContext {
  /** For relative `file://` paths in registry indexes given relative to the project; default `Deno.cwd()`. */
  cwd?: string;
  /** Where skills are unpacked (must be empty or absent); default a fresh temp folder the caller removes. */
  stagingDir?: string;
  /** `[[registries]]` from `samuel.toml`, in order: the first that lists a name wins. */
  registries?: RegistryRef[];
  /**
   * Makes the progress display of one download (the CLI draws a bar on a terminal, src/cli/progress.ts);
   * absent or false: downloads show nothing.
   */
  progress?: false | ((label: string) => DownloadProgress);
  /** Non-fatal problems (e.g. a stale registry cache was used). */
  warn?: (message: string) => void;
  env?: EnvGetter;
  /** `$SAMUEL_HOME` (default from `src/project/paths.ts`). */
  home?: string;
  limits?: Partial<SourceLimits>;
  /** Download tuning (tests use short ones). */
  timeoutMs?: number;
  retries?: number;
  retryBaseMs?: number;
  /** Re-fetch registry indexes even when the cache is fresh. */
  refresh?: boolean;
}

export function limitsOf(ctx: FetchContext): SourceLimits {
  return { ...DEFAULT_LIMITS, ...ctx.limits };
}
