/**
 * The module cache through the real CLI (DESIGN.md section 7), across processes: `samuel run` misses then
 * hits with `samuel doctor --json`'s `wasm_cache_stats` following; a corrupted entry (flipped byte,
 * truncation, deleted metadata, or a different valid module under stale metadata) is rebuilt and never
 * executed; a small `cache_budget` evicts the least recently used entry while the plugin being run keeps
 * working; concurrent processes filling the same entries. The cache's own unit tests are in
 * tests/store/module_cache_test.ts.
 */

import { assert, assertEquals, assertNotEquals } from "../support/assert.ts";
import {
  cacheEntries,
  helloWasmSource,
  lockedModuleSha,
  pluginSource,
  type Project,
  project,
} from "./helpers.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

async function stats(p: Project): Promise<Json> {
  const r = await p.cli(["doctor", "--json"]);
  assertEquals(r.code, 0, r.stdout + r.stderr);
  return r.json.data.wasm_cache_stats;
}

async function runJson(p: Project, plugin: string, exportName: string): Promise<Json> {
  const r = await p.cli(["run", plugin, exportName, "--json"]);
  assertEquals(r.code, 0, r.stdout + r.stderr);
  assertEquals(r.json.ok, true);
  return r.json.data;
}

Deno.test("samuel run: a miss, then a hit in the next process; doctor's wasm_cache_stats follow", async () => {
  const p = await project();
  await p.install(await helloWasmSource());
  const empty = await stats(p);
  assertEquals([empty.hits, empty.misses, empty.hit_rate], [0, 0, 0]);

  const first = await runJson(p, "hello-wasm", "greet");
  assertEquals(first.cache, { hit: false, rebuilt: null, hints: "none" });
  assertEquals(first.output.greeting, "hello, world");
  const afterMiss = await stats(p);
  assertEquals([afterMiss.hits, afterMiss.misses, afterMiss.rebuilds], [0, 1, 0]);
  assertEquals(afterMiss.modules, 1);
  assert(afterMiss.used_bytes > 0);

  const second = await runJson(p, "hello-wasm", "greet");
  assertEquals(second.cache, { hit: true, rebuilt: null, hints: "none" });
  assertEquals(second.output, first.output);
  const afterHit = await stats(p);
  assertEquals([afterHit.hits, afterHit.misses, afterHit.hit_rate], [1, 1, 0.5]);
  assertEquals(afterHit.modules, 1);
  assertEquals(afterHit.used_bytes, afterMiss.used_bytes);

  await runJson(p, "hello-wasm", "health");
  assertEquals((await stats(p)).hit_rate, 0.6667);
});

const damages: [string, (dir: string) => Promise<void>][] = [
  ["a flipped byte", async (dir) => {
    const b = await Deno.readFile(`${dir}/module.wasm`);
    b[Math.floor(b.length / 2)] ^= 0x01;
    await Deno.writeFile(`${dir}/module.wasm`, b);
  }],
  ["a truncated module", (dir) => Deno.truncate(`${dir}/module.wasm`, 40)],
  ["deleted metadata", (dir) => Deno.remove(`${dir}/meta.json`)],
];

for (const [what, damage] of damages) {
  Deno.test(`samuel run: ${what} in the cache entry is detected and rebuilt between two runs`, async () => {
    const p = await project();
    await p.install(await pluginSource("printer", { text: "the original" }));
    assertEquals((await runJson(p, "printer", "say")).stdout, "the original\n");
    const [entry] = cacheEntries(p.modulesDir);
    assertEquals(entry.sha, await lockedModuleSha(p.root, "printer"));
    await damage(entry.dir);

    const again = await runJson(p, "printer", "say");
    assertEquals(again.stdout, "the original\n");
    assertEquals(again.cache.hit, false);
    assert(typeof again.cache.rebuilt === "string" && again.cache.rebuilt.length > 0, again.cache.rebuilt);
    const s = await stats(p);
    assertEquals([s.hits, s.misses, s.rebuilds, s.modules], [0, 2, 1, 1]);
    // The rebuilt entry is whole again: the next run is a verified hit.
    assertEquals((await runJson(p, "printer", "say")).cache, { hit: true, rebuilt: null, hints: "none" });
  });
}

Deno.test("samuel run: a different valid module under the entry's stale metadata is never executed", async () => {
  const p = await project();
  // Same text length: the two pre-processed modules have the same size, so only the digest tells them
  // apart (the size check alone would not catch the swap).
  await p.install(await pluginSource("printer", { text: "the original!" }));
  await p.install(await pluginSource("evil", { text: "TAMPERED CODE" }));
  await runJson(p, "printer", "say");
  await runJson(p, "evil", "say");
  const printerSha = await lockedModuleSha(p.root, "printer");
  const entries = cacheEntries(p.modulesDir);
  const target = entries.find((e) => e.sha === printerSha)!;
  const donor = entries.find((e) => e.sha !== printerSha)!;
  const evilBytes = await Deno.readFile(`${donor.dir}/module.wasm`);
  const meta = JSON.parse(await Deno.readTextFile(`${target.dir}/meta.json`));
  assertEquals(evilBytes.length, meta.size, "the donor module must have the same size");
  await Deno.writeFile(`${target.dir}/module.wasm`, evilBytes);

  const r = await p.cli(["run", "printer", "say", "--json"]);
  assertEquals(r.code, 0, r.stderr);
  assertEquals(r.json.data.stdout, "the original!\n");
  assertEquals(r.json.data.cache.hit, false);
  assertEquals(r.json.data.cache.rebuilt, "digest mismatch");
  // Human mode too, from the now rebuilt entry.
  const human = await p.cli(["run", "printer", "say"]);
  assertEquals(human.stdout, "the original!\n");
  assertNotEquals(await Deno.readFile(`${target.dir}/module.wasm`), evilBytes);
});

Deno.test("a small cache_budget evicts the least recently used entry; the plugin being run still works", async () => {
  const p = await project();
  const names = ["p1", "p2", "p3"];
  for (const n of names) await p.install(await pluginSource(n, { text: `I am ${n}` }));
  const sha = Object.fromEntries(
    await Promise.all(names.map(async (n) => [n, await lockedModuleSha(p.root, n)])),
  );
  // Measure one entry (the three are the same size), then allow two and a half of them.
  await runJson(p, "p1", "say");
  const size = cacheEntries(p.modulesDir)[0].bytes;
  await p.setBudget(Math.floor(size * 2.5));

  await runJson(p, "p2", "say");
  assertEquals(cacheEntries(p.modulesDir).map((e) => e.sha).sort(), [sha.p1, sha.p2].sort());
  assertEquals((await runJson(p, "p1", "say")).cache.hit, true); // p1 is now the most recently used
  await stats(p); // doctor verifies every entry without making it recently used
  const p3 = await runJson(p, "p3", "say");
  assertEquals(p3.stdout, "I am p3\n");
  // p2 was the least recently used: it went first.
  assertEquals(cacheEntries(p.modulesDir).map((e) => e.sha).sort(), [sha.p1, sha.p3].sort());
  const s = await stats(p);
  assertEquals(s.modules, 2);
  assert(s.used_bytes <= s.budget_bytes, `${s.used_bytes} > ${s.budget_bytes}`);
  // An evicted plugin is a miss, rebuilt from its verified installed module.
  const p2 = await runJson(p, "p2", "say");
  assertEquals([p2.cache.hit, p2.stdout], [false, "I am p2\n"]);

  // A budget smaller than one module: each run still works; the entry in use is the one kept.
  await p.setBudget(Math.floor(size / 2));
  for (const n of ["p3", "p1", "p1"]) {
    const r = await runJson(p, n, "say");
    assertEquals(r.stdout, `I am ${n}\n`);
  }
  assertEquals(cacheEntries(p.modulesDir).map((e) => e.sha), [sha.p1]);
  const tiny = await p.cli(["doctor", "--json"]);
  assertEquals(tiny.code, 0);
  const budget = tiny.json.data.checks.find((c: Json) => c.id === "cache.budget");
  assertEquals(budget.status, "warn");
});

Deno.test("several processes filling the cache at once all run correctly and leave whole entries", async () => {
  const p = await project();
  await p.install(await pluginSource("alpha", { text: "alpha here" }));
  await p.install(await pluginSource("beta", { text: "beta here" }));
  const runs = await Promise.all(
    ["alpha", "beta", "alpha", "beta", "alpha", "beta"].map(async (n) => ({
      n,
      r: await p.cli(["run", n, "say", "--json"]),
    })),
  );
  for (const { n, r } of runs) {
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.json.data.stdout, `${n} here\n`);
  }
  const entries = cacheEntries(p.modulesDir);
  assertEquals(entries.length, 2);
  // No temp folder was left behind by the losers of the rename race.
  for (const sha of Deno.readDirSync(p.modulesDir)) {
    for (const e of Deno.readDirSync(`${p.modulesDir}/${sha.name}`)) {
      assert(!e.name.startsWith(".tmp-"), e.name);
    }
  }
  const doctor = await p.cli(["doctor", "--json"]);
  assertEquals(doctor.code, 0, doctor.stdout);
  const integrity = doctor.json.data.checks.find((c: Json) => c.id === "cache.integrity");
  assertEquals(integrity.status, "ok");
  const s = doctor.json.data.wasm_cache_stats;
  assertEquals(s.hits + s.misses, 6);
  assert(s.misses >= 2, `at least one miss per module, got ${s.misses}`);
  for (const n of ["alpha", "beta"]) assertEquals((await runJson(p, n, "say")).cache.hit, true);
});
