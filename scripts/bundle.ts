/**
 * `deno task bundle [OUT]`: builds samuel into one chunked bundle (default `dist/bundle/`) with
 * `deno bundle --code-splitting`, the form `deno compile` embeds (scripts/compile.ts) and the bench
 * measures as "the shipped binary's start-up". Every module samuel loads by a run-time URL
 * (src/code_url.ts) is an entry of its own, so it exists at `<path>.js` under the bundle root: the command
 * modules, the sandbox Worker, and each `codeUrl("...")` target found in src/ (a test checks that the
 * bundle runs every kind of command). Shared code goes into chunks that all entries import, so each module
 * exists once (one `SamuelError` class, one module cache).
 *
 * Exits non-zero, naming what is missing, when an expected entry was not written.
 */

const ROOT = new URL("../", import.meta.url).pathname;

/** npm packages left out of the bundle (CommonJS, and only ever loaded lazily by install/update). */
export const EXTERNAL: readonly string[] = ["npm:semver*", "npm:@sigstore/*"];
const SRC = `${ROOT}src/`;

/** The `codeUrl` targets named in src/ (literal paths, and the command folder for the registry). */
export async function bundleEntries(): Promise<string[]> {
  const entries = new Set<string>(["bundle_main.ts", "runtime/sandbox_worker.ts"]);
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
  const args = [
    "bundle",
    "--quiet",
    "--frozen",
    "--code-splitting",
    "--platform",
    "deno",
    // CommonJS packages stay npm: imports: bundling one makes every entry import esbuild's `__require`
    // helper, which loads Deno's Node layer (~15 ms) on every start. smol-toml (ESM) is bundled.
    ...EXTERNAL.flatMap((e) => ["--external", e]),
    "--outdir",
    out,
    ...entries.map((e) => `${SRC}${e}`),
  ];
  const { code, stderr } = await new Deno.Command(Deno.execPath(), { args, cwd: ROOT, stderr: "piped" })
    .output();
  if (code !== 0) throw new Error(`deno bundle failed (exit ${code}): ${new TextDecoder().decode(stderr)}`);
  const written = entries.map((e) => e.replace(/\.ts$/, ".js"));
  const missing = [];
  for (const w of written) {
    if (!await Deno.stat(`${out}/${w}`).then(() => true, () => false)) missing.push(w);
  }
  if (missing.length > 0) throw new Error(`the bundle lacks entries: ${missing.join(", ")}`);
  return written;
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
