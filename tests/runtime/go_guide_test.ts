/**
 * The Go reference plugin (examples/go-guide-wasm, a ~4 MB Go wasip1 reactor) through the real CLI:
 * installed from a folder with its own manifest, `samuel run go-guide-wasm lint --json` on a copy of
 * tests/fixtures/go-projects/dirty reports exactly the marked findings as JSON output and exits 6 (lint
 * returns 1 when it finds something), on the clean project it exits 0 with no finding, and `health`
 * exits 0. The plugin only has read access to /workspace: the project is left untouched. Compile hints
 * (src/runtime/preprocess/compile_hints.ts) on this plugin, the one large module here: recorded on an export's first
 * run, used after, per export, for `samuel run` and for `samuel plugin exec`.
 */

import { assertEquals, assertStringIncludes } from "../support/assert.ts";
import { entryProfile, readProfile } from "../../src/store/compile_profile.ts";
import { findingKeys, GO, sh, wantedFindings } from "../authoring/helpers.ts";
import { GO_GUIDE_WASM, GO_PROJECTS, Project } from "./_helpers.ts";
import { needs } from "../support/needs.ts";
import { HERMETIC_ENV, MAIN } from "../support/cli.ts";

const EXAMPLE = new URL("../../examples/go-guide-wasm/", import.meta.url).pathname;

let built: Promise<void> | undefined;
function ensureBuilt(): Promise<void> {
  built ??= (async () => {
    const env = { PATH: `${GO!.replace(/\/go$/, "")}:${Deno.env.get("PATH") ?? ""}` };
    const r = await sh("bash", [`${EXAMPLE}build.sh`], { env });
    if (r.code !== 0) throw new Error(`examples/go-guide-wasm/build.sh failed:\n${r.stderr}`);
  })();
  return built;
}

/** A project holding a copy of one Go fixture project, with go-guide-wasm installed. */
async function goProject(fixture: "dirty" | "clean", opts: { hosts?: string[] } = {}): Promise<Project> {
  await ensureBuilt();
  const p = await Project.create();
  await sh("cp", ["-R", `${GO_PROJECTS}${fixture}/.`, p.root]);
  const src = `${p.base}/src-go-guide`;
  await Deno.mkdir(src);
  const manifest = await Deno.readTextFile(`${EXAMPLE}samuel-plugin.toml`);
  const hosts = `hosts = ${JSON.stringify(opts.hosts ?? [])}`;
  await Deno.writeTextFile(`${src}/samuel-plugin.toml`, manifest.replace("hosts = []", hosts));
  await Deno.copyFile(GO_GUIDE_WASM, `${src}/plugin.wasm`);
  await p.installDir(src);
  return p;
}

Deno.test({
  ...needs(
    "go-guide-wasm via samuel run: findings on the dirty project (exit 6), none on the clean one (exit 0)",
    GO === undefined && "Go not installed",
  ),
  fn: async () => {
    {
      await using p = await goProject("dirty");
      const r = await p.run(["go-guide-wasm", "lint"]);
      assertEquals(r.code, 6, r.stderr);
      assertEquals(r.json.data.outcome, "plugin_error");
      assertEquals(r.json.data.return_code, 1);
      assertEquals(findingKeys(r.json.data.output.findings), wantedFindings(p.root));
      assertEquals(r.json.data.output.truncated, false);
      assertEquals(r.json.data.report.denials, []);
      // The envelope's timings, per phase.
      const t = r.json.data.timings;
      assertEquals(Object.keys(t), [
        "sandbox_ms",
        "load_ms",
        "narrow_ms",
        "instantiate_ms",
        "init_ms",
        "call_ms",
        "total_ms",
        "wall",
      ]);
      // No network grant and the shipped flags: the process narrowed itself, no Worker was started.
      assertEquals(t.wall, "process");
      for (const [k, v] of Object.entries(t)) {
        if (k !== "wall") assertEquals(typeof v === "number" && v >= 0, true, k);
      }
      assertEquals(r.json.data.report.peak_memory_bytes > 0, true);
      const health = await p.run(["go-guide-wasm", "health"]);
      assertEquals(health.code, 0, health.stdout);
    }
    {
      await using p = await goProject("clean");
      const r = await p.run(["go-guide-wasm", "lint"]);
      assertEquals(r.code, 0, r.stdout);
      assertEquals(r.json.data.output, { findings: [], files: 3, truncated: false });
      // Human mode prints the plugin's JSON on stdout.
      const human = await p.cli(["run", "go-guide-wasm", "lint"]);
      assertEquals(human.code, 0);
      assertEquals(JSON.parse(human.stdout).findings, []);
    }
  },
});

/** The cache entry folders under a project's SAMUEL_HOME (one per module and variant). */
async function cacheEntries(home: string): Promise<string[]> {
  const out: string[] = [];
  const modules = `${home}/cache/wasm/modules`;
  for await (const m of Deno.readDir(modules)) {
    for await (const v of Deno.readDir(`${modules}/${m.name}`)) out.push(`${modules}/${m.name}/${v.name}`);
  }
  return out;
}

Deno.test({
  ...needs(
    "compile hints on the Go plugin: the first run of an export records its profile behind the process " +
      "wall (not one its timeout stopped), later runs use it with the same results, a garbled profile is " +
      "recorded again",
    GO === undefined && "Go not installed",
  ),
  fn: async () => {
    await using p = await goProject("dirty");
    // A first run its limits stop has entered only part of what a run enters: nothing is kept.
    const stopped = await p.run(["go-guide-wasm", "lint", "--timeout", "1ms"]);
    assertEquals([stopped.code, stopped.json.data.outcome, stopped.json.data.cache.hints], [
      7,
      "timeout",
      "none",
    ], stopped.stderr);
    const first = await p.run(["go-guide-wasm", "lint"]);
    assertEquals([first.code, first.json.data.cache.hints, first.json.data.timings.wall], [
      6,
      "recorded",
      "process",
    ], first.stderr);
    const [entry] = await cacheEntries(p.home);
    const profile = readProfile(entryProfile(entry, "lint"), "");
    // _initialize and lint enter hundreds of the Go runtime's functions, and not all 2 500 of them.
    const hinted = profile ? (profile.length - 40) / 5 : 0;
    assertEquals(hinted > 100 && hinted < 2000, true, `profile of ${profile?.length} bytes`);
    for (const expected of ["used", "used"]) {
      const r = await p.run(["go-guide-wasm", "lint"]);
      assertEquals([r.code, r.json.data.cache.hints], [6, expected], r.stderr);
      assertEquals(r.json.data.output, first.json.data.output);
      assertEquals(r.json.data.return_code, 1);
    }
    // Another export has its own profile.
    const health = await p.run(["go-guide-wasm", "health"]);
    assertEquals([health.code, health.json.data.cache.hints], [0, "recorded"], health.stderr);
    assertEquals((await p.run(["go-guide-wasm", "health"])).json.data.cache.hints, "used");
    // `plugin bench` measures what `samuel run` pays after the first run: compiled with the profile.
    const bench = await p.cli([
      "plugin",
      "bench",
      `${p.base}/src-go-guide`,
      "-n",
      "1",
      "--export",
      "health",
      "--json",
    ]);
    assertEquals(bench.code, 0, bench.stderr);
    assertEquals(bench.json.data.exports.map((e: { compile_hints: string }) => e.compile_hints), ["used"]);
    assertEquals(bench.json.data.exports[0].outcomes, { ok: 2 });
    // A garbled profile is not appended: the run records a fresh one and computes the same.
    await Deno.writeTextFile(entryProfile(entry, "lint"), "not a profile");
    const again = await p.run(["go-guide-wasm", "lint"]);
    assertEquals([again.code, again.json.data.cache.hints], [6, "recorded"], again.stderr);
    assertEquals(again.json.data.output, first.json.data.output);
    assertEquals(readProfile(entryProfile(entry, "lint"), "") !== undefined, true);
  },
});

Deno.test({
  ...needs(
    "compile hints behind the Worker wall (a plugin granted a network host): the Worker sends the marks " +
      "back, the next run is hinted, with the same results",
    GO === undefined && "Go not installed",
  ),
  fn: async () => {
    await using p = await goProject("dirty", { hosts: ["example.com"] });
    const first = await p.run(["go-guide-wasm", "lint"]);
    assertEquals([first.code, first.json.data.cache.hints, first.json.data.timings.wall], [
      6,
      "recorded",
      "worker",
    ], first.stderr);
    const [entry] = await cacheEntries(p.home);
    assertEquals(readProfile(entryProfile(entry, "lint"), "") !== undefined, true);
    const second = await p.run(["go-guide-wasm", "lint"]);
    assertEquals([second.code, second.json.data.cache.hints, second.json.data.timings.wall], [
      6,
      "used",
      "worker",
    ]);
    assertEquals(second.json.data.output, first.json.data.output);
  },
});

Deno.test({
  ...needs(
    "compile hints on `samuel plugin exec` of the Go command build: recorded, then used, recorded again " +
      "once the file changes, recorded behind the Worker wall too, the program's output the same every time",
    GO === undefined && "Go not installed",
  ),
  fn: async () => {
    await using p = await goProject("dirty");
    const module = `${p.base}/command.wasm`;
    await Deno.copyFile(`${EXAMPLE}build/plugin-command.wasm`, module);
    const exec = () => p.cli(["--verbose", "plugin", "exec", "--dir-ro", `${p.root}::/workspace`, module]);
    const first = await exec();
    assertStringIncludes(first.stderr, "compile hints: recorded");
    assertStringIncludes(first.stderr, "outer wall: this process");
    const second = await exec();
    assertStringIncludes(second.stderr, "compile hints: used");
    assertEquals([second.code, second.stdout], [first.code, first.stdout]);
    assertStringIncludes(first.stdout, '"findings"');
    // The same bytes written again are another version of the file: profiled again.
    await Deno.writeFile(module, await Deno.readFile(module));
    const rewritten = await exec();
    assertStringIncludes(rewritten.stderr, "compile hints: recorded");
    assertEquals([rewritten.code, rewritten.stdout], [first.code, first.stdout]);
    // A process that cannot narrow (started with -A) runs the program in a Worker, which records too.
    const other = `${p.base}/other.wasm`;
    await Deno.copyFile(module, other);
    const inWorker = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-q",
        "-A",
        MAIN,
        "--verbose",
        "plugin",
        "exec",
        "--dir-ro",
        `${p.root}::/workspace`,
        other,
      ],
      cwd: p.root,
      env: { SAMUEL_HOME: p.home, NO_COLOR: "1", ...HERMETIC_ENV },
    }).output();
    const workerErr = new TextDecoder().decode(inWorker.stderr);
    assertStringIncludes(workerErr, "outer wall: a sandbox Worker");
    assertStringIncludes(workerErr, "compile hints: recorded");
    assertEquals(new TextDecoder().decode(inWorker.stdout), first.stdout);
    const after = await p.cli(["--verbose", "plugin", "exec", "--dir-ro", `${p.root}::/workspace`, other]);
    assertStringIncludes(after.stderr, "compile hints: used");
    // A limit means a rewritten module: no hints.
    const limited = await p.cli([
      "--verbose",
      "plugin",
      "exec",
      "--timeout",
      "20s",
      "--dir-ro",
      `${p.root}::/workspace`,
      module,
    ]);
    assertStringIncludes(limited.stderr, "compile hints: none");
    assertEquals([limited.code, limited.stdout], [first.code, first.stdout]);
  },
});
