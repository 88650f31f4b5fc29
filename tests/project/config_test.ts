import {
  addOrReplacePlugin,
  defaultConfigText,
  deletePluginRequest,
  formatByteSize,
  loadConfig,
  parseByteSize,
  parseConfig,
  removePlugin,
  savePluginRequest,
} from "../../src/project/config.ts";
import { isSamuelError, type SamuelError } from "../../src/errors.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "../support/assert.ts";

const USER_FILE = `# My project's samuel settings.   (odd  spacing kept)
[[registries]]
name = "corp"     # internal mirror
url  = "https://registry.example.com/index"

[tool.other]        # somebody else's table
answer = 42
nested = { a = [1, 2,
  3] }
text = """
[[plugins]]
not a header, inside a string
"""

# Linting
[[plugins]]
name = "lint"
source = "acme/lint@v1.0.0"   # pinned on purpose
owner_note = "keep me"

[plugins.settings]
level = "strict"

[[plugins]]
name = "fmt"
source = "fmt"
version = "^2"

[wasm]
cache_budget = "1GiB"

# trailing comment at end of file
`;

function expectCode(code: string, line?: number) {
  return (e: unknown) => {
    assert(isSamuelError(e), `expected SamuelError, got ${e}`);
    assertEquals((e as SamuelError).code, code);
    assertEquals((e as SamuelError).exit, 2);
    if (line !== undefined) assertStringIncludes((e as SamuelError).message, `:${line}`);
  };
}

Deno.test("default samuel.toml parses to the documented defaults", () => {
  const cfg = parseConfig(defaultConfigText());
  assertEquals(cfg.registries, [{ name: "samuel-plugins", url: "https://github.com/samuel-plugins/index" }]);
  assertEquals(cfg.plugins, []);
  assertEquals(cfg.wasm.cacheBudget, 500 * 1024 * 1024);
  assertEquals(cfg.security, {
    identityPatterns: [],
    identityMode: "add",
    issuer: "https://token.actions.githubusercontent.com",
    allowUnsigned: false,
  });
  assertEquals(cfg.warnings, []);
});

Deno.test("user file parses; unknown tables and keys are warnings with lines", () => {
  const cfg = parseConfig(USER_FILE, "/p/samuel.toml");
  assertEquals(cfg.registries, [{ name: "corp", url: "https://registry.example.com/index" }]);
  assertEquals(cfg.plugins, [{ name: "lint", source: "acme/lint@v1.0.0" }, {
    name: "fmt",
    source: "fmt",
    version: "^2",
  }]);
  assertEquals(cfg.wasm.cacheBudget, 1024 ** 3);
  assertEquals(cfg.warnings.length, 3);
  assertStringIncludes(cfg.warnings[0], "/p/samuel.toml:6: unknown key `tool`");
  assertStringIncludes(cfg.warnings[1], "/p/samuel.toml:19: unknown key `plugins[0].owner_note`");
  assertStringIncludes(cfg.warnings[2], "/p/samuel.toml:21: unknown key `plugins[0].settings`");
});

Deno.test("byte sizes", () => {
  assertEquals(parseByteSize("500MiB"), 500 * 1024 ** 2);
  assertEquals(parseByteSize("1.5 GiB"), 1.5 * 1024 ** 3);
  assertEquals(parseByteSize("10kib"), 10240);
  assertEquals(parseByteSize("200MB"), 200e6);
  assertEquals(parseByteSize(4096), 4096);
  assertEquals(parseByteSize("4096"), 4096);
  assertEquals(parseByteSize("0"), 0);
  for (const bad of ["", "MiB", "-1MiB", "5 parsecs", "1e3", -5, 1.5, true]) {
    assertEquals(parseByteSize(bad), undefined);
  }
  assertEquals(formatByteSize(500 * 1024 ** 2), "500 MiB");
  assertEquals(formatByteSize(1536), "1.5 KiB");
});

Deno.test("syntax error names file, line and fix (SAM-CONFIG-002)", () => {
  const e = assertThrows(
    () => parseConfig('[wasm]\ncache_budget = "500MiB\n', "/p/samuel.toml"),
    expectCode("SAM-CONFIG-002"),
  );
  assertMatch((e as SamuelError).message, /^\/p\/samuel\.toml:2(:\d+)? is not valid TOML/);
  assertStringIncludes((e as SamuelError).fix!, "line 2");
});

Deno.test("validation errors name key, line and fix, all at once (SAM-CONFIG-003)", () => {
  const text = `[wasm]
cache_budget = "lots"

[security]
issuer = "http://insecure.example"
identity_patterns = "not-a-list"
allow_unsigned = "yes"
identity_mode = "sometimes"

[[plugins]]
name = "Bad Name"
source = "x"

[[plugins]]
name = "ok"

[[registries]]
name = "r"
url = "github.com/no/scheme"
`;
  const e = assertThrows(
    () => parseConfig(text, "samuel.toml"),
    expectCode("SAM-CONFIG-003", 19),
  ) as SamuelError;
  // Problems are reported in section order; the message carries the first one.
  assertStringIncludes(e.message, "registries[0].url");
  const problems = (e.details as { problems: { key: string; line?: number }[] }).problems;
  assertEquals(problems.map((p) => [p.key, p.line]), [
    ["registries[0].url", 19],
    ["plugins[0].name", 11],
    ["plugins[1].source", 14],
    ["wasm.cache_budget", 2],
    ["security.identity_patterns", 6],
    ["security.identity_mode", 8],
    ["security.issuer", 5],
    ["security.allow_unsigned", 7],
  ]);
  assert(e.fix && e.fix.length > 0);
});

Deno.test("duplicate plugin names are rejected", () => {
  const text = '[[plugins]]\nname = "a"\nsource = "x"\n\n[[plugins]]\nname = "a"\nsource = "y"\n';
  const e = assertThrows(() => parseConfig(text), expectCode("SAM-CONFIG-003", 6)) as SamuelError;
  assertStringIncludes(e.message, "listed twice");
});

Deno.test("missing [[registries]] uses the default registry; an explicit empty list means none", () => {
  assertEquals(parseConfig("").registries.map((r) => r.name), ["samuel-plugins"]);
  assertEquals(parseConfig("registries = []\n").registries, []);
});

Deno.test("trusted_root is resolved against the project root", () => {
  const cfg = parseConfig('[security]\ntrusted_root = "keys/root.json"\n', "/p/samuel.toml", "/p");
  assertEquals(cfg.security.trustedRoot, "/p/keys/root.json");
});

Deno.test("[security].require_predicate_type: a predicate type URI; anything else is SAM-CONFIG-003", () => {
  const ok = parseConfig('[security]\nrequire_predicate_type = "https://slsa.dev/provenance/v1"\n');
  assertEquals(ok.security.requirePredicateType, "https://slsa.dev/provenance/v1");
  assertEquals(ok.warnings, []);
  assertEquals(parseConfig("[security]\n").security.requirePredicateType, undefined);
  for (const bad of ['""', '"slsa provenance"', '"provenance-v1"', "1", "[]"]) {
    let error: unknown;
    try {
      parseConfig(`[security]\nrequire_predicate_type = ${bad}\n`, "samuel.toml");
    } catch (e) {
      error = e;
    }
    assert(isSamuelError(error), `${bad} must be refused`);
    assertEquals(error.code, "SAM-CONFIG-003");
    assertStringIncludes(error.message, "security.require_predicate_type");
    assertStringIncludes(error.fix ?? "", "https://slsa.dev/provenance/v1");
  }
});

// --- surgical edits ---------------------------------------------------------------------------------------

Deno.test("adding a plugin appends after the last [[plugins]] entry; every other byte is kept", () => {
  const out = addOrReplacePlugin(USER_FILE, { name: "hello", source: "file:///tmp/hello" });
  const inserted = '\n[[plugins]]\nname = "hello"\nsource = "file:///tmp/hello"\n';
  const anchor = 'version = "^2"\n';
  const at = USER_FILE.indexOf(anchor) + anchor.length;
  assertEquals(out, USER_FILE.slice(0, at) + inserted + USER_FILE.slice(at));
  assertEquals(parseConfig(out).plugins.map((p) => p.name), ["lint", "fmt", "hello"]);
});

Deno.test("replacing a plugin edits only its owned lines, keeping its comments, extra keys and subtables", () => {
  const out = addOrReplacePlugin(USER_FILE, { name: "lint", source: "acme/lint@v2.0.0", version: "2.0.0" });
  const expected = USER_FILE.replace(
    'source = "acme/lint@v1.0.0"   # pinned on purpose\n',
    'source = "acme/lint@v2.0.0"   # pinned on purpose\nversion = "2.0.0"\n',
  );
  assertEquals(out, expected);
  // Dropping the version removes just that line.
  const back = addOrReplacePlugin(out, { name: "lint", source: "acme/lint@v1.0.0" });
  assertEquals(back, USER_FILE);
});

Deno.test("removing a plugin removes its block (subtables, attached comment) and nothing else", () => {
  const out = removePlugin(USER_FILE, "lint");
  const start = USER_FILE.indexOf("# Linting");
  const end = USER_FILE.indexOf('[[plugins]]\nname = "fmt"');
  assertEquals(out, USER_FILE.slice(0, start) + USER_FILE.slice(end));
  const none = removePlugin(out, "fmt");
  assertEquals(parseConfig(none).plugins, []);
  assertStringIncludes(none, "[tool.other]");
  assertStringIncludes(none, "\n\n[wasm]\ncache_budget");
  assertEquals(removePlugin(USER_FILE, "absent"), USER_FILE);
});

Deno.test("init template: add then remove restores the file byte for byte", () => {
  const base = defaultConfigText();
  const added = addOrReplacePlugin(base, { name: "hello", source: "owner/repo@v1.2.0" });
  assert(added.startsWith(base), "appended at the end");
  assertEquals(added.slice(base.length), '\n[[plugins]]\nname = "hello"\nsource = "owner/repo@v1.2.0"\n');
  const two = addOrReplacePlugin(added, { name: "b", source: "b", version: "1" });
  assertEquals(removePlugin(removePlugin(two, "b"), "hello"), base);
  assertEquals(removePlugin(removePlugin(two, "hello"), "b"), base);
});

Deno.test("edits keep CRLF line endings and files without a final newline", () => {
  const crlf = "# c\r\n[wasm]\r\ncache_budget = 1024\r\n";
  const out = addOrReplacePlugin(crlf, { name: "a", source: "s" });
  assertEquals(out, crlf + '\r\n[[plugins]]\r\nname = "a"\r\nsource = "s"\r\n');
  const noEol = '[[plugins]]\nname = "a"\nsource = "s"';
  assertEquals(
    addOrReplacePlugin(noEol, { name: "a", source: "s", version: "1" }),
    noEol + '\nversion = "1"\n',
  );
  assertEquals(addOrReplacePlugin("", { name: "a", source: "s" }), '[[plugins]]\nname = "a"\nsource = "s"\n');
});

Deno.test("values needing escapes are written as valid TOML strings", () => {
  const source = 'file:///tmp/we"ird\\path\t\x7f';
  const out = addOrReplacePlugin("", { name: "a", source });
  assertEquals(parseConfig(out).plugins[0].source, source);
});

Deno.test("inline plugins cannot be edited surgically (SAM-CONFIG-006)", () => {
  assertThrows(
    () => addOrReplacePlugin('plugins = [{ name = "a", source = "s" }]\n', { name: "b", source: "t" }),
    expectCode("SAM-CONFIG-006"),
  );
});

Deno.test("load/save helpers write atomically and keep the user's text", async () => {
  const root = await Deno.makeTempDir();
  try {
    await assertRejects(() => loadConfig(root), expectCode("SAM-CONFIG-001"));
    assertEquals((await loadConfig(root, { optional: true })).exists, false);
    await Deno.writeTextFile(`${root}/samuel.toml`, USER_FILE);
    await savePluginRequest(root, { name: "new", source: "o/r@v1" });
    assertEquals((await loadConfig(root)).plugins.map((p) => p.name), ["lint", "fmt", "new"]);
    await deletePluginRequest(root, "new");
    assertEquals(await Deno.readTextFile(`${root}/samuel.toml`), USER_FILE);
    assertEquals([...Deno.readDirSync(root)].map((e) => e.name), ["samuel.toml"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
