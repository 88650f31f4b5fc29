/**
 * Where samuel's own modules are, for the few it loads by a URL built at run time: the command modules
 * (src/cli/registry.ts), the sandbox Worker (runtime/sandbox.ts), and what a hot path loads only when it
 * must (the rewriter on a module-cache miss, samuel.toml's parser, the cache for `plugin exec` limits).
 * A literal `import("./x.ts")` would not do: Deno builds the module graph of every literal dynamic import
 * at start-up, so each would cost every run the load of modules it does not use.
 *
 * In source form (`deno run main.ts`, `deno task samuel`, the tests) the modules are the `.ts` files of
 * src/. In the bundle the single binary is compiled from (scripts/bundle.ts), they are the `<path>.js`
 * entries of its folder, and the bundle's entry point calls `useBundle` first. The choice is kept on
 * `globalThis` because the bundle holds more than one copy of this module (one in the run path's own
 * file, one among the chunks the rest shares), and all of them must agree.
 *
 * @example
 * ```ts
 * const { loadConfig } = await import(codeUrl("project/config")) as typeof import("./project/config.ts");
 * ```
 */

const KEY = Symbol.for("samuel.codeRoot");

interface Where {
  /** A URL ending in `/`. */
  root: string;
  extension: string;
}

/**
 * The folder of a module's URL (`import.meta.url`), ending in `/`. String arithmetic, not `new URL`:
 * the first `URL` of a process costs ~0.15 ms, and this runs on every start (bench/RESULTS.md).
 */
export function folderOf(moduleUrl: string): string {
  let end = moduleUrl.length;
  for (const mark of ["?", "#"]) {
    const at = moduleUrl.indexOf(mark);
    if (at >= 0 && at < end) end = at;
  }
  return moduleUrl.slice(0, moduleUrl.lastIndexOf("/", end - 1) + 1);
}

/**
 * The URL of the module at `path` (relative to src/, without extension). `path` is one of samuel's own
 * module paths (letters, digits, `_` and `/`), so appending it to the folder's URL is the same as
 * resolving it.
 */
export function codeUrl(path: string): string {
  const where = (globalThis as Record<symbol, unknown>)[KEY] as Where | undefined;
  return where ? where.root + path + where.extension : folderOf(import.meta.url) + path + ".ts";
}

/** Called by the bundle's entry point: modules are `<path>.js` under `bundleRoot` (a URL ending in `/`). */
export function useBundle(bundleRoot: string): void {
  (globalThis as Record<symbol, unknown>)[KEY] = { root: bundleRoot, extension: ".js" } satisfies Where;
}
