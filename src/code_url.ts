/**
 * Where samuel's own modules are, for the few it loads by a URL built at run time: the command modules
 * (src/cli/registry.ts), the sandbox Worker (runtime/sandbox.ts), and what a hot path loads only when it
 * must (the rewriter on a module-cache miss, samuel.toml's parser, the cache for `plugin exec` limits).
 * A literal `import("./x.ts")` would not do: Deno builds the module graph of every literal dynamic import
 * at start-up, so each would cost every run the load of modules it does not use.
 *
 * In source form (`deno run main.ts`, `deno task samuel`, the tests) the modules are the `.ts` files of
 * src/. In the bundle that the single binary is compiled from (scripts/bundle.ts: one chunked build of
 * src/ in which every module named here is an entry, at the same path with `.js`), the bundle's entry
 * point calls `useBundle` first.
 *
 * @example
 * ```ts
 * const { loadConfig } = await import(codeUrl("project/config")) as typeof import("./project/config.ts");
 * ```
 */

let root = new URL("./", import.meta.url);
let extension = ".ts";

/** The URL of the module at `path` (relative to src/, without extension). */
export function codeUrl(path: string): string {
  return new URL(path + extension, root).href;
}

/** Called by the bundle's entry point: modules are `<path>.js` under `bundleRoot`. */
export function useBundle(bundleRoot: URL): void {
  root = bundleRoot;
  extension = ".js";
}
