/**
 * The bounds of src/toml/limits.ts on samuel-plugin.toml (SAM-MANIFEST-032, with the line) and the cap on
 * listed problems (`MAX_PROBLEMS`, errors listed before warnings so an invalid file always shows one).
 */

import { assert, assertEquals, assertStringIncludes } from "../support/assert.ts";
import {
  capProblems,
  MAX_PROBLEMS,
  parseManifest,
  type Problem,
  readManifestText,
} from "../../src/manifest/mod.ts";
import { KeyLocator } from "../../src/toml/scan.ts";

const BASE = await Deno.readTextFile(
  new URL("../../examples/manifests/design/samuel-plugin.toml", import.meta.url),
);
const next = BASE.split("\n").length;

async function limit(extra: string, includes: string, line?: number) {
  const r = await parseManifest(BASE + extra);
  assertEquals(r.manifest, undefined);
  assertEquals(r.problems.length, 1, JSON.stringify(r.problems));
  const [p] = r.problems;
  assertEquals(p.code, "SAM-MANIFEST-032");
  assertEquals(p.severity, "error");
  assertStringIncludes(p.message, includes);
  if (line !== undefined) assertEquals(p.line, line, p.message);
}

Deno.test("samuel-plugin.toml: each bound is one SAM-MANIFEST-032 problem with its line", async () => {
  await limit(`[${Array.from({ length: 20_000 }, () => "a").join(".")}]\n`, "more than 32 levels deep", next);
  await limit(
    `x = ${"{ a = ".repeat(40)}1${" }".repeat(40)}\n`,
    "more than 32 levels deep at `capabilities.network.x.a.a",
    next,
  );
  await limit(`x = "${"s".repeat(70_000)}"\n`, "string too long", next);
  await limit(`x = [${"1,".repeat(10_001)}]\n`, "array too long");
  await limit(
    Array.from({ length: 1_001 }, (_, i) => `[t${i}]`).join("\n"),
    "too many tables: more than 1000",
  );
  await limit(`# ${"x".repeat(1024 * 1024)}\n`, "too large");
});

Deno.test("readManifestText refuses an oversized manifest from its size", async () => {
  const dir = await Deno.makeTempDir();
  try {
    using f = await Deno.open(`${dir}/samuel-plugin.toml`, { write: true, create: true });
    await f.truncate(Deno.build.os === "windows" ? 64 * 1024 ** 2 : 4 * 1024 ** 3);
    const read = await readManifestText(`${dir}/samuel-plugin.toml`);
    assert("code" in read);
    assertEquals(read.code, "SAM-MANIFEST-032");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("capProblems keeps 100, errors first, in line order, and counts the rest", () => {
  const p = (line: number, severity: Problem["severity"]): Problem => ({
    file: "f",
    key: "k",
    line,
    message: "m",
    fix: "f",
    severity,
    code: "SAM-MANIFEST-005",
  });
  // 150 warnings on the first lines, then 30 errors: every error must still be listed.
  const sorted = [
    ...Array.from({ length: 150 }, (_, i) => p(i, "warning")),
    ...Array.from({ length: 30 }, (_, i) => p(200 + i, "error")),
  ];
  const { problems, omitted } = capProblems(sorted);
  assertEquals(problems.length, MAX_PROBLEMS);
  assertEquals(problems.filter((x) => x.severity === "error").length, 30);
  assertEquals(omitted, { errors: 0, warnings: 80 });
  assert(problems.every((x, i) => i === 0 || problems[i - 1].line! <= x.line!), "still in line order");
  assertEquals(capProblems(sorted.slice(0, 10)), { problems: sorted.slice(0, 10) });
});

Deno.test("KeyLocator is linear: a 200,000-part header and deep values under a long dotted key", () => {
  const started = performance.now();
  const loc = new KeyLocator(
    `[${Array.from({ length: 200_000 }, () => "h").join(".")}]\n` +
      `${Array.from({ length: 50_000 }, () => "k").join(".")} = [${"[1, 2], ".repeat(20_000)}]\n`,
  );
  assertEquals(loc.lineOf(["h", "h", "h"]), 1);
  const deep = Array.from({ length: 200_000 }, () => "h");
  assertEquals(loc.exactLineOf([...deep, ...Array.from({ length: 50_000 }, () => "k"), 19_999, 1]), 2);
  const ms = performance.now() - started;
  assert(ms < 3_000, `${ms.toFixed(0)} ms`);
});
