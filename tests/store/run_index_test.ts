/**
 * The run index (src/store/run_index.ts) never answers for a text it was not made from: an edited
 * samuel.lock is parsed again (its new grants and digests apply), an edited manifest is hashed again
 * (exit 4 when it no longer matches the lock), a lock that pins another manifest digest is not answered
 * by the old record, and a record of another project, or a damaged file, is ignored. Through the real CLI,
 * plus the index in-process.
 */

import { assert, assertEquals, assertStringIncludes } from "../support/assert.ts";
import { pluginSource, project } from "../cache/helpers.ts";
import { RunIndex } from "../../src/store/run_index.ts";
import { parseLockfile } from "../../src/project/lockfile.ts";

const indexFiles = (home: string) => {
  try {
    return [...Deno.readDirSync(`${home}/cache/run`)].map((e) => `${home}/cache/run/${e.name}`);
  } catch {
    return [];
  }
};

Deno.test("run index: written by the first run; an edited samuel.lock or manifest is read afresh", async () => {
  const p = await project();
  await p.install(await pluginSource("alpha", { text: "I am alpha" }));
  assertEquals((await p.cli(["run", "alpha", "say"])).stdout, "I am alpha\n");
  const [file] = indexFiles(p.runHome);
  assert(file, "no index written");
  const record = JSON.parse(await Deno.readTextFile(file));
  assertEquals(record.root, p.root);
  assertEquals(record.lock.parsed.plugins[0].name, "alpha");

  // A grant removed from samuel.lock by hand is seen at once: the plugin no longer reads /workspace.
  const lock = await Deno.readTextFile(`${p.root}/samuel.lock`);
  const edited = lock.replace(/read = \["\/workspace"\]/, "read = []");
  assert(edited !== lock, "the lock has no read grant to remove");
  await Deno.writeTextFile(`${p.root}/samuel.lock`, edited);
  const r = await p.cli(["run", "alpha", "say", "--json", "--verbose"]);
  assertEquals(r.code, 0, r.stderr);
  assertEquals(JSON.parse(await Deno.readTextFile(file)).lock.text, edited);

  // An edited manifest is hashed again, and refused.
  const manifest = `${p.root}/.samuel/plugins/alpha/samuel-plugin.toml`;
  await Deno.writeTextFile(manifest, (await Deno.readTextFile(manifest)) + "\n# edited\n");
  const m = await p.cli(["run", "alpha", "say"]);
  assertEquals(m.code, 4, m.stderr);
  assertStringIncludes(m.stderr, "SAM-RUN-018");
});

Deno.test("run index: a manifest record answers only while the lock pins the digest it hashed to", () => {
  const home = Deno.makeTempDirSync({ prefix: "samuel-index-" });
  const old = Deno.env.get("SAMUEL_HOME");
  Deno.env.set("SAMUEL_HOME", home);
  try {
    const root = "/some/project";
    const index = RunIndex.open(root);
    const manifest = { kind: "wasm", module: "plugin.wasm", exports: ["lint"] };
    index.remember("p", "text", "a".repeat(64), manifest);
    assertEquals(index.manifest("p", "text", "a".repeat(64)), manifest);
    assertEquals(index.manifest("p", "text", "b".repeat(64)), undefined);
    assertEquals(index.manifest("p", "other text", "a".repeat(64)), undefined);
    index.save();
    // Reopened: the record is there for this root, not for another one with the same file name.
    assertEquals(RunIndex.open(root).manifest("p", "text", "a".repeat(64)), manifest);
    const [file] = indexFiles(home);
    const raw = JSON.parse(Deno.readTextFileSync(file));
    Deno.writeTextFileSync(file, JSON.stringify({ ...raw, root: "/another/project" }));
    assertEquals(RunIndex.open(root).manifest("p", "text", "a".repeat(64)), undefined);
    Deno.writeTextFileSync(file, "{ damaged");
    const fresh = RunIndex.open(root);
    assertEquals(fresh.manifest("p", "text", "a".repeat(64)), undefined);
    // The lock record is keyed by the whole text: a different text is parsed.
    let parses = 0;
    const parse = (t: string) => (parses++, parseLockfile(t));
    const text = "version = 1\n";
    fresh.lock(text, parse);
    fresh.lock(text, parse);
    fresh.lock(text + "\n", parse);
    assertEquals(parses, 2);
  } finally {
    if (old === undefined) Deno.env.delete("SAMUEL_HOME");
    else Deno.env.set("SAMUEL_HOME", old);
    Deno.removeSync(home, { recursive: true });
  }
});
