/**
 * The plugin author's local loop for the Rust and AssemblyScript scaffolds, end to end with the real CLI
 * and the real compiler (e2e_rust_test.ts, e2e_assemblyscript_test.ts; the Go one is e2e_local_test.ts):
 * `samuel new plugin --lang L` scaffolds, the test adds a `probe` export written against the SDK (input,
 * a log line, one granted and one denied fetch, the soft deadline before and after it passes), runs the
 * scaffold's own native tests, builds it with its own build command, checks it with `samuel plugin
 * validate`, installs it from `file://` into a fresh project, runs every export through `samuel run` with
 * input on stdin, and benches it with `samuel plugin bench`. One build per language.
 *
 * Hosts: the manifest grants `127.0.0.1`; the denied call goes to `localhost` (another host under the
 * allowlist's exact-match rule) on a second server that must see no request at all. The manifest's soft
 * deadline is 2 s, so the probe's wait for it stays short.
 */

import { assert, assertEquals, assertStringIncludes } from "../support/assert.ts";
import { runCli } from "../support/cli.ts";
import { assertProbeRun, countingServer, project } from "./e2e_support.ts";
import type { Ran } from "./helpers.ts";

/** What differs between the languages. */
export interface Language {
  lang: "rust" | "assemblyscript";
  /** Adds the probe export's source to the scaffolded plugin in `dir`. */
  addProbe(dir: string): Promise<void>;
  /** The scaffold's native tests (`make test`, `npm test`); run after `build` when they need the module. */
  test(dir: string): Promise<Ran>;
  testsNeedModule: boolean;
  /** The scaffold's own build of plugin.wasm. */
  build(dir: string): Promise<Ran>;
  /** `library` (a Rust cdylib: no _initialize, the linker runs constructors per export) or `reactor`. */
  lifecycle: string;
}

const SOFT_DEADLINE_MS = 2000;

/** Every step, sharing one scaffold and one build; `t` reports them as test steps. */
export async function authorLoop(t: Deno.TestContext, tmp: string, name: string, language: Language) {
  const env = { SAMUEL_HOME: `${tmp}/home` };
  const cli = (cwd: string, args: string[], stdin?: string) => runCli(args, { cwd, env, stdin });
  const plugin = `${tmp}/${name}`;

  await t.step("scaffold with --lang, add the probe export, native tests, build", async () => {
    const made = await cli(tmp, ["new", "plugin", "--kind=wasm", "--lang", language.lang, `--name=${name}`]);
    assertEquals(made.code, 0, made.stdout + made.stderr);
    await language.addProbe(plugin);
    const manifestFile = `${plugin}/samuel-plugin.toml`;
    const edited = (await Deno.readTextFile(manifestFile))
      .replaceAll(`exports = ["lint", "health"]`, `exports = ["lint", "health", "probe"]`)
      .replace(/^hosts = \[\]/m, `hosts = ["127.0.0.1"]`)
      .replace(/^timeout = "5s"/m, `timeout = "${SOFT_DEADLINE_MS}ms"`);
    assertEquals((edited.match(/"probe"/g) ?? []).length, 2, "both exports lists gain probe");
    assertStringIncludes(edited, `hosts = ["127.0.0.1"]`);
    assertStringIncludes(edited, `timeout = "${SOFT_DEADLINE_MS}ms"`);
    await Deno.writeTextFile(manifestFile, edited);
    if (!language.testsNeedModule) {
      const tested = await language.test(plugin);
      assertEquals(tested.code, 0, tested.stdout + tested.stderr);
    }
    const built = await language.build(plugin);
    assertEquals(built.code, 0, built.stdout + built.stderr);
    if (language.testsNeedModule) {
      const tested = await language.test(plugin);
      assertEquals(tested.code, 0, tested.stdout + tested.stderr);
    }
  });

  await t.step("samuel plugin validate: the exports, the imports, protocol 1", async () => {
    const validated = await cli(plugin, ["plugin", "validate", "--json"]);
    assertEquals(validated.code, 0, validated.stdout + validated.stderr);
    const module = validated.json.data.module;
    assertEquals(module.lifecycle, language.lifecycle);
    assertEquals(module.protocol, 1, "the SDK's samuel_protocol_version");
    const exported = module.exports.map((e: { name: string; type?: string }) => `${e.name} ${e.type}`);
    for (const e of ["lint", "health", "probe", "samuel_protocol_version"]) {
      assert(exported.includes(`${e} () -> i32`), exported.join());
    }
    const imports = new Set(module.imports.map((i: { module: string }) => i.module));
    assertEquals([...imports].sort(), ["samuel", "wasi_snapshot_preview1"]);
    assertEquals(validated.json.warnings, []);
  });

  const root = `${tmp}/project`;
  await t.step(
    "install file:// unsigned into a project, then run lint and health with stdin input",
    async () => {
      await project(root, env);
      const installed = await cli(root, [
        "install",
        `file://${plugin}`,
        "--allow-unsigned",
        "--yes",
        "--json",
      ]);
      assertEquals(installed.code, 0, installed.stdout + installed.stderr);
      assertEquals(installed.json.data.plugins[0].review, "yes-flag", "the network grant is risky");
      const lock = await Deno.readTextFile(`${root}/samuel.lock`);
      assertStringIncludes(lock, `name = "${name}"`);
      assertStringIncludes(lock, `method = "unsigned"`);

      const lint = await cli(root, ["run", name, "lint", "--input", "-", "--json"], `{"marker": "FIXME"}`);
      assertEquals(lint.code, 6, lint.stdout + lint.stderr);
      assertEquals([lint.json.data.outcome, lint.json.data.return_code], ["plugin_error", 1]);
      assertEquals(lint.json.data.output.findings, [
        { file: "src/app.go", line: 3, text: "// FIXME: handle the error" },
      ]);
      assertEquals(lint.json.data.output.truncated, false);
      assertEquals(
        lint.json.data.report.log.map((l: { level: string; message: string }) => `${l.level}: ${l.message}`),
        [`info: scanned ${lint.json.data.output.files} files, 1 findings`],
      );
      const clean = await cli(
        root,
        ["run", name, "lint", "--input", "-", "--json"],
        `{"marker": "XYZZY-NONE"}`,
      );
      assertEquals(clean.code, 0, clean.stderr);
      assertEquals(clean.json.data.output.findings, []);
      const bad = await cli(root, ["run", name, "lint", "--input", "-", "--json"], `{"marker": 7}`);
      assertEquals([bad.code, bad.json.data.return_code], [6, 2]);
      assertStringIncludes(bad.json.data.stderr, `${name}: option "marker" must be a string`);

      const health = await cli(root, ["run", name, "health", "--input", "-", "--json"], "{}");
      assertEquals(health.code, 0, health.stderr);
      assertEquals([health.json.data.outcome, health.json.data.return_code], ["ok", 0]);
    },
  );

  await t.step("probe: stdin, a log line, a granted and a denied fetch, the soft deadline", async () => {
    await using granted = countingServer("hello from the granted server");
    await using denied = countingServer("the denied server must never answer");
    const input = JSON.stringify({
      greeting: "hi from stdin",
      allowed: `http://127.0.0.1:${granted.port}/ping`,
      denied: `http://localhost:${denied.port}/ping`,
      wait: true,
    });
    const probe = await cli(root, ["run", name, "probe", "--input", "-", "--json"], input);
    assertEquals(probe.code, 0, probe.stdout + probe.stderr);
    assertProbeRun(probe.json.data, granted, denied);
    const out = probe.json.data.output;
    assertStringIncludes(out.denied_error, `samuel fetch GET http://localhost:${denied.port}/ping: `);
    // The soft deadline as the plugin saw it: counting down from [runtime] timeout, negative once passed.
    assert(
      out.deadline_start > 0 && out.deadline_start <= SOFT_DEADLINE_MS,
      `deadline_start ${out.deadline_start}`,
    );
    assert(out.deadline_after < 0, `deadline_after ${out.deadline_after}`);
  });

  await t.step("samuel plugin bench: cold and warm medians of every export", async () => {
    const bench = await cli(plugin, ["plugin", "bench", "-n", "2", "--json"]);
    assertEquals(bench.code, 0, bench.stdout + bench.stderr);
    const data = bench.json.data;
    assertEquals(data.plugin, name);
    assertEquals(data.runs, 2);
    const exports = data.exports as {
      export: string;
      cold: { median_ms: number; samples_ms: number[] };
      warm: { median_ms: number; samples_ms: number[] };
      outcomes: Record<string, number>;
      compile_hints: string;
    }[];
    assertEquals(exports.map((e) => e.export), ["lint", "health", "probe"]);
    // A module of a megabyte or more is compiled with its export's profile, as `samuel run` compiles it.
    const hints = data.module.size >= 1 << 20 ? "used" : "none";
    for (const e of exports) {
      assertEquals(e.compile_hints, hints, `${e.export} of a ${data.module.size}-byte module`);
      assertEquals([e.cold.samples_ms.length, e.warm.samples_ms.length], [2, 2]);
      assert(e.cold.median_ms > 0 && e.warm.median_ms > 0, JSON.stringify(e));
      assertEquals(Object.values(e.outcomes).reduce((a, b) => a + b, 0), 4, JSON.stringify(e.outcomes));
    }
    // health succeeds in the plugin folder; lint finds the scaffold's own TODO markers there.
    assertEquals(exports[1].outcomes, { ok: 4 });
    assertEquals(exports[0].outcomes, { plugin_error: 4 });
  });
}
