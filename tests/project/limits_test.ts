/**
 * The bounds of src/toml/limits.ts on samuel.toml and samuel.lock, one by one: each refused with the
 * file's code (SAM-CONFIG-010, SAM-LOCKFILE-010), the line when there is one, exit 2; a file just within
 * a bound still parses; an oversized file on disk is refused without being read.
 */

import { assert, assertEquals, assertStringIncludes, assertThrows } from "../support/assert.ts";
import { SamuelError } from "../../src/errors.ts";
import { defaultConfigText, loadConfig, parseConfig } from "../../src/project/config.ts";
import { parseLockfile, readLockfileIfExists } from "../../src/project/lockfile.ts";
import { TOML_LIMITS } from "../../src/toml/limits.ts";

function refused(fn: () => unknown, code: string, includes: string, line?: number): SamuelError {
  const e = assertThrows(fn) as SamuelError;
  assert(e instanceof SamuelError, String(e));
  assertEquals(e.code, code, e.message);
  assertEquals(e.exit, 2);
  assertStringIncludes(e.message, includes);
  assert(e.fix && e.reason, "says why and what to do");
  if (line !== undefined) assertEquals((e.details as { line?: number }).line, line, e.message);
  return e;
}

const parts = (n: number) => Array.from({ length: n }, (_, i) => `k${i}`).join(".");

Deno.test("samuel.toml: each bound is refused with SAM-CONFIG-010 and its line; just within it parses", () => {
  const base = defaultConfigText();
  const next = base.split("\n").length;
  const c = (extra: string) => () => parseConfig(base + extra);
  refused(c(`[${parts(33)}]\n`), "SAM-CONFIG-010", "more than 32 levels deep at `k0.k1.k2", next);
  refused(c(`${parts(33)} = 1\n`), "SAM-CONFIG-010", "more than 32 levels deep", next);
  refused(
    c(`x = ${"[".repeat(33)}${"]".repeat(33)}\n`),
    "SAM-CONFIG-010",
    "levels deep at `security.x[0][0]",
    next,
  );
  refused(
    c(`x = "${"s".repeat(65_537)}"\n`),
    "SAM-CONFIG-010",
    "string too long: 65537 characters at `security.x`",
    next,
  );
  refused(c(`"${"k".repeat(65_537)}" = 1\n`), "SAM-CONFIG-010", "string too long");
  refused(
    c(`x = [${"1,".repeat(10_001)}]\n`),
    "SAM-CONFIG-010",
    "array too long: 10001 items at `security.x`",
    next,
  );
  refused(
    c(Array.from({ length: 10_001 }, (_, i) => `[t${i}]`).join("\n")),
    "SAM-CONFIG-010",
    "too many tables",
  );
  refused(c(`# ${"x".repeat(1024 * 1024)}\n`), "SAM-CONFIG-010", "too large");
  // Within every bound: 32 levels, a 64 KiB string, 10,000 items.
  parseConfig(base + `[${parts(31)}]\nx = "${"s".repeat(65_536)}"\ny = [${"1,".repeat(10_000)}]\n`);
});

Deno.test("samuel.lock: each bound is refused with SAM-LOCKFILE-010 and the lock's own fix", () => {
  const base = "version = 1\n";
  const l = (extra: string) => () => parseLockfile(base + extra);
  const e = refused(l(`[${parts(40)}]\n`), "SAM-LOCKFILE-010", "more than 32 levels deep", 2);
  assertStringIncludes(e.fix!, "git checkout -- samuel.lock");
  refused(l(`x = "${"s".repeat(70_000)}"\n`), "SAM-LOCKFILE-010", "string too long", 2);
  refused(
    l(Array.from({ length: 50_001 }, (_, i) => `[t${i}]`).join("\n")),
    "SAM-LOCKFILE-010",
    "too many tables",
  );
  refused(
    l(Array.from({ length: 10_001 }, () => `[[plugin]]`).join("\n")),
    "SAM-LOCKFILE-010",
    "array too long",
  );
  refused(l(`# ${"x".repeat(4 * 1024 * 1024)}\n`), "SAM-LOCKFILE-010", "too large");
});

Deno.test("an oversized samuel.toml or samuel.lock on disk is refused from its size, without reading it", async () => {
  const root = await Deno.makeTempDir({ prefix: "samuel-limits-" });
  try {
    // Sparse files: 8 GiB each on paper, nothing on disk; reading one would take minutes and all memory.
    // (NTFS may reserve the space of an extended file, so Windows gets a smaller one.)
    const size = Deno.build.os === "windows" ? 64 * 1024 ** 2 : 8 * 1024 ** 3;
    for (const name of ["samuel.toml", "samuel.lock"]) {
      using f = await Deno.open(`${root}/${name}`, { write: true, create: true });
      await f.truncate(size);
    }
    const started = performance.now();
    const config = await loadConfig(root).then(() => undefined, (e) => e);
    assertEquals(config?.code, "SAM-CONFIG-010");
    assertStringIncludes(config.message, `${size} bytes, over the limit of ${TOML_LIMITS.config.fileBytes}`);
    const lock = await readLockfileIfExists(root).then(() => undefined, (e) => e);
    assertEquals(lock?.code, "SAM-LOCKFILE-010");
    assert(performance.now() - started < 1_000, "refused from the size alone");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("problem lists are capped: a lock with 3,000 broken entries lists 100 and counts the rest", () => {
  const broken = Array.from({ length: 3_000 }, () => `[[plugin]]\nname = 1\n`).join("");
  const e = assertThrows(() => parseLockfile(`version = 1\n${broken}`)) as SamuelError;
  assertEquals(e.code, "SAM-LOCKFILE-002");
  const details = e.details as { problems: string[]; omitted: number };
  assertEquals(details.problems.length, 100);
  assert(details.omitted > 2_900, String(details.omitted));
  assert(e.reason!.length < 20_000, `cause of ${e.reason!.length} characters`);
  assertStringIncludes(e.reason!, `and ${details.omitted} more`);
});
