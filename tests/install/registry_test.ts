/**
 * Registry names end to end: `samuel search`, `samuel info` (not installed), `samuel install NAME@RANGE`
 * resolved through a registry `index.toml` served by the fake GitHub (raw content), verified against the
 * mapped repository's own release workflow, then `update` to a newer listed version and a reinstall from
 * the lock.
 */

import { assertEquals, assertStringIncludes } from "../support/assert.ts";
import { parseLockfile } from "../../src/project/lockfile.ts";
import { readLock, releaseSan, world } from "./helpers.ts";

const index = (versions: string[]) =>
  `format = 1
[[plugins]]
name = "hello"
description = "says hello, lints nothing"
source = "acme/hello"
versions = ${JSON.stringify(versions)}

[[plugins]]
name = "weather"
description = "fetches forecasts"
source = "acme/weather"
versions = ["1.0.0"]
`;

Deno.test("registry names: search, info, install, update", async (t) => {
  await using w = await world();
  const TR = ["--trusted-root", w.trustedRoot];
  const env = { SAMUEL_REGISTRY_TTL: "0" };
  w.gh.raw("acme", "index", "index.toml", index(["0.1.0"]));
  await w.publish({ repo: "hello", tag: "v0.1.0" });
  const root = await w.project();
  const toml = (await Deno.readTextFile(`${root}/samuel.toml`)).replace(
    'url = "https://github.com/samuel-plugins/index"',
    'url = "https://github.com/acme/index"',
  );
  await Deno.writeTextFile(`${root}/samuel.toml`, toml);

  await t.step("search and info read the index", async () => {
    const s = await w.cli(root, ["search", "hello", "--json"], { env });
    assertEquals(s.code, 0, s.stderr);
    assertEquals(s.json.data.results.map((r: { name: string }) => r.name), ["hello"]);
    assertEquals(s.json.data.results[0].latest, "0.1.0");
    assertEquals(s.json.data.results[0].installed_version, null);
    const human = await w.cli(root, ["search", "forecasts"], { env });
    assertStringIncludes(human.stdout, "weather");
    const i = await w.cli(root, ["info", "weather", "--json"], { env });
    assertEquals(i.code, 0, i.stderr);
    assertEquals(i.json.data.installed, false);
    assertEquals(i.json.data.source, "acme/weather");
    const none = await w.cli(root, ["info", "nothing", "--json"], { env });
    assertEquals(none.code, 2);
  });

  await t.step("install NAME@RANGE verifies against the mapped repository's workflow", async () => {
    const r = await w.cli(root, ["install", "hello@^0.1", ...TR, "--json"], { env });
    assertEquals(r.code, 0, r.stderr);
    const e = parseLockfile(await readLock(root)).plugins[0];
    assertEquals(e.source, "hello@^0.1");
    assertEquals(e.version, "0.1.0");
    assertEquals(
      e.verification.method === "sigstore" && e.verification.san,
      releaseSan("acme", "hello", "v0.1.0"),
    );
    assertStringIncludes(await Deno.readTextFile(`${root}/samuel.toml`), `source = "hello@^0.1"`);
    const s = await w.cli(root, ["search", "hello", "--json"], { env });
    assertEquals(s.json.data.results[0].installed_version, "0.1.0");
  });

  await t.step("update picks the highest listed version in the range; the lock reinstalls it", async () => {
    await w.publish({ repo: "hello", tag: "v0.1.5", manifest: { version: "0.1.5" } });
    w.gh.raw("acme", "index", "index.toml", index(["0.1.0", "0.1.5", "0.2.0"]));
    const r = await w.cli(root, ["update", ...TR, "--json"], { env });
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.json.data.plugins[0].version, "0.1.5");
    const lock = await readLock(root);
    assertStringIncludes(lock, `version = "0.1.5"`);

    const fresh = await w.project();
    await Deno.writeTextFile(
      `${fresh}/samuel.toml`,
      await Deno.readTextFile(`${root}/samuel.toml`).then((t) =>
        t.replace(/\n\[\[plugins\]\]\nname = "other".*\nsource = "other\/tool@v2.0.0"\n/, "\n")
      ),
    );
    await Deno.writeTextFile(`${fresh}/samuel.lock`, lock);
    const again = await w.cli(fresh, ["install", ...TR, "--frozen", "--json"], { env });
    assertEquals(again.code, 0, again.stderr);
    assertEquals(again.json.data.plugins[0].fetched_from, "acme/hello@v0.1.5");
    assertEquals(await readLock(fresh), lock);
  });
});
