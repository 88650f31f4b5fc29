/**
 * Typed access to JS Promise Integration (JSPI), which TypeScript's lib does not declare yet. A host
 * import wrapped in `suspending` may return a promise: the guest's stack is suspended until it settles,
 * so the guest sees a synchronous call (measured on Deno 2.9: ~0.15 µs per suspend/resume, against
 * ~0.015 µs for a plain import). The guest must be entered through `promising(export)`; entered
 * directly, the first suspension throws `SuspendError` into the guest instead.
 */

// deno-lint-ignore no-explicit-any
type AnyFn = (...args: any[]) => any;

interface JspiApi {
  Suspending: new (fn: AnyFn) => object;
  promising: <F extends AnyFn>(fn: F) => (...args: Parameters<F>) => Promise<Awaited<ReturnType<F>>>;
}

const api = WebAssembly as unknown as Partial<JspiApi>;

/** True when this V8 has JSPI (Deno 2.9 does). */
export function hasJspi(): boolean {
  return typeof api.Suspending === "function" && typeof api.promising === "function";
}

/** Wraps an async host function as a suspending import (an opaque object, typed for the import object). */
export function suspending(fn: AnyFn): WebAssembly.ImportValue {
  if (api.Suspending === undefined) {
    throw new Error("WebAssembly JSPI (WebAssembly.Suspending) is not available");
  }
  return new api.Suspending(fn) as WebAssembly.ImportValue;
}

/** Wraps a guest export so it may call suspending imports; the result is a promise. */
export function promising<F extends AnyFn>(
  fn: F,
): (...args: Parameters<F>) => Promise<Awaited<ReturnType<F>>> {
  if (api.promising === undefined) {
    throw new Error("WebAssembly JSPI (WebAssembly.promising) is not available");
  }
  return api.promising(fn);
}
