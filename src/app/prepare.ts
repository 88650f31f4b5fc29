/**
 * Everything an install does before it may touch the project (DESIGN.md 6, steps 1-4): fetch the source,
 * parse and validate the manifest (framework and protocol ranges included), verify the signature or
 * record why it was skipped, check the module against the manifest and this host, and warm the module
 * cache. The result is a `PreparedPlugin`: the files to stage, the lock entry to write, and what to show.
 * Nothing here writes inside the project; temp files live in a folder the caller removes (`cleanup`).
 */

import { type Manifest, manifestError, parseManifest, type WasmManifest } from "../manifest/mod.ts";
import type { ProjectConfig } from "../project/config.ts";
import type { LockedCapabilities, LockedPlugin, Sha256Digests, Verification } from "../project/lockfile.ts";
import { homePaths, join } from "../project/paths.ts";
import type { ModuleInfo } from "../runtime/preprocess/mod.ts";
import type { FetchContext, FetchedPlugin } from "../source/types.ts";
import type { TrustRootSession } from "../verify/trust_source.ts";
import { sha256Hex } from "../store/digest.ts";
import { bundleOffers, fetchSource, githubRepoOf, registriesFor, withBundle } from "./fetch.ts";
import { grantsOf } from "./grants.ts";
import type { ProgressSink, Reporter } from "./io.ts";
import { envGet } from "../env.ts";
import { samuelError } from "../errors.ts";

/** One file to place in the plugin folder: bytes, or a file to copy. */
export interface StagedFile {
  /** Relative to the plugin folder, `/`-separated. */
  path: string;
  bytes?: Uint8Array;
  copyFrom?: string;
}

export interface PreparedPlugin {
  fetched: FetchedPlugin;
  manifest: Manifest;
  /** Manifest warnings (unknown keys, ...), formatted. */
  warnings: string[];
  verification: Verification;
  /** Extra verification facts for output (media type, integrated time). */
  verificationDetail: Record<string, unknown>;
  sha256: Sha256Digests;
  capabilities: LockedCapabilities;
  files: StagedFile[];
  /** Module cache result, for wasm plugins (`dryRun` builds without storing). */
  cache?: { hit: boolean; stored: boolean };
  /** Removes temp folders (unpacked skills). */
  cleanup(): Promise<void>;
}

export interface PrepareOptions {
  root: string;
  cwd: string;
  config: ProjectConfig;
  out: Reporter;
  strict: boolean;
  /** `--allow-unsigned`. */
  allowUnsignedFlag: boolean;
  /** The command's trusted root: resolved (at most once) on the first signature to verify. */
  trust: TrustRootSession;
  dryRun: boolean;
  /** Shows each download's progress (absent: nothing shown). */
  progress?: ProgressSink;
  /** Extra context for fetchers (tests: timeouts). */
  fetch?: Partial<FetchContext>;
}

const encoder = new TextEncoder();

/** Why verification is skipped, or undefined when it must run. */
export function unsignedReason(opts: PrepareOptions): string | undefined {
  if (opts.allowUnsignedFlag) return "verification skipped by --allow-unsigned";
  const env = envGet("SAMUEL_VERIFY_ALLOW_UNSIGNED");
  if (env !== undefined && ["1", "true", "yes"].includes(env.trim().toLowerCase())) {
    return "verification skipped by SAMUEL_VERIFY_ALLOW_UNSIGNED";
  }
  if (opts.config.security.allowUnsigned) {
    return "verification skipped by [security].allow_unsigned in samuel.toml";
  }
  return undefined;
}

/** Fetches `source` and runs every check; throws the first failure. */
export async function preparePlugin(source: string, opts: PrepareOptions): Promise<PreparedPlugin> {
  const started = performance.now();
  const temp = await Deno.makeTempDir({ prefix: "samuel-install-" });
  const cleanup = async () => {
    try {
      await Deno.remove(temp, { recursive: true });
    } catch { /* already gone */ }
  };
  try {
    const fetched = await fetchSource(source, {
      cwd: opts.cwd,
      stagingDir: temp,
      registries: registriesFor(opts.config.registries, opts.root),
      progress: opts.progress,
      warn: (m) => opts.out.warn(m),
      ...opts.fetch,
    });
    opts.out.debug?.(`fetch: ${(performance.now() - started).toFixed(1)} ms`);
    return { ...await checkFetched(fetched, opts), cleanup };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/** The checks after fetching (also used by reinstall-from-lock, which fetches itself). */
export async function checkFetched(
  original: FetchedPlugin,
  opts: PrepareOptions,
): Promise<Omit<PreparedPlugin, "cleanup">> {
  const out = opts.out;
  const lap = stopwatch(out);
  const { manifest, warnings } = await validManifest(original, opts);
  lap("manifest");

  const moduleBytes = original.module ?? await folderDigestInput(original.skillDir!);
  const sha256: Sha256Digests = {
    module: await sha256Hex(moduleBytes),
    manifest: await sha256Hex(original.manifestText),
  };
  const verified = await verifyFetched(original, manifest, opts, lap);
  // From here on the plugin carries the one bundle that verified: it is staged, hashed and locked.
  const { fetched, verification, verificationDetail } = verified;
  if (verified.bundleSha256 !== undefined) sha256.bundle = verified.bundleSha256;
  lap(verification.method === "sigstore" ? "verify" : "digests");

  const files: StagedFile[] = [{ path: "samuel-plugin.toml", bytes: encoder.encode(fetched.manifestText) }];
  const signed = verification.method === "sigstore" ? fetched.bundleText : undefined;
  let cache: PreparedPlugin["cache"];
  if (manifest.kind === "wasm") {
    const bytes = fetched.module!;
    cache = await checkAndCacheModule(bytes, manifest, fetched.moduleName, sha256.module, opts, lap);
    files.push({ path: manifest.wasm.module, bytes });
    if (signed !== undefined) {
      files.push({ path: `${manifest.wasm.module}.bundle`, bytes: encoder.encode(signed) });
    }
  } else {
    for (const rel of await listFiles(fetched.skillDir!)) {
      if (rel === "samuel-plugin.toml") continue;
      files.push({ path: rel, copyFrom: join(fetched.skillDir!, rel) });
    }
    if (signed !== undefined) {
      // Named after the archive: the bundle may have come from another asset or from the API.
      files.push({ path: `.samuel-artifact/${fetched.moduleName}.bundle`, bytes: encoder.encode(signed) });
    }
  }
  if (fetched.kind !== manifest.kind) {
    // The fetcher peeked a kind; the validated manifest is authoritative (they agree unless TOML is odd).
    out.warn(`${fetched.manifestName}: fetched as ${fetched.kind}, manifest says ${manifest.kind}`);
  }
  return {
    fetched,
    manifest,
    warnings,
    verification,
    verificationDetail,
    sha256,
    capabilities: grantsOf(manifest),
    files,
    cache,
  };
}

/** `--verbose` phase timings: each call reports the time since the previous one. */
function stopwatch(out: Reporter): (what: string) => void {
  let mark = performance.now();
  return (what) => {
    const now = performance.now();
    out.debug?.(`${what}: ${(now - mark).toFixed(1)} ms`);
    mark = now;
  };
}

/** The fetched manifest under a full parse (framework and protocol ranges included); warnings are shown. */
async function validManifest(
  fetched: FetchedPlugin,
  opts: PrepareOptions,
): Promise<{ manifest: Manifest; warnings: string[] }> {
  const parsed = await parseManifest(fetched.manifestText, {
    file: fetched.manifestName,
    strict: opts.strict,
  });
  if (!parsed.manifest) {
    throw manifestError(fetched.manifestName, parsed.problems, "fix them and publish again", parsed.omitted);
  }
  const warnings = parsed.problems.filter((p) => p.severity === "warning").map((p) =>
    `${p.file}${p.line ? `:${p.line}` : ""}: ${p.key ? p.key + ": " : ""}${p.message}`
  );
  for (const w of warnings) opts.out.warn(w);
  return { manifest: parsed.manifest, warnings };
}

/**
 * Verifies the signature (or records why it is skipped): the first offered bundle that the policy and
 * the trusted root accept wins, and the returned plugin carries only that one.
 */
async function verifyFetched(
  fetched: FetchedPlugin,
  manifest: Manifest,
  opts: PrepareOptions,
  lap: (what: string) => void,
): Promise<{
  fetched: FetchedPlugin;
  verification: Verification;
  verificationDetail: Record<string, unknown>;
  bundleSha256?: string;
}> {
  const skip = unsignedReason(opts);
  if (skip) return { fetched, verification: { method: "unsigned", reason: skip }, verificationDetail: {} };
  if (fetched.module === undefined) {
    throw samuelError("SAM-INSTALL-012", {
      message: `${manifest.name} is a skill folder, which has no single artifact to sign`,
      fix:
        "install it with --allow-unsigned if you trust the folder, or publish it as a .tar.gz with its bundle",
    });
  }
  const verify = await import("../verify/mod.ts");
  const policy = verify.buildPolicy({
    github: githubRepoOf(fetched),
    identityPatterns: opts.config.security.identityPatterns,
    identityMode: opts.config.security.identityMode,
    issuer: opts.config.security.issuer,
    requirePredicateType: opts.config.security.requirePredicateType,
  });
  const trust = await opts.trust.resolve();
  lap("trust root");
  const offers = bundleOffers(fetched);
  const { result, index } = await verify.verifyFirstAcceptable({
    artifact: fetched.module,
    candidates: offers,
    missingName: fetched.bundleName,
    policy,
    trustedRoot: trust.root,
    trustedRootOrigin: trust.origin,
  });
  const chosen = offers.length > 0 ? withBundle(fetched, offers[index]) : fetched;
  const verificationDetail: Record<string, unknown> = { media_type: result.mediaType };
  if (result.integratedTime) verificationDetail.integrated_time = result.integratedTime;
  if (chosen.bundleOrigin) verificationDetail.bundle_source = chosen.bundleOrigin;
  return {
    fetched: chosen,
    verification: {
      method: "sigstore",
      san: result.san,
      issuer: result.issuer,
      logIndex: result.logIndex,
      ...(result.attestation ? { attestation: result.attestation } : {}),
    },
    verificationDetail,
    bundleSha256: result.bundleSha256,
  };
}

/**
 * The wasm module against its manifest and this host (`store/module_check.ts`), then the module cache warmed
 * (a dry run builds without storing), then, when only the module's own runtime can answer, its protocol
 * version read in a sandbox without grants (`protocol_probe.ts`).
 */
async function checkAndCacheModule(
  bytes: Uint8Array,
  manifest: WasmManifest,
  moduleName: string,
  moduleSha256: string,
  opts: PrepareOptions,
  lap: (what: string) => void,
): Promise<NonNullable<PreparedPlugin["cache"]>> {
  const out = opts.out;
  const check = await import("../store/module_check.ts");
  const result = check.checkModule(bytes, manifest, moduleName);
  for (const w of result.warnings) out.warn(w);
  lap("module checks");
  const max = manifest.runtime.maxMemoryMiB;
  let built: { bytes: Uint8Array; info: ModuleInfo };
  let cache: NonNullable<PreparedPlugin["cache"]>;
  if (opts.dryRun) {
    built = check.buildForCache(max)(bytes);
    cache = { hit: false, stored: false };
  } else {
    const { ModuleCache } = await import("../store/module_cache.ts");
    const store = new ModuleCache(homePaths().wasmCache, opts.config.wasm.cacheBudget);
    const hit = await store.getOrBuild(
      bytes,
      check.cacheVariant(max),
      check.buildForCache(max),
      moduleSha256,
    );
    built = { bytes: hit.bytes, info: hit.meta.info as ModuleInfo };
    cache = { hit: hit.hit, stored: true };
  }
  lap(cache.hit ? "module cache (hit)" : "pre-process and cache fill");
  if (result.protocolPending) {
    const probe = await import("./protocol_probe.ts");
    const asked = probe.probeable(result.info) ? await probe.protocolFromSandbox(built, manifest) : undefined;
    if (asked?.value !== undefined) check.checkProtocolValue(asked.value, moduleName);
    else {
      out.warn(
        `${check.PROTOCOL_EXPORT}() could not be evaluated at install (${
          asked?.why ?? "a command module is not run at install"
        }); samuel run checks it`,
      );
    }
    lap("protocol probe");
  }
  return cache;
}

/** Every regular file under `dir`, relative and sorted; symbolic links are refused. */
export async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  const entries: Deno.DirEntry[] = [];
  for await (const e of Deno.readDir(join(dir, prefix))) entries.push(e);
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isSymlink) {
      throw samuelError("SAM-INSTALL-013", {
        message: `the skill contains a symbolic link: ${rel}`,
        fix: "replace the link with the file it points to",
      });
    }
    if (e.isDirectory) out.push(...await listFiles(dir, rel));
    else if (e.isFile) out.push(rel);
  }
  return out;
}

/**
 * A skill folder has no single artifact, so its "module" digest covers the tree: each file's relative path
 * and sha256, one per line, sorted.
 */
async function folderDigestInput(dir: string): Promise<Uint8Array> {
  const lines: string[] = [];
  for (const rel of await listFiles(dir)) {
    lines.push(`${await sha256Hex(await Deno.readFile(join(dir, rel)))}  ${rel}`);
  }
  return encoder.encode(lines.join("\n") + "\n");
}

/** The lock entry for a prepared plugin. */
export function lockEntryFor(
  p: PreparedPlugin | Omit<PreparedPlugin, "cleanup">,
  installedAt: string,
): LockedPlugin {
  return {
    name: p.manifest.name,
    version: p.manifest.version,
    kind: p.manifest.kind,
    source: p.fetched.source,
    resolvedUrl: p.fetched.resolvedUrl,
    sha256: p.sha256,
    verification: p.verification,
    capabilities: p.capabilities,
    installedAt,
  };
}

/** Writes the prepared files into `dir` (a fresh staging folder). */
export async function writeStagedFiles(dir: string, files: readonly StagedFile[]): Promise<void> {
  for (const f of files) {
    const target = join(dir, f.path);
    const parent = target.slice(0, target.lastIndexOf("/"));
    await Deno.mkdir(parent, { recursive: true });
    if (f.bytes) await Deno.writeFile(target, f.bytes);
    else await Deno.copyFile(f.copyFrom!, target);
  }
}
