/**
 * The front door of `src/source/`: turn a parsed SOURCE into fetched bytes. `fetchPlugin` dispatches to
 * the local, GitHub or registry path and returns a `FetchedPlugin` (manifest text, artifact bytes, optional
 * bundle text, unpacked skill folder, where it came from). It parses nothing beyond what is needed to know
 * which files to fetch: the install transaction parses and validates the manifest, verifies the
 * signature, and commits.
 */

import { fetchGitHub } from "./github.ts";
import { fetchLocal } from "./local.ts";
import { resolveName } from "./registry.ts";
import type { SourceSpec } from "./spec.ts";
import type { FetchContext, FetchedPlugin } from "./types.ts";

export { canonicalSource, parseSourceSpec } from "./spec.ts";
export type { FileSpec, GitHubSpec, RegistrySpec, SourceSpec } from "./spec.ts";
export type { FetchContext, FetchedPlugin, RegistryRef, SourceLimits } from "./types.ts";
export { type IndexEntry, info, loadIndex, resolveName, search } from "./registry.ts";

export async function fetchPlugin(spec: SourceSpec, ctx: FetchContext = {}): Promise<FetchedPlugin> {
  switch (spec.kind) {
    case "file":
      return await fetchLocal(spec, ctx);
    case "github":
      return await fetchGitHub(spec, ctx);
    case "registry": {
      const resolved = await resolveName(spec.name, spec.range, ctx.registries ?? [], ctx);
      const fetched = resolved.spec.kind === "file"
        ? await fetchLocal(resolved.spec, ctx)
        : await fetchGitHub(resolved.spec, ctx);
      return {
        ...fetched,
        // The lock keeps the name and range, so `update` re-resolves through the registry.
        source: spec.range === undefined ? spec.name : `${spec.name}@${spec.range}`,
        pinned: `${spec.name}@${resolved.version}`,
        version: resolved.version,
        registry: resolved.registry,
      };
    }
  }
}
