/**
 * The modules a file loads at run time, from the real import graph (`deno info --json`): walked from the
 * root along code imports only (type-only imports load nothing). For tests that pin down what a start-up
 * path or a cheap module must not pull in.
 */

/** Every module specifier `path` loads when run, itself included. */
export async function loadedModules(path: string): Promise<Set<string>> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", path],
    stdout: "piped",
  }).output();
  const info = JSON.parse(new TextDecoder().decode(out.stdout));
  const deps = new Map<string, string[]>(
    info.modules.map((
      m: { specifier: string; dependencies?: { code?: { specifier: string } }[] },
    ) => [m.specifier, (m.dependencies ?? []).flatMap((d) => d.code ? [d.code.specifier] : [])]),
  );
  const loaded = new Set<string>([info.roots[0]]);
  for (const s of loaded) for (const d of deps.get(s) ?? []) loaded.add(d);
  return loaded;
}
