/**
 * What the whole-process benches compare samuel with, beyond `deno run empty.ts`, and how samuel ships:
 * - `shippedSamuel()`: the bundle the single binary is compiled from (scripts/bundle.ts), built once per
 *   bench process into bench/out/bundle/, run with the shipped flags and neither deno.json nor deno.lock,
 *   the closest this machine gets to the binary (`deno compile` cannot run here);
 * - `wazeroBin()`: the wazero CLI v1.11.0 (what upstream Samuel links), built with `go install` from the
 *   Go module proxy into bench/out/bin/ on first use; undefined (rows ignored, said on stderr) without Go
 *   or the proxy;
 * - `peakRssKiB()`: a command's peak resident memory, by `/usr/bin/time -f %M`, median of a few runs.
 */

import { buildBundle } from "../../scripts/bundle.ts";
import { RUN_FLAGS } from "../../scripts/flags.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const OUT = `${ROOT}bench/out`;
export const WAZERO_VERSION = "v1.11.0";

let bundle: Promise<string> | undefined;

/** argv (after the deno binary) that runs the shipped samuel: the bundle's entry with the shipped flags. */
export async function shippedSamuel(): Promise<string[]> {
  bundle ??= buildBundle(`${OUT}/bundle`).then(() => `${OUT}/bundle/bundle_main.js`);
  // No deno.json and no deno.lock, as a compiled binary runs (it carries its npm packages resolved at
  // build time; the commands the benches run from it load none).
  return ["run", "-q", "--no-config", ...RUN_FLAGS, await bundle];
}

/** The wazero CLI, built on first use; undefined when it cannot be built here. */
export async function wazeroBin(): Promise<string | undefined> {
  const bin = `${OUT}/bin/wazero`;
  if (await Deno.stat(bin).then(() => true, () => false)) return bin;
  const go = ["go", "/usr/local/go/bin/go"];
  for (const cmd of go) {
    const o = await new Deno.Command(cmd, {
      args: ["install", `github.com/tetratelabs/wazero/cmd/wazero@${WAZERO_VERSION}`],
      env: { GOBIN: `${OUT}/bin`, GOFLAGS: "-mod=mod" },
      stdout: "null",
      stderr: "piped",
    }).output().catch(() => undefined);
    if (o?.success) return bin;
    if (o) console.error(`bench: go install wazero failed: ${new TextDecoder().decode(o.stderr).trim()}`);
  }
  console.error("bench: wazero could not be built (needs Go and the Go module proxy); its rows are skipped");
  return undefined;
}

/** Peak RSS in KiB of `cmd args`, median of `runs` (undefined without /usr/bin/time). */
export async function peakRssKiB(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string>; runs?: number } = {},
): Promise<number | undefined> {
  const out = await Deno.makeTempFile({ prefix: "samuel-rss-" });
  const values: number[] = [];
  try {
    for (let i = 0; i < (opts.runs ?? 5); i++) {
      const o = await new Deno.Command("/usr/bin/time", {
        args: ["-f", "%M", "-o", out, cmd, ...args],
        cwd: opts.cwd,
        env: opts.env,
        stdout: "null",
        stderr: "null",
      }).output().catch(() => undefined);
      if (!o) return undefined;
      const kib = Number((await Deno.readTextFile(out)).trim().split("\n").at(-1));
      if (Number.isFinite(kib)) values.push(kib);
    }
  } finally {
    await Deno.remove(out).catch(() => {});
  }
  if (values.length === 0) return undefined;
  values.sort((a, b) => a - b);
  return values[values.length >> 1];
}
