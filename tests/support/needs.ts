/**
 * The one way a test is skipped: when it needs something this machine may lack (a toolchain, a shell, a
 * POSIX system, a fixture its toolchain builds), it is ignored and its name says why, so a skip shows in
 * every run's output and in `scripts/test.sh`'s ignored count. Never skip on a property of the code
 * under test: a test that cannot fail is no test.
 *
 * ```ts
 * Deno.test({ ...needs("builds with Go", GO === undefined && "Go not installed"), fn });
 * ```
 */

/** `name` and `ignore` for Deno.test: `missing` is why the test cannot run here, falsy when it can. */
export function needs(
  name: string,
  missing: string | false | null | undefined,
): { name: string; ignore: boolean } {
  return missing ? { name: `${name} (skipped: ${missing})`, ignore: true } : { name, ignore: false };
}
