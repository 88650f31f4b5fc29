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
const SOURCE = { root: new URL("./", import.meta.url).href, extension: ".ts" };

type Where = typeof SOURCE;

/** The URL of the module at `path` (relative to src/, without extension). */
export function codeUrl(path: string): string {
  const where = ((globalThis as Record<symbol, unknown>)[KEY] as Where | undefined) ?? SOURCE;
  return new URL(path + where.extension, where.root).href;
}

/** Called by the bundle's entry point: modules are `<path>.js` under `bundleRoot`. */
export function useBundle(bundleRoot: URL): void {
  (globalThis as Record<symbol, unknown>)[KEY] = { root: bundleRoot.href, extension: ".js" } satisfies Where;
}
