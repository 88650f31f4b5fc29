/**
 * Issue 17, section 2, for samuel-plugin.toml through the real CLI: a 20,000-part table header made
 * validation quadratic (14 s); a manifest full of duplicate entries printed 74 MiB of JSON. Now the
 * header is refused in well under a second (SAM-MANIFEST-032, with its line), an oversized file is refused
 * before it is parsed, and the problem list stops at 100 and says how many more there are.
 */

import { assert, assertEquals, assertStringIncludes } from "../support/assert.ts";
import { runCli } from "../support/cli.ts";
import { MAX_PROBLEMS } from "../../src/manifest/mod.ts";

const BASE = await Deno.readTextFile(
  new URL("../../examples/manifests/design/samuel-plugin.toml", import.meta.url),
);

async function withManifest(text: string, fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "samuel-manifest-limits-" });
  try {
    await Deno.writeTextFile(`${dir}/samuel-plugin.toml`, text);
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function timed(args: string[], cwd: string, boundMs: number) {
  const started = performance.now();
  const r = await runCli(args, { cwd, env: { SAMUEL_HOME: `${cwd}/.home` }, timeoutMs: 6 * boundMs });
  const ms = performance.now() - started;
  assert(
    !r.timedOut && ms < boundMs,
    `samuel ${args.join(" ")} took ${ms.toFixed(0)} ms (bound ${boundMs} ms)`,
  );
  assert(!/^\s+at /m.test(r.stderr), `no stack trace: ${r.stderr}`);
  return r;
}

Deno.test("a 20,000-part table header in samuel-plugin.toml: plugin validate and install refuse it with SAM-MANIFEST-032 in seconds", async () => {
  const header = `[${Array.from({ length: 20_000 }, () => "a").join(".")}]\nx = 1\n`;
  await withManifest(BASE + header, async (dir) => {
    await Deno.copyFile(
      new URL("../fixtures/prebuilt/smoke_plugin.wasm", import.meta.url),
      `${dir}/plugin.wasm`,
    );
    const line = BASE.split("\n").length;
    const v = await timed(["plugin", "validate", dir, "--json"], dir, 5_000);
    assertEquals(v.code, 2, v.stdout + v.stderr);
    assertEquals(v.json.error.code, "SAM-MANIFEST-032");
    assertEquals(v.json.error.details[0].line, line);
    assertStringIncludes(v.json.error.message, "too deeply nested");

    const project = `${dir}/project`;
    await Deno.mkdir(project);
    await Deno.writeTextFile(`${project}/samuel.toml`, "");
    const i = await timed(
      ["install", `file://${dir}`, "--allow-unsigned", "--yes", "--json"],
      project,
      5_000,
    );
    assertEquals(i.code, 2, i.stdout + i.stderr);
    assertEquals(i.json.error.code, "SAM-MANIFEST-032");
    assertEquals(await Deno.readTextFile(`${project}/samuel.toml`), "", "nothing installed");
  });
});

Deno.test("a 2.6 MB manifest of duplicate entries is refused as too large, with a short answer", async () => {
  const dup = `env = [${Array.from({ length: 650_000 }, () => '"A"').join(",")}]\n`;
  const text = BASE.replace('env = ["HOME"]                  # empty = no env for the guest\n', dup);
  assert(text.length > 2_500_000);
  await withManifest(text, async (dir) => {
    const r = await timed(["plugin", "validate", dir, "--json"], dir, 5_000);
    assertEquals(r.code, 2);
    assertEquals(r.json.error.code, "SAM-MANIFEST-032");
    assertStringIncludes(r.json.error.message, "too large");
    assert(r.stdout.length < 16 * 1024, `${r.stdout.length} bytes of JSON`);
  });
});

Deno.test("plugin validate lists at most 100 problems and says how many more (JSON and human)", async () => {
  // 9,000 entries, each an invalid env key (a problem each): 9,000 problems in a 100 KB file.
  const bad = `env = [${Array.from({ length: 9_000 }, (_, i) => `"${i % 4500}-bad"`).join(",")}]\n`;
  const text = BASE.replace('env = ["HOME"]                  # empty = no env for the guest\n', bad);
  await withManifest(text, async (dir) => {
    const r = await timed(["plugin", "validate", dir, "--json"], dir, 10_000);
    assertEquals(r.code, 2);
    assertEquals(r.json.error.code, "SAM-MANIFEST-026");
    assertEquals(r.json.error.details.length, MAX_PROBLEMS);
    const m = /(\d+) errors \(100 problems listed, (\d+) more not listed\)/.exec(r.json.error.message);
    assert(m, r.json.error.message);
    assertEquals(Number(m[1]), 9_000, "every bad key is counted");
    assertEquals(Number(m[2]), Number(m[1]) - MAX_PROBLEMS);
    assert(r.stdout.length < 256 * 1024, `${r.stdout.length} bytes of JSON`);

    const human = await timed(["plugin", "validate", dir], dir, 10_000);
    assertEquals(human.code, 2);
    assertStringIncludes(
      human.stdout,
      `… and ${Number(m[1]) - MAX_PROBLEMS} more error(s) and 0 more warning(s)`,
    );
    assertEquals(human.stdout.split("\n").filter((l) => l.includes("[error SAM-")).length, MAX_PROBLEMS);
  });
});
