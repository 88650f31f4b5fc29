/**
 * `deno task bundle [OUT]`: builds samuel into the bundle (default `dist/bundle/`) that `deno compile`
 * embeds (scripts/compile.ts) and the bench measures as "the shipped binary's start-up". Two builds into
 * one folder:
 * - `bundle_main.js`, one file without splitting: src/bundle_main.ts, i.e. the CLI with the run path's
 *   commands (`run`, `plugin exec`, `version`) and everything they import statically;
 * - every module samuel loads by a run-time URL (src/code_url.ts) as an entry of one chunked build
 *   (`deno bundle --code-splitting`), so it exists at `<path>.js` under the bundle root: the command
 *   modules, the sandbox Worker, and each `codeUrl("...")` target found in src/.
 * A module can so exist twice (in bundle_main.js and in a chunk); what must be one across copies is: the
 * error class (errors.ts recognises its errors by a registered symbol, not `instanceof`) and code_url.ts's
 * root (kept on `globalThis`). tests/dist/bundle_test.ts runs every kind of command from the bundle.
 *
 * Exits non-zero, naming what is missing, when an expected entry was not written.
 */

const ROOT = new URL("../", import.meta.url).pathname;

/** npm packages left out of the bundle (CommonJS, and only ever loaded lazily by install/update). */
export const EXTERNAL: readonly string[] = ["npm:semver*", "npm:@sigstore/*"];
const SRC = `${ROOT}src/`;

/** The `codeUrl` targets named in src/ (literal paths, and the command folder for the registry). */
export async function bundleEntries(): Promise<string[]> {
  const entries = new Set<string>(["runtime/sandbox_worker.ts"]);
  for await (const e of Deno.readDir(`${SRC}cli/commands`)) {
    if (e.isFile && e.name.endsWith(".ts")) entries.add(`cli/commands/${e.name}`);
  }
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(dir)) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory) await walk(path);
      else if (e.name.endsWith(".ts")) {
        for (const m of (await Deno.readTextFile(path)).matchAll(/codeUrl\("([\w/]+)"\)/g)) {
          entries.add(`${m[1]}.ts`);
        }
      }
    }
  };
  await walk(SRC.replace(/\/$/, ""));
  return [...entries].sort();
}

/** Builds the bundle into `out`; returns the entry files written (relative to `out`). */
export async function buildBundle(out = `${ROOT}dist/bundle`): Promise<string[]> {
  const entries = await bundleEntries();
  await Deno.remove(out, { recursive: true }).catch(() => {});
  const common = [
    "bundle",
    "--quiet",
    "--frozen",
    "--platform",
    "deno",
    // CommonJS packages stay npm: imports: bundling one makes every entry import esbuild's `__require`
    // helper, which loads Deno's Node layer (~15 ms) on every start. smol-toml (ESM) is bundled.
    ...EXTERNAL.flatMap((e) => ["--external", e]),
    // Half the source to parse and keep: measured ~5 MiB less peak memory and ~0.5 ms less start-up for
    // `samuel run` (bench/RESULTS.md). Error names survive (every error class sets `name` itself).
    "--minify",
  ];
  await denoBundle([...common, "--code-splitting", "--outdir", out, ...entries.map((e) => `${SRC}${e}`)]);
  await denoBundle([...common, "--output", `${out}/bundle_main.js`, `${SRC}bundle_main.ts`]);
  const written = ["bundle_main.js", ...entries.map((e) => e.replace(/\.ts$/, ".js"))];
  const missing = [];
  for (const w of written) {
    if (!await Deno.stat(`${out}/${w}`).then(() => true, () => false)) missing.push(w);
  }
  if (missing.length > 0) throw new Error(`the bundle lacks entries: ${missing.join(", ")}`);
  return written;
}

async function denoBundle(args: string[]): Promise<void> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), { args, cwd: ROOT, stderr: "piped" })
    .output();
  if (code !== 0) throw new Error(`deno bundle failed (exit ${code}): ${new TextDecoder().decode(stderr)}`);
}

if (import.meta.main) {
  try {
    const out = Deno.args[0];
    const written = await buildBundle(out);
    console.error(`bundle: ${written.length} entries in ${out ?? "dist/bundle"}`);
  } catch (e) {
    console.error(`bundle: ${(e as Error).message}`);
    Deno.exit(1);
  }
}
