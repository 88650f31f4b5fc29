/** The CLI shell: help, version, unknown commands and flags, stubs, and the JSON envelope's shape. */

import { assert, assertEquals, assertMatch, assertStringIncludes } from "../support/assert.ts";
import { runCli } from "../support/cli.ts";

Deno.test("version prints version and protocol, --json gives the envelope", async () => {
  const human = await runCli(["version"]);
  assertEquals(human.code, 0);
  assertMatch(human.stdout, /^samuel \d+\.\d+\.\d+ \(plugin protocol 1; deno 2\.9\./);
  const json = await runCli(["version", "--json"]);
  assertEquals(json.code, 0);
  assertEquals(json.json.ok, true);
  assertEquals(json.json.command, "version");
  assertEquals(json.json.error, null);
  assertEquals(json.json.data.protocol, 1);
  assertEquals(json.json.warnings, []);
  const flag = await runCli(["--version"]);
  assertEquals(flag.code, 0);
  assertEquals(flag.stdout, human.stdout);
});

Deno.test("--help lists every verb and exits 0; help on a command shows its examples", async () => {
  const r = await runCli(["--help"]);
  assertEquals(r.code, 0);
  for (const verb of ["init", "install", "uninstall", "update", "search", "info", "ls", "run", "doctor"]) {
    assertStringIncludes(r.stdout, `  ${verb}`);
  }
  assertStringIncludes(r.stdout, "plugin validate");
  const cmd = await runCli(["install", "--help"]);
  assertEquals(cmd.code, 0);
  assertStringIncludes(cmd.stdout, "Usage: samuel install");
  assertStringIncludes(cmd.stdout, "Examples:");
  assertStringIncludes(cmd.stdout, "--allow-unsigned");
});

Deno.test("no arguments prints the overview and exits 2", async () => {
  const r = await runCli([]);
  assertEquals(r.code, 2);
  assertStringIncludes(r.stdout, "Usage: samuel <command>");
});

Deno.test("an unknown command exits 2 with a did-you-mean hint, in both output modes", async () => {
  const human = await runCli(["instal"]);
  assertEquals(human.code, 2);
  assertStringIncludes(human.stderr, "SAM-CLI-001");
  assertStringIncludes(human.stderr, "did you mean `samuel install`?");
  assertEquals(human.stdout, "");
  const json = await runCli(["--json", "doctr"]);
  assertEquals(json.code, 2);
  assertEquals(json.json.ok, false);
  assertEquals(json.json.error.code, "SAM-CLI-001");
  assertStringIncludes(json.json.error.fix, "samuel doctor");
  assertEquals(json.stderr, "", "JSON mode keeps stderr free of the human rendering");
});

Deno.test("an unknown subcommand of a group suggests the closest", async () => {
  const r = await runCli(["plugin", "validat"]);
  assertEquals(r.code, 2);
  assertStringIncludes(r.stderr, "did you mean `samuel plugin validate`?");
});

Deno.test("an unknown flag exits 2 with a hint; a missing value is named", async () => {
  const r = await runCli(["version", "--jsno"]);
  assertEquals(r.code, 2);
  assertStringIncludes(r.stderr, "unknown option: --jsno");
  assertStringIncludes(r.stderr, "did you mean `--json`?");
  const missing = await runCli(["run", "x", "--timeout", "--json"]);
  assertEquals(missing.code, 2);
  assertEquals(missing.json.error.code, "SAM-CLI-003");
  assertStringIncludes(missing.json.error.message, "--timeout");
});

Deno.test("user errors show no stack trace unless --verbose", async () => {
  const plain = await runCli(["instal"]);
  assert(!plain.stderr.includes("    at "), plain.stderr);
  const verbose = await runCli(["instal", "--verbose"]);
  assertEquals(verbose.code, 2);
  assertStringIncludes(verbose.stderr, "    at ");
});

Deno.test("NO_COLOR and non-TTY output carry no escape codes", async () => {
  const r = await runCli(["instal"]);
  assert(!r.stderr.includes("\x1b["), JSON.stringify(r.stderr));
});
