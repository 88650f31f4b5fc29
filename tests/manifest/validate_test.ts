/**
 * Whole-file behaviour of manifest validation: every problem at once, line numbers, unknown keys as
 * warnings or (strict) errors, defaults, syntax errors, kind-specific sections, and warnings that do not
 * block a manifest.
 */

import { assert, assertEquals } from "../support/assert.ts";
import { DEFAULTS, parseManifest } from "../../src/manifest/mod.ts";
import { baseSkill, baseWasm, check, DELETE, errorKeys, errors, warnings } from "./helpers.ts";

Deno.test("the DESIGN.md example is valid, with no warnings", async () => {
  const text = await Deno.readTextFile(
    new URL("../../examples/manifests/design/samuel-plugin.toml", import.meta.url),
  );
  const r = await parseManifest(text);
  assertEquals(r.problems, []);
  assert(r.manifest?.kind === "wasm");
  assertEquals(r.manifest.runtime, {
    maxMemoryMiB: 64,
    timeoutMs: 5000,
    hardTimeoutMs: 30000,
    exports: ["lint", "health"],
  });
  assertEquals(r.manifest.capabilities, {
    env: ["HOME"],
    filesystem: { read: ["/workspace"], write: [] },
    network: { hosts: ["api.example.com", "*.cdn.example.com"] },
  });
});

Deno.test("defaults are applied to a minimal wasm manifest", async () => {
  const r = await parseManifest(
    'name = "min"\nversion = "0.1.0"\nkind = "wasm"\nsummary = "x"\n[samuel]\nframework = "^2.2.0"\nprotocol = "^1.0.0"\n[wasm]\nmodule = "./plugin.wasm"\nexports = ["go"]\n',
  );
  assertEquals(r.problems, []);
  assertEquals(r.manifest, {
    name: "min",
    version: "0.1.0",
    kind: "wasm",
    summary: "x",
    samuel: { framework: "^2.2.0", protocol: "^1.0.0" },
    capabilities: { env: [], filesystem: { read: [], write: [] }, network: { hosts: [] } },
    wasm: { module: "plugin.wasm", exports: ["go"] },
    runtime: { maxMemoryMiB: DEFAULTS.maxMemoryMiB, timeoutMs: 5000, hardTimeoutMs: 30000, exports: ["go"] },
  });
});

Deno.test("skill manifests need no [wasm], [runtime] or protocol; entry defaults to SKILL.md", async () => {
  const r = await check({ skill: DELETE }, baseSkill());
  assertEquals(r.problems, []);
  assert(r.manifest?.kind === "skill");
  assertEquals(r.manifest.skill, { entry: "SKILL.md" });
  assertEquals(r.manifest.samuel.protocol, DEFAULTS.protocol);
});

Deno.test("sections that do not apply to the kind are warnings (errors under strict)", async () => {
  const skill = await check(
    { wasm: { module: "x.wasm", exports: ["a"] }, capabilities: { env: ["HOME"] } },
    baseSkill(),
  );
  assertEquals(warnings(skill).map((p) => `${p.code} ${p.key}`), [
    `${"SAM-MANIFEST-028"} wasm`,
    `${"SAM-MANIFEST-028"} capabilities`,
  ]);
  assert(skill.manifest !== undefined);
  assertEquals(skill.manifest.capabilities.env, [], "a skill's capabilities are ignored, never granted");

  const wasm = await check({ skill: { entry: "SKILL.md" } });
  assertEquals(warnings(wasm).map((p) => p.code), ["SAM-MANIFEST-028"]);
  assert(wasm.manifest !== undefined);

  const strict = await check({ skill: { entry: "SKILL.md" } }, baseWasm(), { strict: true });
  assertEquals(errorKeys(strict), [`${"SAM-MANIFEST-028"} skill`]);
  assertEquals(strict.manifest, undefined);
});

Deno.test("missing summary and [samuel] ranges are warnings with the default applied", async () => {
  const r = await check({ summary: DELETE, samuel: DELETE });
  assertEquals(r.problems.map((p) => `${p.severity} ${p.code} ${p.key}`), [
    `warning ${"SAM-MANIFEST-029"} summary`,
    `warning ${"SAM-MANIFEST-031"} samuel.framework`,
    `warning ${"SAM-MANIFEST-031"} samuel.protocol`,
  ]);
  assertEquals(r.manifest?.summary, "");
  assertEquals(r.manifest?.samuel, { framework: "*", protocol: "^1.0.0" });
  const strict = await check({ summary: "" }, baseWasm(), { strict: true });
  assertEquals(errorKeys(strict), [`${"SAM-MANIFEST-029"} summary`]);
});

Deno.test("unknown keys: a warning by default, an error under --strict, with did-you-mean", async () => {
  const patch = {
    colour: "red",
    runtime: { timout: "5s" },
    capabilities: { network: { host: ["a.example.com"] } },
  };
  const lax = await check(patch);
  assert(lax.manifest !== undefined, "warnings do not block the manifest");
  assertEquals(errors(lax), []);
  assertEquals(warnings(lax).map((p) => `${p.code} ${p.key}`), [
    `${"SAM-MANIFEST-005"} colour`,
    `${"SAM-MANIFEST-005"} runtime.timout`,
    `${"SAM-MANIFEST-005"} capabilities.network.host`,
  ]);
  assert(warnings(lax)[1].fix.includes('did you mean "timeout"'), warnings(lax)[1].fix);

  const strict = await check(patch, baseWasm(), { strict: true });
  assertEquals(strict.manifest, undefined);
  assertEquals(errorKeys(strict), [
    `${"SAM-MANIFEST-005"} colour`,
    `${"SAM-MANIFEST-005"} runtime.timout`,
    `${"SAM-MANIFEST-005"} capabilities.network.host`,
  ]);
});

Deno.test("every problem is reported at once, ordered by line", async () => {
  const text = [
    'name = "Bad Name"', // 1
    'version = "1.0"', // 2
    'kind = "wasm"', // 3
    'summary = "ok"', // 4
    "[samuel]", // 5
    'framework = "^9.0.0"', // 6
    'protocol = "^7.0.0"', // 7
    "[wasm]", // 8
    'module = "/plugin.wasm"', // 9
    'exports = ["lint", "run", "lint", "bad-name"]', // 10
    "[runtime]", // 11
    "max_memory = 0", // 12
    'timeout = "10s"', // 13
    'hard_timeout = "1s"', // 14
    'exports = ["other"]', // 15
    "fuel = 0", // 16
    "[capabilities]", // 17
    'env = ["OK", "NOT-OK"]', // 18
    "[capabilities.filesystem]", // 19
    'read = ["rel"]', // 20
    'write = ["/x/"]', // 21
    "[capabilities.network]", // 22
    'hosts = ["http://a.example.com"]', // 23
  ].join("\n");
  const r = await parseManifest(text, { file: "p/samuel-plugin.toml" });
  assertEquals(r.manifest, undefined);
  assertEquals(r.problems.map((p) => `${p.line} ${p.code} ${p.key}`), [
    `1 ${"SAM-MANIFEST-006"} name`,
    `2 ${"SAM-MANIFEST-007"} version`,
    `6 ${"SAM-MANIFEST-011"} samuel.framework`,
    `7 ${"SAM-MANIFEST-013"} samuel.protocol`,
    `9 ${"SAM-MANIFEST-014"} wasm.module`,
    `10 ${"SAM-MANIFEST-018"} wasm.exports[1]`,
    `10 ${"SAM-MANIFEST-017"} wasm.exports[2]`,
    `10 ${"SAM-MANIFEST-016"} wasm.exports[3]`,
    `12 ${"SAM-MANIFEST-022"} runtime.max_memory`,
    `14 ${"SAM-MANIFEST-021"} runtime.hard_timeout`,
    `16 ${"SAM-MANIFEST-023"} runtime.fuel`,
    `18 ${"SAM-MANIFEST-026"} capabilities.env[1]`,
    `20 ${"SAM-MANIFEST-024"} capabilities.filesystem.read[0]`,
    `21 ${"SAM-MANIFEST-024"} capabilities.filesystem.write[0]`,
    `23 ${"SAM-MANIFEST-027"} capabilities.network.hosts[0]`,
  ]);
  for (const p of r.problems) {
    assertEquals(p.file, "p/samuel-plugin.toml");
    assertEquals(p.severity, "error");
    assert(p.fix !== "" && p.message !== "");
  }
});

Deno.test("runtime.exports mismatch is reported once the lists are otherwise valid", async () => {
  const r = await check({ runtime: { exports: ["other"] } });
  assertEquals(errorKeys(r), [`${"SAM-MANIFEST-019"} runtime.exports`]);
  assert(
    r.problems[0].message.includes("missing lint, health") && r.problems[0].message.includes("extra other"),
  );
});

Deno.test("line numbers follow multi-line arrays, inline tables, dotted keys and multi-line strings", async () => {
  const text = [
    'name = "lines"', // 1
    'version = "1.0.0"', // 2
    'kind = "wasm"', // 3
    'summary = """', // 4
    "[not.a.table]", // 5  (inside a string)
    'ok"""', // 6
    'samuel = { framework = "^2.2.0", protocol = "^1.0.0", extra = 1 }', // 7
    "wasm.module = 'plugin.wasm'", // 8
    "wasm.exports = [", // 9
    '  "lint",  # a comment with ] and "quotes"', // 10
    '  "RUN",', // 11
    "]", // 12
    "[capabilities]", // 13
    'filesystem.read = ["/workspace",', // 14
    '  "relative"]', // 15
    "network = { hosts = [", // 16
    '  "ok.example.com",', // 17
    '  "Bad.example.com" ] }', // 18
  ].join("\n");
  const r = await parseManifest(text);
  assertEquals(r.problems.map((p) => `${p.line} ${p.key}`), [
    "4 summary",
    "7 samuel.extra",
    "11 wasm.exports[1]",
    "15 capabilities.filesystem.read[1]",
    "18 capabilities.network.hosts[1]",
  ]);
  assertEquals(r.problems[0].code, "SAM-MANIFEST-030");
});

Deno.test("a missing key points at its table's line; a missing top-level key has no line", async () => {
  const r = await parseManifest(
    'version = "1.0.0"\nkind = "wasm"\nsummary = "s"\n\n[wasm]\nexports = ["a"]\n[samuel]\nframework = "*"\nprotocol = "1"\n',
  );
  assertEquals(r.problems.map((p) => `${p.line} ${p.code} ${p.key}`), [
    `undefined ${"SAM-MANIFEST-003"} name`,
    `5 ${"SAM-MANIFEST-003"} wasm.module`,
  ]);
});

Deno.test("TOML syntax errors carry line and column", async () => {
  const r = await parseManifest('name = "x"\nversion = = "1"\n', { file: "x.toml" });
  assertEquals(r.manifest, undefined);
  assertEquals(r.problems.length, 1);
  const [p] = r.problems;
  assertEquals([p.code, p.file, p.line, p.severity, p.key], ["SAM-MANIFEST-002", "x.toml", 2, "error", ""]);
  assert(typeof p.column === "number" && p.column > 0);
  assert(p.message.startsWith("not valid TOML: "), p.message);
  const dup = await parseManifest('name = "x"\nname = "y"\n');
  assertEquals(dup.problems.map((q) => [q.code, q.line]), [["SAM-MANIFEST-002", 2]]);
});

Deno.test("unknown kind still validates the sections that are present", async () => {
  const r = await check({ kind: "container", wasm: { module: "../x.wasm" }, capabilities: { env: ["1"] } });
  assertEquals(errorKeys(r), [
    `${"SAM-MANIFEST-009"} kind`,
    `${"SAM-MANIFEST-014"} wasm.module`,
    `${"SAM-MANIFEST-026"} capabilities.env[0]`,
  ]);
});

Deno.test("framework and protocol are checked against this build's identity", async () => {
  const next = { build: { version: "3.0.0", protocol: 2 } };
  const r = await check({ samuel: { framework: "^3.0.0", protocol: "^2.0.0" } }, baseWasm(), next);
  assertEquals(errorKeys(r), []);
  const old = await check({}, baseWasm(), next);
  assertEquals(errorKeys(old), [
    `${"SAM-MANIFEST-011"} samuel.framework`,
    `${"SAM-MANIFEST-013"} samuel.protocol`,
  ]);
  const rc = await check({}, baseWasm(), { build: { version: "2.3.0-rc.1", protocol: 1 } });
  assertEquals(errorKeys(rc), [], "a release candidate satisfies ^2.2.0");
});

Deno.test("trusted parsing skips the semver checks (the run path never loads semver)", async () => {
  const r = await check({ version: "not-semver", samuel: { framework: "^9" } }, baseWasm(), {
    trusted: true,
  });
  assertEquals(errorKeys(r), []);
});

Deno.test("fixes suggest the corrected value where one exists", async () => {
  const r = await check({
    name: "My_Plugin",
    version: "v1.2.3",
    kind: "Skill",
    capabilities: { filesystem: { read: ["src"] }, network: { hosts: ["HTTPS://API.example.com:8443/x"] } },
  });
  const fixes = Object.fromEntries(r.problems.map((p) => [p.key, p.fix]));
  assertEquals(fixes["name"], 'use name = "my-plugin"');
  assertEquals(fixes["version"], 'use version = "1.2.3"');
  assertEquals(fixes["kind"], 'use kind = "skill"');
  assertEquals(fixes["capabilities.filesystem.read[0]"], 'use "/workspace/src"');
  assertEquals(fixes["capabilities.network.hosts[0]"], 'use "api.example.com"');
});

Deno.test("a section of the wrong type is one error, not a cascade", async () => {
  const r = await check({ wasm: "plugin.wasm" });
  assertEquals(errorKeys(r), [`${"SAM-MANIFEST-004"} wasm`]);
});
