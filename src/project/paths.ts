/**
 * Where samuel's files live (DESIGN.md section 3): the project root (the nearest folder holding
 * `samuel.toml`, searching upward; the current folder when there is none), the project's own files under
 * it, and the per-user `$SAMUEL_HOME` with its caches. Pure path arithmetic plus a few `stat` calls: this
 * module is on the `samuel run` start-up path, so it imports nothing.
 */

/** File names at the project root. */
export const CONFIG_FILE = "samuel.toml";
export const LOCK_FILE = "samuel.lock";
/** Samuel's machine-state folder at the project root (git-ignored by its own `.gitignore`). */
export const STATE_DIR = ".samuel";

/** Every path samuel uses inside one project. */
export interface ProjectPaths {
  /** The project root; the guest's `/workspace`. */
  root: string;
  /** `<root>/samuel.toml` (user-owned). */
  config: string;
  /** `<root>/samuel.lock` (samuel-owned, committed). */
  lockfile: string;
  /** `<root>/.samuel`. */
  stateDir: string;
  /** `<root>/.samuel/.gitignore`. */
  stateGitignore: string;
  /** `<root>/.samuel/lock`: the advisory file lock guarding mutations (see `file_lock.ts`). */
  mutationLock: string;
  /** `<root>/.samuel/plugins`. */
  pluginsDir: string;
}

/** Paths inside `$SAMUEL_HOME`. */
export interface HomePaths {
  home: string;
  cache: string;
  /** `cache/wasm/modules`: one `<sha256>/` folder per pre-processed module (DESIGN.md section 7). */
  wasmModules: string;
  /** `cache/wasm`: the module cache's own files (stats) live beside `modules/`. */
  wasmCache: string;
  /** `cache/registries`: fetched registry indexes. */
  registries: string;
  /** `cache/sigstore`: trusted-root snapshots. */
  sigstore: string;
}

const isWindows = Deno.build.os === "windows";
/** Separators: `\\` is an ordinary file-name character on POSIX. */
const SEPS = isWindows ? /[\\/]+/g : /\/+/g;
const TRAILING = isWindows ? /[\\/]+$/ : /\/+$/;

function lastSep(path: string): number {
  return isWindows ? Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) : path.lastIndexOf("/");
}

/** Joins path segments with `/` (Deno accepts `/` on every OS) and collapses repeated separators. */
export function join(...parts: string[]): string {
  const joined = parts.filter((p) => p !== "").join("/");
  // A leading `\\` on Windows starts a UNC path and must stay double.
  const unc = isWindows && /^[\\/]{2}[^\\/]/.test(joined);
  const collapsed = joined.replace(SEPS, "/");
  return unc ? "/" + collapsed : collapsed;
}

/** The parent folder of `path`, or `path` itself at a filesystem root. */
export function dirname(path: string): string {
  const trimmed = path.replace(TRAILING, "");
  if (trimmed === "") return path.slice(0, 1) || ".";
  const i = lastSep(trimmed);
  if (i < 0) return ".";
  if (i === 0) return trimmed.slice(0, 1);
  const parent = trimmed.slice(0, i);
  // `C:` alone is a drive-relative path; keep the root separator.
  return isWindows && /^[A-Za-z]:$/.test(parent) ? parent + trimmed[i] : parent;
}

/** The last segment of `path`. */
export function basename(path: string): string {
  const trimmed = path.replace(TRAILING, "");
  return trimmed.slice(lastSep(trimmed) + 1);
}

/** True for `/x`, and on Windows also `\\x`, `C:\\x` and `C:/x`. */
export function isAbsolute(path: string): boolean {
  return path.startsWith("/") || (isWindows && (path.startsWith("\\") || /^[A-Za-z]:[\\/]/.test(path)));
}

/** Makes `path` absolute against `base` (default: the process's cwd); does not resolve `..` or links. */
export function absolute(path: string, base?: string): string {
  return isAbsolute(path) ? path : join(base ?? Deno.cwd(), path);
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/**
 * The nearest folder at or above `start` holding `samuel.toml`, or `undefined`. Stops at the filesystem
 * root; an unreadable folder on the way counts as "not here".
 */
export function findProjectRoot(start: string = Deno.cwd()): string | undefined {
  let dir = absolute(start).replace(TRAILING, "") || "/";
  for (;;) {
    if (isFile(join(dir, CONFIG_FILE))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The project root for a command run in `cwd`: the nearest `samuel.toml` folder, else `cwd` itself. */
export function projectRoot(cwd: string = Deno.cwd()): string {
  return findProjectRoot(cwd) ?? absolute(cwd);
}

/** Every project path for the project rooted at `root` (use `projectRoot` to find it). */
export function projectPaths(root: string): ProjectPaths {
  const stateDir = join(root, STATE_DIR);
  return {
    root,
    config: join(root, CONFIG_FILE),
    lockfile: join(root, LOCK_FILE),
    stateDir,
    stateGitignore: join(stateDir, ".gitignore"),
    mutationLock: join(stateDir, "lock"),
    pluginsDir: join(stateDir, "plugins"),
  };
}

/** `<root>/.samuel/plugins/<name>`; `name` must already be a validated plugin name. */
export function pluginDir(root: string, name: string): string {
  return join(root, STATE_DIR, "plugins", name);
}

/** Reads an env var, treating a denied permission like an unset one. */
export type EnvGetter = (key: string) => string | undefined;

function envGet(key: string): string | undefined {
  try {
    return Deno.env.get(key);
  } catch {
    return undefined;
  }
}

/**
 * `$SAMUEL_HOME`, else `<home>/.samuel` with home from `HOME` (then `USERPROFILE`, for Windows). With no
 * home at all (a bare CI container), falls back to a folder under the system temp dir so samuel still
 * works, just without a persistent cache.
 */
export function samuelHome(env: EnvGetter = envGet): string {
  const explicit = env("SAMUEL_HOME");
  if (explicit) return absolute(explicit);
  const home = env("HOME") || env("USERPROFILE");
  if (home) return join(home, ".samuel");
  const tmp = env("TMPDIR") || env("TEMP") || env("TMP") || "/tmp";
  return join(tmp, "samuel-home");
}

/** The cache layout under `home` (default: `samuelHome()`). */
export function homePaths(home: string = samuelHome()): HomePaths {
  const cache = join(home, "cache");
  return {
    home,
    cache,
    wasmCache: join(cache, "wasm"),
    wasmModules: join(cache, "wasm", "modules"),
    registries: join(cache, "registries"),
    sigstore: join(cache, "sigstore"),
  };
}
