/**
 * The start-up guarantee: importing src/verify/mod.ts loads no npm package, no `node:` module and not the
 * embedded trusted root; all of them are reached only through dynamic `import()` inside `verifyArtifact`.
 * Checked on the static module graph `deno info --json` reports.
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

Deno.test("lazy loading: mod.ts statically imports only local TypeScript", async () => {
  const mod = new URL("../../src/verify/mod.ts", import.meta.url);
  const config = new URL("../../deno.json", import.meta.url);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "--config", config.pathname, mod.pathname],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert(out.success, new TextDecoder().decode(out.stderr));
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as { modules: InfoModule[] };
  const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));

  const reached = new Set<string>();
  const queue = [mod.href];
  while (queue.length > 0) {
    const specifier = queue.pop()!;
    if (reached.has(specifier)) continue;
    reached.add(specifier);
    for (const dep of bySpecifier.get(specifier)?.dependencies ?? []) {
      if (!dep.isDynamic && dep.code) queue.push(dep.code.specifier);
    }
  }
  const offending = [...reached].filter((s) => !(s.startsWith("file:") && s.endsWith(".ts")));
  assertEquals(offending, []);
  assert(!reached.has(new URL("../../src/verify/sigstore_engine.ts", import.meta.url).href));
  assert(!reached.has(new URL("../../src/verify/crypto_patch.ts", import.meta.url).href));
});
