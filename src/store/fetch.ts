/**
 * The install transaction's door to `src/source/`: turns a SOURCE string into fetched bytes. It dispatches
 * on `parseSourceSpec` to the fetchers that exist (`file://`, GitHub releases); registry names go through
 * `src/source/registry.ts` once that lands (until then they fail with a clear message). Loaded lazily by
 * the commands, since downloads pull in the HTTP stack.
 */

import type { FetchContext, FetchedPlugin } from "../source/types.ts";
import { Exit, SamuelError } from "../errors.ts";

export type { FetchContext, FetchedPlugin };

/** Fetches `raw` (a SOURCE as typed or as recorded in samuel.lock). */
export async function fetchSource(raw: string, ctx: FetchContext): Promise<FetchedPlugin> {
  const { parseSourceSpec } = await import("../source/spec.ts");
  const spec = await parseSourceSpec(raw, ctx.cwd);
  switch (spec.kind) {
    case "file":
      return await (await import("../source/local.ts")).fetchLocal(spec, ctx);
    case "github":
      return await (await import("../source/github.ts")).fetchGitHub(spec, ctx);
    case "registry":
      throw new SamuelError({
        code: "SAM-SOURCE-012",
        message: `cannot resolve ${JSON.stringify(raw)}: registry names are not supported by this build yet`,
        exit: Exit.invalidInput,
        fix: "install from a GitHub release (owner/repo@tag) or a local folder (file://DIR) instead",
      });
  }
}

/** `owner/repo` when the fetched plugin came from a GitHub release (directly or through a registry). */
export function githubRepoOf(fetched: FetchedPlugin): { owner: string; repo: string } | undefined {
  const m = /^([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+)@/.exec(fetched.pinned);
  return m ? { owner: m[1], repo: m[2] } : undefined;
}

/**
 * The exact source to re-fetch a locked plugin: the GitHub release it was resolved to (tag taken from
 * the locked asset URL, so `owner/repo` meaning "latest" reinstalls the same release), else the source.
 */
export function pinnedSourceOf(entry: { source: string; resolvedUrl: string; version: string }): string {
  if (entry.source.startsWith("file://")) return entry.source;
  const m = /\/([^/]+)\/([^/]+)\/releases\/download\/(.+)\/[^/]+$/.exec(new URL(entry.resolvedUrl).pathname);
  if (m) return `${decodeURIComponent(m[1])}/${decodeURIComponent(m[2])}@${decodeURIComponent(m[3])}`;
  const name = entry.source.split("@")[0];
  return /^[a-z0-9][a-z0-9-]*$/.test(name) ? `${name}@${entry.version}` : entry.source;
}
