/**
 * The start-up guarantee: importing src/verify/mod.ts loads no npm package, no `node:` module and not the
 * embedded trusted root; all of them are reached only through dynamic `import()` inside `verifyArtifact`.
 * Checked on the static module graph `deno info --json` reports. And the TUF refresh (`@sigstore/tuf`,
 * src/verify/tuf_refresh.ts, trust_source.ts) is not reachable at all, not even through a dynamic import,
 * from the `run` and `version` commands; it is from `install` and `update`.
 */

import { assert, assertEquals } from "../support/assert.ts";

interface InfoDependency {
  specifier: string;
  isDynamic?: boolean;
  code?: { specifier: string };
}
interface InfoModule {
  specifier: string;
  dependencies?: InfoDependency[];
}

/** Every module `entry` reaches, through static imports only or also through dynamic ones. */
async function reachable(entry: URL, withDynamic: boolean): Promise<Set<string>> {
  const config = new URL("../../deno.json", import.meta.url);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "--config", config.pathname, entry.pathname],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert(out.success, new TextDecoder().decode(out.stderr));
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as { modules: InfoModule[] };
  const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));

  const reached = new Set<string>();
  const queue = [entry.href];
  while (queue.length > 0) {
    const specifier = queue.pop()!;
    if (reached.has(specifier)) continue;
    reached.add(specifier);
    for (const dep of bySpecifier.get(specifier)?.dependencies ?? []) {
      if ((withDynamic || !dep.isDynamic) && dep.code) queue.push(dep.code.specifier);
    }
  }
  return reached;
}

Deno.test("lazy loading: mod.ts statically imports only local TypeScript", async () => {
  const mod = new URL("../../src/verify/mod.ts", import.meta.url);
  const reached = await reachable(mod, false);
  const offending = [...reached].filter((s) => !(s.startsWith("file:") && s.endsWith(".ts")));
  assertEquals(offending, []);
  assert(!reached.has(new URL("../../src/verify/sigstore_engine.ts", import.meta.url).href));
  assert(!reached.has(new URL("../../src/verify/crypto_patch.ts", import.meta.url).href));
});

Deno.test("lazy loading: the TUF refresh is unreachable from run and version, reachable from install and update", async () => {
  const src = (path: string) => new URL(`../../src/${path}`, import.meta.url);
  const tufModules = (reached: Set<string>) =>
    [...reached].filter((s) =>
      s.startsWith("npm:@sigstore/tuf") ||
      [src("verify/tuf_refresh.ts").href, src("verify/trust_source.ts").href].includes(s)
    ).sort();
  for (const command of ["run", "version"]) {
    assertEquals(tufModules(await reachable(src(`cli/commands/${command}.ts`), true)), [], command);
  }
  for (const command of ["install", "update"]) {
    const found = tufModules(await reachable(src(`cli/commands/${command}.ts`), true));
    assert(found.includes("npm:@sigstore/tuf@5.0.1"), `${command}: ${found.join(", ")}`);
    // Only through dynamic imports: loading the command does not load the TUF client.
    assertEquals(tufModules(await reachable(src(`cli/commands/${command}.ts`), false)), [], command);
  }
});
