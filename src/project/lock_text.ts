/**
 * samuel.lock's text, read the cheap way the run path wants it: a regular file within the lock's size
 * bound, or nothing. What is wrong with a lock that is not (missing, too large, unreadable) is for
 * lockfile.ts to say, which reads it again; this module imports no TOML parser, so a `samuel run` whose
 * run index knows the text loads none.
 */

import { projectPaths } from "./paths.ts";
import { readPlainCapped, TOML_LIMITS } from "../toml/limits.ts";

/** `<root>/samuel.lock`'s text, or undefined when it is not a readable regular file within its bound. */
export function lockTextIfPlain(root: string): string | undefined {
  try {
    const read = readPlainCapped(projectPaths(root).lockfile, TOML_LIMITS.lock.fileBytes);
    return read instanceof Uint8Array ? new TextDecoder().decode(read) : undefined;
  } catch {
    return undefined;
  }
}
