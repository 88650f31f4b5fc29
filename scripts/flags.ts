/**
 * The single source of truth for the Deno flags `samuel` runs with: the `samuel` task, `deno compile`
 * (the shipped binary carries exactly these), the test harness (`RUN_FLAGS` in tests/support/cli.ts),
 * the benches (`SAMUEL_FLAGS` in bench/support/process.ts), the release workflow and the documented
 * `deno run https://…/main.ts` line. The TypeScript users import from here; the deno.json task, the
 * workflows and the docs hold literal copies (they cannot import anything); tests/dist/permissions_test.ts
 * asserts that every copy equals this file and runs real
 * commands under exactly these flags, so a missing grant fails a test here instead of a user's binary.
 *
 * Why each flag (read from the code, then proven by the permission test):
 * - `--allow-read=/`, `--allow-write=/`: the project (anywhere the user runs it), `$SAMUEL_HOME` (anywhere
 *   the user points it), temp folders for downloads and atomic writes, and the plugin grants, which name
 *   arbitrary absolute host paths. None of these is known when the binary is built, so no path list. Both
 *   are spelled as an explicit root entry rather than the bare global flag because only an entry can be
 *   revoked: a one-shot `samuel run` narrows its own process to the plugin's grants before running the
 *   guest (src/runtime/wall.ts, the outer wall). Under the bare `--allow-read` it cannot, and falls back
 *   to a Worker. Windows has no single root (`/` names only the current drive), so the Windows binary keeps
 *   the bare flags and always uses the Worker wall (`permissionFlagsFor`).
 * - `--allow-env`: samuel's own keys (`HOME`, `USERPROFILE`, `SAMUEL_*`, `GITHUB_TOKEN`, `NO_COLOR`,
 *   `TMPDIR`...), the `debug` package inside the Sigstore libraries (and `minimatch`, which `@sigstore/tuf`
 *   loads: both read the environment as they load), and any key a plugin was granted
 *   (`[capabilities] env`), which is arbitrary: unrestricted.
 * - `--allow-net`: GitHub releases and API, registry indexes at any URL, and the hosts plugins are allowed
 *   to reach through `net_outbound` (any host a user grants): unrestricted. The sandbox Worker's `net` is
 *   narrowed to each plugin's allowlist, and a Worker can only narrow what the process holds.
 * - `--allow-sys=hostname`: the project file lock records the holder's host name (src/project/file_lock.ts)
 *   so a waiting process can say who holds the lock. Nothing else of `sys` is used.
 * - `--no-prompt`: a CLI that runs in CI and scripts must never stop on a Deno permission prompt; a
 *   missing grant becomes an error instead (samuel's own capability prompt is unrelated).
 * - `--unstable-worker-options`: the sandbox Worker is started with `deno.permissions` (the outer wall,
 *   DESIGN.md section 5), which is still an unstable option on Deno 2.9.
 * - `--v8-flags=--experimental-wasm-compilation-hints`: V8 reads the compile hints samuel appends to a
 *   large module (src/runtime/preprocess/compile_hints.ts) and compiles the functions a run will call up front, on
 *   every core, instead of lazily on the main thread (bench/RESULTS.md, "Compile hints"). It grants
 *   nothing; without it the hints are an unknown custom section and the module runs as without them.
 *   (`node:v8` `setFlagsFromString` cannot set it from inside: measured, it has no effect on wasm.)
 * - `--v8-flags=...,--no-lazy`: V8 compiles every function of a script when it compiles the script, not on
 *   the function's first call. Deno writes a module's V8 code cache right after compiling it, before it
 *   runs, so under lazy compilation every function samuel calls is parsed and compiled again in every
 *   process; compiled eagerly, the whole run path comes out of the code cache (bench/RESULTS.md, "Eager
 *   JavaScript compilation": 2.5-4 ms off every `samuel run`, the same peak memory, ~5 ms more on the one
 *   run that writes the cache). V8's per-file hint (`//# allFunctionsCalledOnLoad`) does nothing in Deno:
 *   measured, the cache entry is the same size with and without it. It grants nothing either.
 *
 * Deliberately not granted:
 * - `--allow-run`: samuel spawns no process. The only `run`-gated call is `Deno.kill(pid, 0)` when
 *   cleaning stale temp files (src/project/atomic.ts), which checks the permission first and keeps the
 *   file when it is not granted.
 * - `--allow-ffi`, `--allow-import` (imports are relative or `npm:`; a run from a URL fetches from the
 *   host it was started from, which `--allow-net` covers) and `-A`.
 */

/** Permission flags, in the order every copy spells them. */
export const PERMISSION_FLAGS: readonly string[] = [
  "--allow-read=/",
  "--allow-write=/",
  "--allow-env",
  "--allow-net",
  "--allow-sys=hostname",
  "--no-prompt",
];

/**
 * The permission flags for a target OS. Windows paths have no common root to narrow from, so its binary
 * holds the global read/write grants and runs every guest behind the Worker wall (README, "Security").
 */
export function permissionFlagsFor(os: CompileTarget["os"]): readonly string[] {
  if (os !== "windows") return PERMISSION_FLAGS;
  return PERMISSION_FLAGS.map((f) =>
    f === "--allow-read=/" ? "--allow-read" : f === "--allow-write=/" ? "--allow-write" : f
  );
}

/** Unstable features samuel uses. */
export const UNSTABLE_FLAGS: readonly string[] = ["--unstable-worker-options"];

/** V8 flags: engine behaviour, no permission (see above). */
export const V8_FLAGS: readonly string[] = ["--experimental-wasm-compilation-hints", "--no-lazy"];

/** `V8_FLAGS` as Deno takes them: one `--v8-flags=` argument. */
export const ENGINE_FLAGS: readonly string[] = [`--v8-flags=${V8_FLAGS.join(",")}`];

/** Everything `deno run` / `deno compile` needs for samuel: permissions, unstable features, V8 flags. */
export const RUN_FLAGS: readonly string[] = [...PERMISSION_FLAGS, ...UNSTABLE_FLAGS, ...ENGINE_FLAGS];

/** The `samuel` task in deno.json, character for character. */
export const SAMUEL_TASK = `deno run ${RUN_FLAGS.join(" ")} main.ts`;

/** The `compile` task in deno.json: the build script needs to read, write dist/, and spawn `deno compile`. */
export const COMPILE_TASK = "deno run --allow-read --allow-write --allow-env --allow-run scripts/compile.ts";

/**
 * What `deno compile` builds the binary from: the chunked bundle of scripts/bundle.ts (one build of
 * src/ with the run path in a handful of files instead of ~70 modules: ~11 ms off every `samuel run`,
 * bench/RESULTS.md), entered at its `bundle_main.js`. The bundle's other entries (the command modules,
 * the sandbox Worker, the modules hot paths load on demand) are loaded by URLs built at run time
 * (src/code_url.ts), which the compiler cannot follow, so the whole bundle folder is included.
 */
export const BUNDLE_DIR = "dist/bundle";
export const COMPILE_ENTRY = `${BUNDLE_DIR}/bundle_main.js`;
export const COMPILE_INCLUDES: readonly string[] = [`${BUNDLE_DIR}/`];

/** A release target: Deno's `--target` triple and the asset name users download. */
export interface CompileTarget {
  triple: string;
  /** `samuel-<os>-<arch>[.exe]`, the name install.sh and action.yml download. */
  asset: string;
  os: "linux" | "darwin" | "windows";
  arch: "x64" | "arm64";
}

/** Every target samuel ships for (issue 9: linux x64/arm64, macOS x64/arm64, Windows x64). */
export const COMPILE_TARGETS: readonly CompileTarget[] = [
  { triple: "x86_64-unknown-linux-gnu", asset: "samuel-linux-x64", os: "linux", arch: "x64" },
  { triple: "aarch64-unknown-linux-gnu", asset: "samuel-linux-arm64", os: "linux", arch: "arm64" },
  { triple: "x86_64-apple-darwin", asset: "samuel-darwin-x64", os: "darwin", arch: "x64" },
  { triple: "aarch64-apple-darwin", asset: "samuel-darwin-arm64", os: "darwin", arch: "arm64" },
  { triple: "x86_64-pc-windows-msvc", asset: "samuel-windows-x64.exe", os: "windows", arch: "x64" },
];

/** The `deno compile` arguments (after `deno`) that build `target` into `outDir` (bundle built first). */
export function compileArgs(target: CompileTarget, outDir = "dist"): string[] {
  return [
    "compile",
    "--frozen",
    ...permissionFlagsFor(target.os),
    ...UNSTABLE_FLAGS,
    ...ENGINE_FLAGS,
    ...COMPILE_INCLUDES.flatMap((path) => ["--include", path]),
    "--target",
    target.triple,
    "--output",
    `${outDir}/${target.asset}`,
    COMPILE_ENTRY,
  ];
}

if (import.meta.main) {
  // `deno run scripts/flags.ts` prints the flags on one line, for shells that need them (e.g. the
  // documented `deno run $(...) https://…/main.ts` line and workflow steps).
  console.log(RUN_FLAGS.join(" "));
}
