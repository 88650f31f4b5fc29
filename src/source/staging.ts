/**
 * Where fetched content that needs a folder (an unpacked skill) goes: a fresh, empty folder inside the
 * caller's staging folder (the install transaction owns and removes it), or, without one, a fresh temp
 * folder the caller must remove (`FetchedPlugin.skillDir` tells where).
 */

import type { FetchContext } from "./types.ts";

export async function stagingDirFor(ctx: FetchContext, purpose: string): Promise<string> {
  if (ctx.stagingDir) {
    await Deno.mkdir(ctx.stagingDir, { recursive: true });
    return await Deno.makeTempDir({ dir: ctx.stagingDir, prefix: `${purpose}-` });
  }
  return await Deno.makeTempDir({ prefix: `samuel-${purpose}-` });
}
