/**
 * Loads an installed wasm plugin for running: its samuel.lock entry (the grants), its manifest copy (the
 * exports), and its pre-processed module from the module cache. What a run verifies before it executes
 * anything (README, "What a run verifies"):
 * - the manifest copy hashes to samuel.lock's manifest digest (it is small: hashed every run);
 * - the installed module hashes to samuel.lock's module digest: hashed in full when the run stamp
 *   (run_stamp.ts) does not vouch for the file's identity, else the stamp's digest stands in for it;
 * - the cache entry is the one stored under the lock's digest, belongs there (its metadata names that
 *   digest and variant), is the rewrite the stamp recorded for this module when it has one, and its bytes
 *   hash to its metadata (`confirmRunnable`, which callers overlap with compiling).
 * Anything that fails the module checks is exit 4 (the lock and the installed files disagree: a
 * reinstall restores them); a cache entry that fails its checks is discarded and rebuilt from the
 * verified installed module. This is the `samuel run` hot path: on a hit with a good stamp it reads the
 * lock, the manifest, the stamp and the cache entry, and stats the module.
 */

import { codeUrl } from "../code_url.ts";
import type { InstalledWasm } from "../manifest/installed.ts";
import type { LockedPlugin, Lockfile } from "../project/lockfile.ts";
import { lockTextIfPlain } from "../project/lock_text.ts";
import { homePaths, join, pluginDir } from "../project/paths.ts";
import type { ModuleInfo } from "../runtime/preprocess/mod.ts";
import { SamuelError, samuelError } from "../errors.ts";
import { sha256Hex } from "./digest.ts";
import { type CacheMeta, ModuleCache, type Prefetch, variantName } from "./module_cache.ts";
import { cacheVariant } from "./cache_variant.ts";
import type { RunIndex } from "./run_index.ts";
import { identityOf, sameIdentity } from "./file_identity.ts";
import { readStamp, type RunStamp, vouches, writeStamp } from "./run_stamp.ts";
import { entryProfile, readProfile } from "./compile_profile.ts";
import { worthHinting } from "../runtime/preprocess/compile_hints.ts";

export interface RunnablePlugin {
  entry: LockedPlugin;
  manifest: InstalledWasm;
  /** Pre-processed module bytes (memory cap and probes applied). */
  bytes: Uint8Array;
  info: ModuleInfo;
  cacheHit: boolean;
  /** Set when a corrupt cache entry was found and rebuilt. */
  rebuilt?: string;
  /** Whether the installed module was hashed in full by this load (no usable run stamp). */
  hashed: boolean;
  /** A cache hit's pending integrity check: pass the plugin to `confirmRunnable` before running it. */
  pending?: { entry: { bytes: Uint8Array; meta: CacheMeta }; verified: Promise<boolean> };
  /** The module-cache entry's folder (where its compile profile is kept: compile_profile.ts). */
  cacheDir: string;
  /**
   * The compile profile of the export asked for in `LoadOptions.hintsFor`, when one is recorded: a hint
   * section to append to `bytes` (there is room for it in their buffer: `appendSection`).
   */
  profile?: Uint8Array;
}

/** What loading needs besides the lock entry. */
export interface LoadOptions {
  /** `[wasm].cache_budget` in bytes; only asked for on a miss (reading samuel.toml costs start-up). */
  cacheBudget: () => Promise<number>;
  /** What earlier runs learned about this project's lock and manifests (run_index.ts). */
  index?: RunIndex;
  /**
   * The export the caller will run, to read its compile profile along with the module
   * (runtime/preprocess/compile_hints.ts); `""` for the manifest's first export. Unset: no profile is read.
   */
  hintsFor?: string;
  /** `prefetchModule(entry)`, started by the caller before its own checks (read in the meantime). */
  prefetch?: Prefetch;
}

/**
 * Starts reading the plugin's cached module (when there is one) in the background: call it as soon as the
 * lock entry is known and pass the result as `LoadOptions.prefetch`, so that a multi-megabyte module is
 * read while the manifest and the installed module are checked (module_cache.ts `prefetch`).
 */
export function prefetchModule(entry: LockedPlugin): Prefetch | undefined {
  const cache = new ModuleCache(homePaths().wasmCache, Infinity);
  return cache.prefetch(entry.sha256.module, cacheVariant(entry.capabilities.maxMemory));
}

/** Reads the installed manifest copy (trusted: install validated it; see src/manifest/installed.ts). */
export async function installedManifest(
  root: string,
  entry: LockedPlugin,
  opts: { verify?: boolean; index?: RunIndex } = {},
): Promise<InstalledWasm> {
  const file = join(pluginDir(root, entry.name), "samuel-plugin.toml");
  let text: string;
  try {
    // Sync: the run path's other reads are, and the first async read of a process costs ~0.3 ms more.
    text = Deno.readTextFileSync(file);
  } catch {
    throw samuelError("SAM-RUN-006", {
      message: `plugin ${entry.name} is in samuel.lock but its files are missing (${file})`,
      cause: ".samuel/plugins/ is not committed; it is rebuilt from samuel.lock",
      fix: "run `samuel install` to install exactly what samuel.lock records",
    });
  }
  const known = opts.index?.manifest(entry.name, text, entry.sha256.manifest);
  if (known) return known;
  if (opts.verify) {
    const actual = await sha256Hex(text);
    if (actual !== entry.sha256.manifest) {
      throw samuelError("SAM-RUN-018", {
        message: `the manifest of plugin ${entry.name} does not match samuel.lock`,
        cause: `${file} has sha256 ${actual}; samuel.lock pins ${entry.sha256.manifest}`,
        fix: "the installed file or samuel.lock was changed after install: restore samuel.lock from " +
          "version control and run `samuel install` to restore the locked manifest",
      });
    }
  }
  // By URL (code_url.ts), as the lock's parser below: a TOML parser is needed only when the index misses.
  const { readInstalledWasm } = await import(
    codeUrl("manifest/installed")
  ) as typeof import("../manifest/installed.ts");
  const manifest = readInstalledWasm(text);
  if (!manifest || manifest.kind !== "wasm") {
    throw samuelError("SAM-RUN-002", {
      message: `plugin ${entry.name} is a ${manifest?.kind || "broken"} plugin, not a wasm plugin`,
      fix: entry.kind === "skill"
        ? "skill plugins are read, not run: see their SKILL.md under .samuel/plugins/"
        : "reinstall it with `samuel install`",
    });
  }
  if (opts.verify) opts.index?.remember(entry.name, text, entry.sha256.manifest, manifest);
  return manifest;
}

/**
 * samuel.lock as the run path needs it. When the run index knows the text (an earlier run parsed this very
 * text), reading it is all; otherwise the lock module is loaded and reads, parses and validates it as
 * every other command does, and the index records the result. By URL (code_url.ts): the lock module with
 * its TOML parser and validator is about a fifth of the run path's code, and a hit needs none of it.
 */
export async function runLock(root: string, index?: RunIndex): Promise<Lockfile> {
  const text = index ? lockTextIfPlain(root) : undefined;
  const known = text === undefined ? undefined : index!.knownLock(text);
  if (known) return known;
  const { readLockfile, parseLockfile } = await import(
    codeUrl("project/lockfile")
  ) as typeof import("../project/lockfile.ts");
  return await readLockfile(
    root,
    index ? { parse: (text, path) => index.lock(text, (t) => parseLockfile(t, path)) } : {},
  );
}

/** The lock entry of an installed plugin, or a clear error naming what is installed. */
export async function lockedPlugin(root: string, name: string, index?: RunIndex): Promise<LockedPlugin> {
  const lock = await runLock(root, index);
  const entry = lock.plugins.find((p) => p.name === name);
  if (!entry) {
    const names = lock.plugins.map((p) => p.name);
    throw samuelError("SAM-RUN-001", {
      message: `plugin ${name} is not installed in ${root}`,
      cause: names.length ? `installed: ${names.join(", ")}` : "samuel.lock lists no plugins",
      fix: `install it first, e.g. \`samuel install <owner>/${name}\`, or check the name with \`samuel ls\``,
    });
  }
  return entry;
}

/** Loads a locked wasm plugin's pre-processed module through the cache, verifying as described above. */
export async function loadRunnable(
  root: string,
  entry: LockedPlugin,
  options: LoadOptions,
): Promise<RunnablePlugin> {
  const manifest = await installedManifest(root, entry, { verify: true, index: options.index });
  const dir = pluginDir(root, entry.name);
  const installed = await verifyInstalledModule(dir, entry, manifest);
  const variant = cacheVariant(entry.capabilities.maxMemory);
  const vname = variantName(variant);
  const home = homePaths().wasmCache;
  const reader = new ModuleCache(home, Infinity);
  const cacheDir = reader.entryDir(entry.sha256.module, variant);
  const hintsFor = options.hintsFor === undefined ? undefined : options.hintsFor || manifest.exports[0];
  let profile: Uint8Array | undefined;
  const pre = options.prefetch;
  const prefetched = pre && { size: pre.size, seen: pre.seen, bytes: pre.bytes && await pre.bytes };
  const found = reader.read(entry.sha256.module, variant, {
    prefetched,
    // Read before the module, so the module's buffer has room to append it without a copy.
    room: (meta) => {
      if (hintsFor === undefined || typeof meta?.size !== "number" || !worthHinting(meta.size)) return 0;
      profile = readProfile(entryProfile(cacheDir, hintsFor), "");
      return profile?.length ?? 0;
    },
  });
  let corrupt = found.corrupt;
  if (found.entry) {
    const expected = installed.stamp.processed[vname];
    if (expected === undefined || expected === found.entry.meta.processedSha256) {
      // Counted as a hit by `confirmRunnable`, once the bytes are known to be good.
      return {
        entry,
        manifest,
        bytes: found.entry.bytes,
        info: found.entry.meta.info as ModuleInfo,
        cacheHit: true,
        hashed: installed.hashed,
        pending: { entry: found.entry, verified: reader.verify(found.entry) },
        cacheDir,
        profile,
      };
    }
    corrupt = reader.discard(entry.sha256.module, variant, "not the rewrite of this plugin's module").corrupt;
  }
  return await rebuild(root, entry, manifest, installed, options, corrupt);
}

/**
 * Waits for a cache hit's integrity check; when the bytes turn out not to match their metadata, the
 * entry is discarded and rebuilt from the installed module, and the rebuilt plugin is returned (compile
 * it again). Returns `plugin` itself when there was nothing to wait for or the check passed.
 */
export async function confirmRunnable(
  root: string,
  plugin: RunnablePlugin,
  options: LoadOptions,
): Promise<RunnablePlugin> {
  if (!plugin.pending) return plugin;
  const cache = new ModuleCache(homePaths().wasmCache, Infinity);
  if (await plugin.pending.verified) {
    cache.record("h");
    return plugin;
  }
  const variant = cacheVariant(plugin.entry.capabilities.maxMemory);
  const { corrupt } = cache.discard(plugin.entry.sha256.module, variant, "digest mismatch");
  const dir = pluginDir(root, plugin.entry.name);
  const installed = await verifyInstalledModule(dir, plugin.entry, plugin.manifest);
  return await rebuild(root, plugin.entry, plugin.manifest, installed, options, corrupt);
}

/** `loadRunnable` then `confirmRunnable`, for callers with nothing to overlap the integrity check with. */
export async function loadVerifiedRunnable(
  root: string,
  entry: LockedPlugin,
  options: LoadOptions,
): Promise<RunnablePlugin> {
  return await confirmRunnable(root, await loadRunnable(root, entry, options), options);
}

interface InstalledModule {
  /** The path of the installed module. */
  file: string;
  stamp: RunStamp;
  hashed: boolean;
  /** The module's bytes, when this check had to read them. */
  bytes?: Uint8Array;
}

/**
 * Checks the installed module against samuel.lock (exit 4 on a mismatch), through the run stamp when it
 * vouches for the file, else by hashing it (and then writes a fresh stamp).
 */
async function verifyInstalledModule(
  dir: string,
  entry: LockedPlugin,
  manifest: InstalledWasm,
): Promise<InstalledModule> {
  const file = join(dir, manifest.module);
  const stampedAtMs = Date.now();
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(file);
  } catch {
    throw moduleMissing(entry, file);
  }
  const identity = identityOf(info);
  const stamp = readStamp(dir);
  if (
    stamp && identity && stamp.module === manifest.module && stamp.sha256 === entry.sha256.module &&
    vouches(stamp, identity)
  ) {
    return { file, stamp, hashed: false };
  }
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(file);
  } catch {
    throw moduleMissing(entry, file);
  }
  checkModuleDigest(entry, file, await sha256Hex(bytes));
  const fresh: RunStamp = {
    version: 1,
    module: manifest.module,
    sha256: entry.sha256.module,
    // The identity of the bytes just hashed: stat again so a write racing the read is not vouched for.
    identity: identityOf(Deno.statSync(file)) ?? { size: -1, mtimeMs: -1, ctimeMs: -1, ino: -1, dev: -1 },
    stampedAtMs,
    processed: stamp?.sha256 === entry.sha256.module ? stamp.processed : {},
  };
  if (identity && sameIdentity(fresh.identity, identity)) writeStamp(dir, fresh);
  return { file, stamp: fresh, hashed: true, bytes };
}

function checkModuleDigest(entry: LockedPlugin, file: string, actual: string): void {
  if (actual === entry.sha256.module) return;
  throw samuelError("SAM-RUN-005", {
    message: `the module of plugin ${entry.name} does not match samuel.lock`,
    cause: `${file} has sha256 ${actual}; samuel.lock pins ${entry.sha256.module}`,
    fix: "the installed file or samuel.lock was changed after install: restore samuel.lock from version " +
      "control and run `samuel install` to restore the locked module",
  });
}

function moduleMissing(entry: LockedPlugin, file: string): SamuelError {
  return samuelError("SAM-RUN-004", {
    message: `the module of plugin ${entry.name} is missing: ${file}`,
    fix: "run `samuel install` to restore it from samuel.lock",
  });
}

/** A miss (or a discarded entry): pre-process the verified installed module, cache it, stamp it. */
async function rebuild(
  root: string,
  entry: LockedPlugin,
  manifest: InstalledWasm,
  installed: InstalledModule,
  options: LoadOptions,
  corrupt: string | undefined,
): Promise<RunnablePlugin> {
  const variant = cacheVariant(entry.capabilities.maxMemory);
  const cache = new ModuleCache(homePaths().wasmCache, await options.cacheBudget());
  cache.record(corrupt ? "c" : "m");
  let source = installed.bytes;
  if (!source) {
    try {
      source = await Deno.readFile(installed.file);
    } catch {
      throw moduleMissing(entry, installed.file);
    }
    // The stamp vouched for the file, but these are the bytes that get built and cached: hash them.
    checkModuleDigest(entry, installed.file, await sha256Hex(source));
  }
  // By URL (code_url.ts): a literal dynamic import would make every cache hit load the whole rewriter.
  const { buildForCache } = await import(codeUrl("store/module_check")) as typeof import("./module_check.ts");
  const built = buildForCache(entry.capabilities.maxMemory)(source);
  const meta = await cache.store(entry.sha256.module, variant, built.bytes, built.info);
  const stamp = {
    ...installed.stamp,
    processed: { ...installed.stamp.processed, [variantName(variant)]: meta.processedSha256 },
  };
  if (stamp.identity.ino !== -1) writeStamp(pluginDir(root, entry.name), stamp);
  return {
    entry,
    manifest,
    bytes: built.bytes,
    info: built.info as ModuleInfo,
    cacheHit: false,
    rebuilt: corrupt,
    hashed: installed.hashed,
    cacheDir: cache.entryDir(entry.sha256.module, variant),
  };
}
