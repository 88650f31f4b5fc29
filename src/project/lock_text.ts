/**
 * samuel.lock's text, read the cheap way the run path wants it: a regular file within the lock's size
 * bound, or nothing. What is wrong with a lock that is not (missing, too large, unreadable) is for
 * lockfile.ts to say, which reads it again; this module imports no TOML parser, so a `samuel run` whose
 * run index knows the text loads none.
 */

import { projectPaths } from "./paths.ts";
import { TOML_LIMITS } from "../toml/limits.ts";

/** `<root>/samuel.lock`'s text, or undefined when it is not a readable regular file within its bound. */
export function lockTextIfPlain(root: string): string | undefined {
  const max = TOML_LIMITS.lock.fileBytes;
  try {
    const path = projectPaths(root).lockfile;
    const info = Deno.statSync(path);
    if (!info.isFile || info.size > max) return undefined;
    const bytes = Deno.readFileSync(path);
    return bytes.length > max ? undefined : new TextDecoder().decode(bytes);
  } catch {
    return undefined;
  }
}
