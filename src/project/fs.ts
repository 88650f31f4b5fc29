/** Existence checks shared by the project, store and CLI layers (no link following: `lstat`). */

/** True when something exists at `path`; false when nothing does; other errors (permissions) propagate. */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/**
 * Like `exists`, but anything that cannot be examined counts as absent: for commands that report on
 * files (ls, doctor, uninstall's plan) and must not stop at one unreadable entry.
 */
export async function existsQuiet(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}
