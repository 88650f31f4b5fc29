/**
 * The author guide's quick start, exactly as docs/plugin-authors.md prints it: the five commands of its
 * first code block are read from the guide (and must be the documented path, word for word), then run one
 * after the other by bash, each line as written, with `samuel` on PATH (a wrapper running this checkout
 * with the shipped flags). The one substitution: `make wasm` becomes `make wasm GO=1` when TinyGo is
 * missing (it is not installable here), as the guide itself says. Each step's output is checked: the
 * scaffold, the build, the install that creates samuel.toml in a folder that had none (with no question
 * asked and no --yes, since the scaffold asks for nothing risky), and doctor's project, plugin and source
 * checks, all ok.
 */

import { assert, assertEquals, assertMatch, assertStringIncludes } from "../support/assert.ts";
import { MAIN, RUN_FLAGS } from "../support/cli.ts";
import { GO, MAKE, REPO, sh, withTempDir } from "./helpers.ts";

/** The path the guide promises (DESIGN.md, issue 14): the test fails if the guide drifts from it. */
const FIVE_STEPS = [
  "samuel new plugin --kind=wasm --name=hello",
  "cd hello",
  "make wasm",
  "samuel install file://$(pwd) --allow-unsigned",
  "samuel doctor",
];

/** The first ```sh block under "## Quick start", without comments and blank lines. */
function quickStart(): string[] {
  const guide = Deno.readTextFileSync(`${REPO}/docs/plugin-authors.md`);
  const section = guide.slice(guide.indexOf("\n## Quick start\n"));
  const block = /```sh\n([\s\S]*?)```/.exec(section);
  assert(block, "the quick start has no sh block");
  return block[1].split("\n").map((l) => l.replace(/\s+#.*$/, "").trim()).filter((l) => l !== "");
}

const TINYGO = (Deno.env.get("PATH") ?? "").split(":").some((d) => {
  try {
    return Deno.statSync(`${d}/tinygo`).isFile;
  } catch {
    return false;
  }
});

Deno.test("the author guide's quick start is the five-step path", () => {
  assertEquals(quickStart(), FIVE_STEPS);
});

Deno.test({
  name: "the author guide's five commands work as written (make wasm GO=1 without TinyGo)" +
    (GO ? "" : " (needs Go or TinyGo to build)"),
  ignore: (GO === undefined && !TINYGO) || MAKE === undefined,
  fn: () =>
    withTempDir(async (tmp) => {
      const bin = `${tmp}/bin`;
      await Deno.mkdir(bin);
      const quoted = [Deno.execPath(), "run", "-q", ...RUN_FLAGS, MAIN].map((a) => `'${a}'`).join(" ");
      await Deno.writeTextFile(`${bin}/samuel`, `#!/bin/sh\nexec ${quoted} "$@"\n`, { mode: 0o755 });
      const env = {
        PATH: [bin, ...(GO ? [GO.replace(/\/go$/, "")] : []), Deno.env.get("PATH") ?? ""].join(":"),
        HOME: Deno.env.get("HOME") ?? tmp,
        NO_COLOR: "1",
        SAMUEL_HOME: `${tmp}/samuel-home`,
      };
      const work = `${tmp}/work`;
      await Deno.mkdir(work);
      let cwd = work;
      const outputs: { line: string; code: number; stdout: string; stderr: string }[] = [];
      for (const step of quickStart()) {
        const line = step === "make wasm" && !TINYGO ? "make wasm GO=1" : step;
        // The line runs as written, in the folder the previous lines left; the shell then reports where it is.
        const r = await sh("bash", [
          "-c",
          `cd "$1" && eval "$2"; rc=$?; pwd >"$3"; exit $rc`,
          "_",
          cwd,
          line,
          `${tmp}/pwd`,
        ], {
          cwd,
          env,
        });
        cwd = (await Deno.readTextFile(`${tmp}/pwd`)).trim();
        outputs.push({ line, ...r });
        assertEquals(r.code, 0, `${line}\n${r.stdout}\n${r.stderr}`);
      }
      const [made, cd, built, installed, doctor] = outputs;
      const hello = `${work}/hello`;

      assertStringIncludes(made.stdout, "created wasm plugin hello (Go: builds with TinyGo or Go) in hello/");
      assertStringIncludes(made.stdout, "samuel install file://$(pwd) --allow-unsigned");
      assertEquals([cd.stdout, cwd], ["", hello]);
      assertStringIncludes(built.stdout, TINYGO ? "tinygo build" : "GOOS=wasip1 GOARCH=wasm");
      assert(Deno.statSync(`${hello}/plugin.wasm`).size > 0);

      assertEquals(installed.stdout, `hello 0.1.0 installed in ${hello}/.samuel/plugins/hello\n`);
      assertStringIncludes(
        installed.stderr,
        `created ${hello}/samuel.toml: there was no samuel.toml in this folder or above, so this folder is now a samuel project`,
      );
      assert(!/\[y\/N\]|--yes/.test(installed.stderr), `no question asked: ${installed.stderr}`);
      assertStringIncludes(await Deno.readTextFile(`${hello}/samuel.toml`), `source = "file://${hello}"`);
      assertStringIncludes(await Deno.readTextFile(`${hello}/samuel.lock`), `method = "unsigned"`);
      // The scaffold keeps the test project out of git.
      const ignored = await sh("git", ["-c", "init.defaultBranch=main", "init", "-q"], { cwd: hello });
      assertEquals(ignored.code, 0, ignored.stderr);
      const status = await sh("git", ["status", "--porcelain", "--untracked-files=all"], { cwd: hello });
      for (const f of ["samuel.toml", "samuel.lock", ".samuel/", "plugin.wasm"]) {
        assert(!status.stdout.includes(f), `${f} shows in git status:\n${status.stdout}`);
      }

      assertEquals(doctor.stdout.split("\n")[0], `samuel doctor: ${hello}`);
      // One line per check: `  ok  <id>  <message>`.
      const checks = new Map(
        doctor.stdout.split("\n").map((l) => /^ {2}(ok|warn|FAIL)\s+(\S+)\s+(.*)$/.exec(l)).filter((m) =>
          m !== null
        )
          .map((m) => [m![2], `${m![1]} ${m![3]}`]),
      );
      for (
        const [id, message] of [
          ["project.config", "ok samuel.toml is valid"],
          ["plugin.hello.module", "ok plugin.wasm matches samuel.lock"],
          ["plugin.hello.health", "ok health() returned 0 in"],
          ["source.manifest", "ok samuel-plugin.toml: wasm plugin hello 0.1.0 is valid"],
          ["source.module", "reactor) passes install's checks"],
          ["source.installed", "ok the installed hello 0.1.0 is this folder's current build"],
        ]
      ) assertStringIncludes(checks.get(id) ?? `no ${id} in:\n${doctor.stdout}`, message);
      assert([...checks.values()].every((c) => c.startsWith("ok ")), doctor.stdout);
      assertMatch(doctor.stdout, /^\d+ checks: \d+ ok, 0 warnings, 0 failed$/m);
    }),
});
