/**
 * Loads an installed wasm plugin for running: its samuel.lock entry (the grants), its manifest copy (the
 * exports), and its pre-processed module from the module cache. This is the `samuel run` hot path, so:
 * - a cache hit never reads the installed module: the cache entry is keyed by the digest samuel.lock
 *   pins and verifies its own bytes, so what runs is what was verified at install;
 * - on a miss the installed module is hashed and must equal samuel.lock's digest before it is
 *   pre-processed and cached (otherwise a swapped file would be cached under the trusted digest);
 * - the manifest copy is read for its module path and exports only (src/manifest/installed.ts): install
 *   validated it, and grants and limits come from samuel.lock.
 */

import { type InstalledWasm, readInstalledWasm } from "../manifest/installed.ts";
import type { ProjectConfig } from "../project/config.ts";
import { findLockedPlugin, type LockedPlugin, readLockfile } from "../project/lockfile.ts";
import { homePaths, join, pluginDir } from "../project/paths.ts";
import type { ModuleInfo } from "../runtime/preprocess/mod.ts";
import { Exit, SamuelError } from "../errors.ts";
import { sha256Hex } from "./digest.ts";
import { ModuleCache } from "./module_cache.ts";
import { cacheVariant } from "./cache_variant.ts";

export interface RunnablePlugin {
  entry: LockedPlugin;
  manifest: InstalledWasm;
  /** Pre-processed module bytes (memory cap and probes applied). */
  bytes: Uint8Array;
  info: ModuleInfo;
  cacheHit: boolean;
  /** Set when a corrupt cache entry was found and rebuilt. */
  rebuilt?: string;
}

export const RunCode = {
  notInstalled: "SAM-RUN-001",
  notWasm: "SAM-RUN-002",
  unknownExport: "SAM-RUN-003",
  moduleMissing: "SAM-RUN-004",
  digestMismatch: "SAM-RUN-005",
  manifestMissing: "SAM-RUN-006",
} as const;

/** Reads the installed manifest copy (trusted: install validated it; see src/manifest/installed.ts). */
export async function installedManifest(root: string, entry: LockedPlugin): Promise<InstalledWasm> {
  const file = join(pluginDir(root, entry.name), "samuel-plugin.toml");
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch {
    throw new SamuelError({
      code: RunCode.manifestMissing,
      exit: Exit.invalidInput,
      message: `plugin ${entry.name} is in samuel.lock but its files are missing (${file})`,
      cause: ".samuel/plugins/ is not committed; it is rebuilt from samuel.lock",
      fix: "run `samuel install` to install exactly what samuel.lock records",
    });
  }
  const manifest = readInstalledWasm(text);
  if (!manifest || manifest.kind !== "wasm") {
    throw new SamuelError({
      code: RunCode.notWasm,
      exit: Exit.invalidInput,
      message: `plugin ${entry.name} is a ${manifest?.kind || "broken"} plugin, not a wasm plugin`,
      fix: entry.kind === "skill"
        ? "skill plugins are read, not run: see their SKILL.md under .samuel/plugins/"
        : "reinstall it with `samuel install`",
    });
  }
  return manifest;
}

/** The lock entry of an installed plugin, or a clear error naming what is installed. */
export async function lockedPlugin(root: string, name: string): Promise<LockedPlugin> {
  const lock = await readLockfile(root);
  const entry = findLockedPlugin(lock, name);
  if (!entry) {
    const names = lock.plugins.map((p) => p.name);
    throw new SamuelError({
      code: RunCode.notInstalled,
      exit: Exit.invalidInput,
      message: `plugin ${name} is not installed in ${root}`,
      cause: names.length ? `installed: ${names.join(", ")}` : "samuel.lock lists no plugins",
      fix: `install it first, e.g. \`samuel install <owner>/${name}\`, or check the name with \`samuel ls\``,
    });
  }
  return entry;
}

/** Loads a locked wasm plugin's pre-processed module through the cache. */
export async function loadRunnable(
  root: string,
  entry: LockedPlugin,
  config: ProjectConfig,
): Promise<RunnablePlugin> {
  const manifest = await installedManifest(root, entry);
  const cache = new ModuleCache(homePaths().wasmCache, config.wasm.cacheBudget);
  const variant = cacheVariant(entry.capabilities.maxMemory);
  const found = await cache.load(entry.sha256.module, variant);
  if (found.entry) {
    cache.record("h");
    return {
      entry,
      manifest,
      bytes: found.entry.bytes,
      info: found.entry.meta.info as ModuleInfo,
      cacheHit: true,
    };
  }
  cache.record(found.corrupt ? "c" : "m");
  const file = join(pluginDir(root, entry.name), manifest.module);
  let source: Uint8Array;
  try {
    source = await Deno.readFile(file);
  } catch {
    throw new SamuelError({
      code: RunCode.moduleMissing,
      exit: Exit.invalidInput,
      message: `the module of plugin ${entry.name} is missing: ${file}`,
      fix: "run `samuel install` to restore it from samuel.lock",
    });
  }
  const actual = await sha256Hex(source);
  if (actual !== entry.sha256.module) {
    throw new SamuelError({
      code: RunCode.digestMismatch,
      exit: Exit.verification,
      message: `the module of plugin ${entry.name} does not match samuel.lock`,
      cause: `${file} has sha256 ${actual}; samuel.lock pins ${entry.sha256.module}`,
      fix: "the installed file was changed after install: run `samuel install` to restore the locked module",
    });
  }
  const { buildForCache } = await import("./module_check.ts");
  const built = buildForCache(entry.capabilities.maxMemory)(source);
  await cache.store(entry.sha256.module, variant, built.bytes, built.info);
  return {
    entry,
    manifest,
    bytes: built.bytes,
    info: built.info as ModuleInfo,
    cacheHit: false,
    rebuilt: found.corrupt,
  };
}
