/**
 * The plugin author's local loop, end to end with the real CLI: `samuel new plugin` scaffolds a wasm
 * plugin, the test adds a `probe` export (input, log, one allowed and one denied `samuel.Fetch`), builds
 * it with Go through the scaffold's Makefile, checks it with `samuel plugin validate`, installs it into a
 * fresh project with `samuel install file://… --allow-unsigned --yes`, and runs every export with
 * `samuel run … --input -` (input on stdin), checking the output, the log line and the denial in the
 * report, and what the two local servers saw: the granted one exactly one request, the denied one none.
 * One Go build for the whole file.
 */

import { assert, assertEquals, assertStringIncludes } from "../support/assert.ts";
import { runCli } from "../support/cli.ts";
import { assertProbeRun, CAN_BUILD, countingServer, project, scaffoldAndBuild } from "./e2e_support.ts";
import { withTempDir } from "./helpers.ts";
import { needs } from "../support/needs.ts";

const NAME = "e2e-hello";

Deno.test({
  ...needs(
    "e2e: scaffold, build with Go, validate, install file:// unsigned, run every export with stdin input",
    !CAN_BUILD && "Go or make not installed",
  ),
  fn: () =>
    withTempDir(async (tmp) => {
      const env = { SAMUEL_HOME: `${tmp}/home` };
      const cli = (cwd: string, args: string[], stdin?: string) => runCli(args, { cwd, env, stdin });
      const plugin = await scaffoldAndBuild(tmp, NAME, env);

      const validated = await cli(plugin, ["plugin", "validate", "--json"]);
      assertEquals(validated.code, 0, validated.stdout + validated.stderr);
      const module = validated.json.data.module;
      assertEquals(module.lifecycle, "reactor");
      assertEquals(module.protocol, 1, "the SDK's samuel_protocol_version, called in a sandbox");
      const exported = module.exports.map((e: { name: string; type?: string }) => `${e.name} ${e.type}`);
      for (const e of ["lint", "health", "probe"]) {
        assert(exported.includes(`${e} () -> i32`), exported.join());
      }

      const root = `${tmp}/project`;
      await project(root, env);
      const installed = await cli(root, [
        "install",
        `file://${plugin}`,
        "--allow-unsigned",
        "--yes",
        "--json",
      ]);
      assertEquals(installed.code, 0, installed.stdout + installed.stderr);
      const lock = await Deno.readTextFile(`${root}/samuel.lock`);
      assertStringIncludes(lock, `name = "${NAME}"`);
      assertStringIncludes(lock, `method = "unsigned"`);

      await using granted = countingServer("hello from the granted server");
      await using denied = countingServer("the denied server must never answer");
      const probeInput = JSON.stringify({
        greeting: "hi from stdin",
        allowed: `http://127.0.0.1:${granted.port}/ping`,
        denied: `http://localhost:${denied.port}/ping`,
      });

      // lint: finds the FIXME of the project (returns 1 = findings, so samuel run exits 6).
      const lint = await cli(root, ["run", NAME, "lint", "--input", "-", "--json"], `{"marker": "FIXME"}`);
      assertEquals(lint.code, 6, lint.stdout + lint.stderr);
      assertEquals(lint.json.data.outcome, "plugin_error");
      assertEquals(lint.json.data.return_code, 1);
      const findings = lint.json.data.output.findings as { file: string; line: number; text: string }[];
      assert(
        findings.some((f) => f.file === "src/app.go" && f.line === 3 && f.text.includes("FIXME")),
        JSON.stringify(findings),
      );
      assert(
        lint.json.data.report.log.some((l: { message: string }) =>
          /^scanned \d+ files, \d+ findings$/.test(l.message)
        ),
      );
      const clean = await cli(
        root,
        ["run", NAME, "lint", "--input", "-", "--json"],
        `{"marker": "XYZZY-NONE"}`,
      );
      assertEquals(clean.code, 0, clean.stderr);
      assertEquals(clean.json.data.output.findings, []);

      // health: 0 when /workspace is readable.
      const health = await cli(root, ["run", NAME, "health", "--input", "-", "--json"], "{}");
      assertEquals(health.code, 0, health.stderr);
      assertEquals([health.json.data.outcome, health.json.data.return_code], ["ok", 0]);

      // probe: input from stdin, a log line, the granted call answered, the denied one refused in place.
      const probe = await cli(root, ["run", NAME, "probe", "--input", "-", "--json"], probeInput);
      assertEquals(probe.code, 0, probe.stdout + probe.stderr);
      assertProbeRun(probe.json.data, granted, denied);

      // The same run for a human: output on stdout, the log line and the denial on stderr.
      const human = await cli(root, ["run", NAME, "probe", "--input", "-"], probeInput);
      assertEquals(human.code, 0, human.stderr);
      assertEquals(JSON.parse(human.stdout).allowed_status, 200);
      assertStringIncludes(human.stderr, "probe says hi from stdin");
      assertStringIncludes(human.stderr, `[${NAME}] denied: network.outbound localhost not in allowlist`);
      assertEquals(granted.requests.length, 2);
      assertEquals(denied.requests, []);
    }),
});
