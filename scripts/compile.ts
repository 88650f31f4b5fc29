/**
 * `deno task compile [TRIPLE|ASSET...]`: builds the bundle (scripts/bundle.ts) and then the single `samuel`
 * binary from it with `deno compile` for every release target (or the ones named) into `dist/`, with
 * exactly the flags in scripts/flags.ts and the whole bundle (commands, sandbox Worker) embedded. The release workflow runs this; it cannot run on machines without access to
 * Deno's runtime download host (PLATFORM-NOTES.md), which is why tests/dist/permissions_test.ts checks
 * the same flags through `deno run`.
 */

import { BUNDLE_DIR, COMPILE_TARGETS, compileArgs, type CompileTarget } from "./flags.ts";
import { buildBundle } from "./bundle.ts";

/** Picks the targets named on the command line (by triple or asset name); all when none is named. */
export function selectTargets(names: readonly string[]): CompileTarget[] {
  if (names.length === 0) return [...COMPILE_TARGETS];
  return names.map((name) => {
    const target = COMPILE_TARGETS.find((t) => t.triple === name || t.asset === name);
    if (!target) {
      const known = COMPILE_TARGETS.map((t) => t.triple).join(", ");
      throw new Error(`unknown target ${JSON.stringify(name)}; known targets: ${known}`);
    }
    return target;
  });
}

if (import.meta.main) {
  let targets: CompileTarget[];
  try {
    targets = selectTargets(Deno.args);
  } catch (e) {
    console.error(`compile: ${(e as Error).message}`);
    Deno.exit(2);
  }
  // `deno task` runs from the folder holding deno.json, so relative paths are the repository's.
  await Deno.mkdir("dist", { recursive: true });
  const entries = await buildBundle(BUNDLE_DIR);
  console.error(`compile: bundled ${entries.length} entries into ${BUNDLE_DIR}`);
  for (const target of targets) {
    const args = compileArgs(target);
    console.error(`compile: deno ${args.join(" ")}`);
    const { code } = await new Deno.Command(Deno.execPath(), { args }).spawn().status;
    if (code !== 0) {
      console.error(`compile: deno compile failed for ${target.triple} (exit ${code})`);
      Deno.exit(code);
    }
  }
}
