/**
 * Issue 17 part 1, through the real CLI: the code that runs is the code samuel.lock and the installed files
 * say, also with a warm module cache (README, "What a run verifies"):
 * - a tampered installed module is exit 4 (SAM-RUN-005), including a same-size edit whose mtime was set back
 *   (the run stamp's file identity includes the ctime, which no user can set back);
 * - two swapped installed modules: each run is exit 4, neither runs the other's code;
 * - samuel.lock's digest changed to another cached plugin's: exit 4, the other plugin's code never runs with
 *   this plugin's grants;
 * - a complete cache entry of plugin B copied under plugin A's digest is discarded and rebuilt from A's
 *   installed module: A's own output, never B's;
 * - a cache entry (or its source folder) replaced by a plain file is discarded and rebuilt by `run`, and
 *   `doctor` reports and removes it: never exit 1;
 * - a tampered installed manifest is exit 4 (SAM-RUN-018);
 * and the stamp that lets a run skip the hash is used: a second run does not hash the module again.
 */

import { assert, assertEquals, assertStringIncludes } from "../support/assert.ts";
import { cacheEntries, lockedModuleSha, pluginSource, type Project, project } from "./helpers.ts";

const plugins = (p: Project) => `${p.root}/.samuel/plugins`;

async function two(): Promise<Project> {
  const p = await project();
  // Same text length: the two modules have the same size, so only their bytes tell them apart.
  await p.install(await pluginSource("alpha", { text: "I am alpha" }));
  await p.install(await pluginSource("bravo", { text: "I am bravo" }));
  for (const name of ["alpha", "bravo"]) {
    const r = await p.cli(["run", name, "say", "--json"]);
    assertEquals(r.code, 0, r.stderr);
  }
  return p;
}

function assertRefused(
  r: { code: number; stdout: string; stderr: string },
  code: string,
  ...never: string[]
) {
  assertEquals(r.code, 4, r.stdout + r.stderr);
  assertStringIncludes(r.stdout + r.stderr, code);
  for (const text of never) assert(!r.stdout.includes(text), `ran the other code: ${r.stdout}`);
}

Deno.test("warm cache: a tampered installed module is exit 4, also after its mtime was set back", async () => {
  const p = await two();
  const file = `${plugins(p)}/alpha/plugin.wasm`;
  const before = await Deno.stat(file);
  const bytes = await Deno.readFile(file);
  bytes[bytes.length - 1] ^= 0x01; // a same-size edit
  await Deno.writeFile(file, bytes);
  await Deno.utime(file, before.atime!, before.mtime!);
  assertEquals((await Deno.stat(file)).mtime?.getTime(), before.mtime?.getTime());
  const r = await p.cli(["run", "alpha", "say", "--json"]);
  assertRefused(r, "SAM-RUN-005", "I am alpha");
  assertEquals(r.json.error.code, "SAM-RUN-005");
  // doctor agrees, and a reinstall from the lock restores the module.
  assertEquals((await p.cli(["doctor"])).code !== 0, true);
  const fix = await p.cli(["install", "--yes"], { home: p.installHome });
  assertEquals(fix.code, 0, fix.stderr);
  assertEquals((await p.cli(["run", "alpha", "say"])).stdout, "I am alpha\n");
});

Deno.test("warm cache: two swapped installed modules are each refused, neither runs the other's code", async () => {
  const p = await two();
  const a = `${plugins(p)}/alpha/plugin.wasm`;
  const b = `${plugins(p)}/bravo/plugin.wasm`;
  await Deno.rename(a, `${a}.tmp`);
  await Deno.rename(b, a);
  await Deno.rename(`${a}.tmp`, b);
  assertRefused(await p.cli(["run", "alpha", "say"]), "SAM-RUN-005", "I am bravo", "I am alpha");
  assertRefused(await p.cli(["run", "bravo", "say"]), "SAM-RUN-005", "I am alpha", "I am bravo");
});

Deno.test("samuel.lock pointing at another cached plugin's digest never runs that plugin's code", async () => {
  const p = await two();
  const alpha = await lockedModuleSha(p.root, "alpha");
  const bravo = await lockedModuleSha(p.root, "bravo");
  const lock = await Deno.readTextFile(`${p.root}/samuel.lock`);
  await Deno.writeTextFile(
    `${p.root}/samuel.lock`,
    lock.replace(`module = "${alpha}"`, `module = "${bravo}"`),
  );
  const r = await p.cli(["run", "alpha", "say", "--json"]);
  assertRefused(r, "SAM-RUN-005", "I am bravo");
  assertEquals(r.json.data, null);
});

Deno.test("a complete cache entry of another plugin stored under this plugin's digest is rebuilt, not run", async () => {
  const p = await two();
  const alpha = await lockedModuleSha(p.root, "alpha");
  const entries = cacheEntries(p.modulesDir);
  const target = entries.find((e) => e.sha === alpha)!;
  const donor = entries.find((e) => e.sha !== alpha)!;
  await Deno.remove(target.dir, { recursive: true });
  await Deno.mkdir(target.dir);
  for (const f of ["module.wasm", "meta.json"]) {
    await Deno.copyFile(`${donor.dir}/${f}`, `${target.dir}/${f}`);
  }
  const r = await p.cli(["run", "alpha", "say", "--json"]);
  assertEquals(r.code, 0, r.stderr);
  assertEquals(r.json.data.stdout, "I am alpha\n");
  assertEquals(r.json.data.cache.hit, false);
  assertStringIncludes(r.json.data.cache.rebuilt, "another module");
  // The same donor entry with its metadata edited to claim this digest: the run stamp recorded alpha's
  // own rewrite, so the impostor is still refused.
  await Deno.remove(target.dir, { recursive: true });
  await Deno.mkdir(target.dir);
  await Deno.copyFile(`${donor.dir}/module.wasm`, `${target.dir}/module.wasm`);
  const meta = JSON.parse(await Deno.readTextFile(`${donor.dir}/meta.json`));
  await Deno.writeTextFile(`${target.dir}/meta.json`, JSON.stringify({ ...meta, sourceSha256: alpha }));
  const again = await p.cli(["run", "alpha", "say", "--json"]);
  assertEquals(again.code, 0, again.stderr);
  assertEquals(again.json.data.stdout, "I am alpha\n");
  assertStringIncludes(again.json.data.cache.rebuilt, "not the rewrite");
});

Deno.test("a cache entry replaced by a plain file is discarded and rebuilt by run, and reported by doctor", async () => {
  for (const level of ["variant folder", "source folder"] as const) {
    const p = await two();
    const alpha = await lockedModuleSha(p.root, "alpha");
    const entry = cacheEntries(p.modulesDir).find((e) => e.sha === alpha)!;
    const path = level === "variant folder" ? entry.dir : `${p.modulesDir}/${alpha}`;
    await Deno.remove(path, { recursive: true });
    await Deno.writeTextFile(path, "not an entry");
    const r = await p.cli(["run", "alpha", "say", "--json"]);
    assertEquals(r.code, 0, `${level}: ${r.stderr}`);
    assertEquals(r.json.data.stdout, "I am alpha\n");
    assert(typeof r.json.data.cache.rebuilt === "string", level);
    assertEquals((await Deno.stat(path)).isDirectory, true, level);

    await Deno.remove(path, { recursive: true });
    await Deno.writeTextFile(path, "not an entry");
    const d = await p.cli(["doctor", "--json"]);
    assert(d.code !== 1, `${level}: doctor crashed: ${d.stderr}`);
    assertEquals(d.json?.ok !== undefined, true, d.stdout);
    const again = await p.cli(["run", "alpha", "say"]);
    assertEquals([again.code, again.stdout], [0, "I am alpha\n"], again.stderr);
  }
});

Deno.test("a tampered installed manifest is exit 4 (SAM-RUN-018)", async () => {
  const p = await two();
  const file = `${plugins(p)}/alpha/samuel-plugin.toml`;
  await Deno.writeTextFile(
    file,
    (await Deno.readTextFile(file)).replace('exports = ["say", "health"]', 'exports = ["health", "say"]'),
  );
  assertRefused(await p.cli(["run", "alpha", "say"]), "SAM-RUN-018", "I am alpha");
});

Deno.test("the run stamp: a run hashes the module until a stamp vouches for it, then no more", async () => {
  const p = await project();
  await p.install(await pluginSource("alpha", { text: "I am alpha" }));
  const stamp = `${plugins(p)}/alpha/.run-stamp.json`;
  assertEquals(await Deno.stat(stamp).then(() => true, () => false), false);
  assertEquals((await p.cli(["run", "alpha", "say"])).code, 0);
  const first = JSON.parse(await Deno.readTextFile(stamp));
  assertEquals(first.sha256, await lockedModuleSha(p.root, "alpha"));
  assertEquals(Object.keys(first.processed).length, 1);
  // A stamp taken in the same second as the file's last change cannot vouch for it (ctime has whole
  // seconds): once that second is over, the next run renews it, and from then on runs leave it alone.
  const ctime = (await Deno.stat(`${plugins(p)}/alpha/plugin.wasm`)).ctime!.getTime();
  await new Promise((r) => setTimeout(r, Math.max(0, ctime + 1100 - Date.now())));
  assertEquals((await p.cli(["run", "alpha", "say"])).code, 0);
  const renewed = JSON.parse(await Deno.readTextFile(stamp));
  assert(renewed.identity.ctimeMs + 1000 <= renewed.stampedAtMs, JSON.stringify(renewed));
  const before = (await Deno.stat(stamp)).mtime?.getTime();
  assertEquals((await p.cli(["run", "alpha", "say"])).code, 0);
  assertEquals((await Deno.stat(stamp)).mtime?.getTime(), before, "a vouching stamp was rewritten");
  // A damaged stamp is no stamp: the module is hashed again and a good stamp written.
  await Deno.writeTextFile(stamp, "{ not json");
  assertEquals((await p.cli(["run", "alpha", "say"])).stdout, "I am alpha\n");
  assertEquals(JSON.parse(await Deno.readTextFile(stamp)).sha256, first.sha256);
});
