/**
 * The module cache on real files: miss then hit (also across processes), integrity failures rebuilt and
 * never returned, LRU eviction under a small budget that spares the entry in use, concurrent fillers.
 */

import { assert, assertEquals, assertNotEquals } from "../support/assert.ts";
import { type CacheVariant, ModuleCache } from "../../src/store/module_cache.ts";
import { sha256Hex } from "../../src/store/digest.ts";

const variant: CacheVariant = { preprocessor: "test1", maxMemoryBytes: 64 << 20, metered: true };

/** A builder that marks its output, so a test can tell a rebuild from a load. */
let builds = 0;
function builder(source: Uint8Array) {
  builds++;
  const out = new Uint8Array(source.length + 1);
  out.set(source);
  out[source.length] = 0xee;
  return { bytes: out, info: { exports: ["lint"] } };
}

function source(n: number, size = 1000): Uint8Array {
  return new Uint8Array(size).fill(n);
}

Deno.test("a miss builds and stores; the next lookup is a verified hit; stats count both", async () => {
  const root = await Deno.makeTempDir();
  const cache = new ModuleCache(root, 1 << 20);
  builds = 0;
  const first = await cache.getOrBuild(source(1), variant, builder);
  assertEquals(first.hit, false);
  const second = await cache.getOrBuild(source(1), variant, builder);
  assertEquals(second.hit, true);
  assertEquals(builds, 1);
  assertEquals(second.bytes, first.bytes);
  assertEquals(second.meta.info, { exports: ["lint"] });
  const stats = cache.stats();
  assertEquals([stats.hits, stats.misses, stats.modules], [1, 1, 1]);
  assertEquals(stats.hit_rate, 0.5);
  assertEquals(stats.used_bytes > 1000, true);
});

Deno.test("another variant of the same source is its own entry", async () => {
  const root = await Deno.makeTempDir();
  const cache = new ModuleCache(root, 1 << 20);
  await cache.getOrBuild(source(1), variant, builder);
  const other = await cache.getOrBuild(source(1), { ...variant, maxMemoryBytes: 16 << 20 }, builder);
  assertEquals(other.hit, false);
  assertEquals(cache.stats().modules, 2);
});

for (
  const [name, damage] of [
    ["a flipped byte", (dir: string) => {
      const b = Deno.readFileSync(`${dir}/module.wasm`);
      b[10] ^= 0xff;
      Deno.writeFileSync(`${dir}/module.wasm`, b);
    }],
    ["a truncated module", (dir: string) => Deno.truncateSync(`${dir}/module.wasm`, 100)],
    ["deleted metadata", (dir: string) => Deno.removeSync(`${dir}/meta.json`)],
    ["garbled metadata", (dir: string) => Deno.writeTextFileSync(`${dir}/meta.json`, "{not json")],
    ["a deleted module", (dir: string) => Deno.removeSync(`${dir}/module.wasm`)],
  ] as const
) {
  Deno.test(`${name} is detected, discarded and rebuilt, never returned`, async () => {
    const root = await Deno.makeTempDir();
    const cache = new ModuleCache(root, 1 << 20);
    const good = await cache.getOrBuild(source(7), variant, builder);
    const sha = await sha256Hex(source(7));
    damage(cache.entryDir(sha, variant));
    const again = await cache.getOrBuild(source(7), variant, builder);
    assertEquals(again.hit, false);
    assert(again.rebuilt, "the corruption is reported");
    assertEquals(again.bytes, good.bytes, "the rebuilt bytes are the good ones");
    const third = await cache.getOrBuild(source(7), variant, builder);
    assertEquals(third.hit, true, "the rebuilt entry is sound");
    assertEquals(cache.stats().rebuilds, 1);
  });
}

Deno.test("past the budget the least recently used entries go first; the entry just used stays", async () => {
  const root = await Deno.makeTempDir();
  // Room for about three 10 KB entries (each entry also holds a small meta.json).
  const cache = new ModuleCache(root, 35_000);
  const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
  for (let i = 1; i <= 3; i++) {
    await cache.getOrBuild(source(i, 10_000), variant, builder);
    // mtime resolution can be coarse: give each entry a distinct, ordered last-use time.
    Deno.utimeSync(`${cache.entryDir(await sha256Hex(source(i, 10_000)), variant)}/meta.json`, t(i), t(i));
  }
  // Use entry 1 again: now entry 2 is the least recently used.
  assertEquals((await cache.getOrBuild(source(1, 10_000), variant, builder)).hit, true);
  await cache.getOrBuild(source(4, 10_000), variant, builder);
  const present = async (i: number) => {
    try {
      Deno.statSync(cache.entryDir(await sha256Hex(source(i, 10_000)), variant));
      return true;
    } catch {
      return false;
    }
  };
  assertEquals(await present(2), false, "LRU entry evicted");
  assertEquals(await present(1), true);
  assertEquals(await present(4), true, "the entry just inserted is never evicted");
  assert(cache.stats().used_bytes <= 35_000);
});

Deno.test("a budget smaller than one entry still keeps and serves the entry in use", async () => {
  const root = await Deno.makeTempDir();
  const cache = new ModuleCache(root, 10);
  const r = await cache.getOrBuild(source(1, 5000), variant, builder);
  assertEquals(r.bytes.length, 5001);
  assertEquals(cache.stats().modules, 1);
});

const WORKER_SCRIPT = `
import { ModuleCache } from ${
  JSON.stringify(new URL("../../src/store/module_cache.ts", import.meta.url).href)
};
const [root, n] = Deno.args;
const cache = new ModuleCache(root, 1 << 30);
const results = [];
for (let i = 0; i < Number(n); i++) {
  const src = new Uint8Array(20000).fill(i % 5);
  const r = await cache.getOrBuild(src, { preprocessor: "test1", maxMemoryBytes: 1, metered: true },
    (s) => { const o = new Uint8Array(s.length + 1); o.set(s); o[s.length] = 0xee; return { bytes: o, info: i % 5 }; });
  if (r.bytes.length !== 20001 || r.bytes[20000] !== 0xee || r.bytes[0] !== i % 5) throw new Error("bad bytes");
  results.push(r.hit ? "h" : "m");
}
console.log(results.join(""));
`;

async function runFiller(root: string, script: string, n: number) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, root, String(n)],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout).trim();
}

Deno.test("a miss in one process is a hit in the next; stats persist across processes", async () => {
  const root = await Deno.makeTempDir();
  const script = `${await Deno.makeTempDir()}/filler.ts`;
  Deno.writeTextFileSync(script, WORKER_SCRIPT);
  assertEquals(await runFiller(root, script, 1), "m");
  assertEquals(await runFiller(root, script, 1), "h");
  const stats = new ModuleCache(root, 1 << 30).stats();
  assertEquals([stats.hits, stats.misses], [1, 1]);
});

Deno.test("two processes filling the cache at once both get sound modules; entries stay intact", async () => {
  const root = await Deno.makeTempDir();
  const script = `${await Deno.makeTempDir()}/filler.ts`;
  Deno.writeTextFileSync(script, WORKER_SCRIPT);
  const [a, b] = await Promise.all([runFiller(root, script, 40), runFiller(root, script, 40)]);
  assertEquals(a.length, 40);
  assertEquals(b.length, 40);
  const cache = new ModuleCache(root, 1 << 30);
  assertEquals(await cache.verifyAll(), [], "no corrupt entry left behind");
  assertEquals(cache.stats().modules, 5);
  const stats = cache.stats();
  assertEquals(stats.hits + stats.misses, 80, "every lookup counted once");
  assertNotEquals(stats.hits, 0);
  // No temp folders left over.
  for (const d of Deno.readDirSync(`${root}/modules`)) {
    for (const v of Deno.readDirSync(`${root}/modules/${d.name}`)) {
      assert(!v.name.startsWith(".tmp-"), v.name);
    }
  }
});

Deno.test("prefetch: a large module is read in the background and read() takes those bytes; a small one is only stat'ed", async () => {
  const root = await Deno.makeTempDir();
  try {
    const cache = new ModuleCache(root, 64 << 20);
    const big = new Uint8Array(3 << 20).map((_, i) => (i * 13) % 251);
    const sha = await sha256Hex(big);
    await cache.getOrBuild(big, variant, builder, sha);
    const pre = cache.prefetch(sha, variant)!;
    assertEquals(pre.size, big.length + 1);
    assert(pre.bytes !== undefined, "a module of 3 MiB is read in the background");
    const bytes = (await pre.bytes)!;
    const found = cache.read(sha, variant, { prefetched: { ...pre, bytes } });
    assert(found.entry !== undefined, found.corrupt);
    assertEquals(found.entry.bytes, cache.read(sha, variant).entry!.bytes);
    // The same buffer, with room after the bytes for a compile-hint section.
    assertEquals(found.entry.bytes.buffer, bytes.buffer);
    assert(bytes.buffer.byteLength > bytes.length);
    assert(await cache.verify(found.entry));
    // A small module: its stat only (read() reads it itself, without a second stat).
    const smallSha = await sha256Hex(source(3));
    await cache.getOrBuild(source(3), variant, builder, smallSha);
    const small = cache.prefetch(smallSha, variant)!;
    assertEquals([small.size, small.bytes], [1001, undefined]);
    const settled = { size: small.size, seen: small.seen };
    assertEquals(cache.read(smallSha, variant, { prefetched: settled }).entry!.bytes.length, 1001);
    // No entry: nothing to prefetch.
    assertEquals(cache.prefetch("0".repeat(64), variant), undefined);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("prefetch: bytes that do not match the metadata are discarded by read(), never returned", async () => {
  const root = await Deno.makeTempDir();
  try {
    const cache = new ModuleCache(root, 64 << 20);
    const big = new Uint8Array(2 << 20).fill(9);
    const sha = await sha256Hex(big);
    await cache.getOrBuild(big, variant, builder, sha);
    const pre = cache.prefetch(sha, variant)!;
    const bytes = (await pre.bytes)!;
    const found = cache.read(sha, variant, { prefetched: { ...pre, bytes: bytes.subarray(0, 100) } });
    assertEquals(found.entry, undefined);
    assert(found.corrupt?.includes("size"), found.corrupt);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
