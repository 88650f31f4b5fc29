/**
 * Which module-cache entry a plugin runs from: the current pre-processor, the plugin's memory cap, and
 * time/fuel probes (every plugin has a hard timeout). Install fills this entry and `samuel run` loads it,
 * so both use this one function; it imports nothing heavy because it is on the run path.
 */

import { PREPROCESSOR_VERSION } from "../runtime/preprocess/version.ts";
import type { CacheVariant } from "./module_cache.ts";

const MiB = 1024 * 1024;

export function cacheVariant(maxMemoryMiB: number): CacheVariant {
  return { preprocessor: PREPROCESSOR_VERSION, maxMemoryBytes: maxMemoryMiB * MiB, metered: true };
}
