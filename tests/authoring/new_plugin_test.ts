/**
 * `samuel new plugin`: the embedded templates are up to date with `scaffold/`, a scaffolded wasm plugin
 * is complete, valid and builds with Go for wasip1 into a reactor with the declared exports, its release
 * workflow is valid YAML that signs and uploads the right assets, and names and folders are checked.
 */

import { parse as parseYaml } from "yaml";
import { render } from "../../src/app/new.ts";
import { run } from "../../src/cli/commands/new_plugin.ts";
import { TEMPLATES } from "../../src/app/scaffold_templates.gen.ts";
import { parseManifest } from "../../src/manifest/mod.ts";
import { isSamuelError } from "../../src/errors.ts";
import { VERSION } from "../../src/version.ts";
import { generate } from "../../scripts/gen-scaffold.ts";
import { runCli } from "../support/cli.ts";
import { assert, assertEquals, assertMatch, assertRejects, assertStringIncludes } from "../support/assert.ts";
import {
  EXAMPLE,
  exportsOf,
  GO,
  importModulesOf,
  invocation,
  listFiles,
  MAKE,
  REPO,
  runReactor,
  sh,
  withTempDir,
} from "./helpers.ts";
import { needs } from "../support/needs.ts";

const PLACEHOLDER = /\{\{(name|module|framework)\}\}/;

function rejectsWith(code: string) {
  return (e: unknown) => {
    assert(isSamuelError(e), `expected a SamuelError, got ${e}`);
    assertEquals(e.code, code);
    assertEquals(e.exit, 2);
  };
}

Deno.test("scaffold_templates.gen.ts is up to date with scaffold/ (run scripts/gen-scaffold.ts)", () => {
  const current = Deno.readTextFileSync(`${REPO}/src/app/scaffold_templates.gen.ts`);
  assert(
    current === generate(),
    "out of date: run `deno run -A scripts/gen-scaffold.ts` and commit the result",
  );
});

Deno.test("the example vendors exactly the scaffold's Go SDK", () => {
  const sdk = `${REPO}/scaffold/wasm-go/sdk/samuel`;
  const files = listFiles(sdk);
  assertEquals(listFiles(`${EXAMPLE}/sdk/samuel`), files);
  for (const f of files) {
    assert(
      Deno.readTextFileSync(`${sdk}/${f}`) === Deno.readTextFileSync(`${EXAMPLE}/sdk/samuel/${f}`),
      `examples/go-guide-wasm/sdk/samuel/${f} differs from scaffold/wasm-go/sdk/samuel/${f}: copy it again`,
    );
  }
});

Deno.test("render replaces only the known placeholders", () => {
  const values = { name: "hi", module: "hi", framework: "^2.2.0" };
  assertEquals(
    render("{{name}} ${{ github.token }} Fields{{Key: 1}} {{other}} {{module}}@{{framework}}", values),
    "hi ${{ github.token }} Fields{{Key: 1}} {{other}} hi@^2.2.0",
  );
});

Deno.test("new plugin --kind=wasm writes every template, substituted, with a valid manifest", () =>
  withTempDir(async (cwd) => {
    const result = await run(invocation(cwd, { name: "hello-wasm" }));
    // deno-lint-ignore no-explicit-any
    const data = result.data as any;
    const dir = `${cwd}/hello-wasm`;
    assertEquals(data.dir, dir);
    assertEquals(data.kind, "wasm");
    assertEquals(data.lang, "go");
    const expected = TEMPLATES["wasm-go"].map((f) => f.path).sort();
    assertEquals(listFiles(dir), expected);
    for (
      const required of [
        "samuel-plugin.toml",
        "cmd/main.go",
        "go.mod",
        "Makefile",
        "README.md",
        ".gitignore",
        ".github/workflows/release.yml",
        "sdk/samuel/net.go",
      ]
    ) assert(expected.includes(required), `missing template ${required}`);
    for (const f of expected) {
      const text = Deno.readTextFileSync(`${dir}/${f}`);
      assert(!PLACEHOLDER.test(text), `${f} still has a placeholder`);
    }
    assertEquals(Deno.readTextFileSync(`${dir}/go.mod`).split("\n")[0], "module hello-wasm");
    assertStringIncludes(Deno.readTextFileSync(`${dir}/cmd/main.go`), `"hello-wasm/sdk/samuel"`);
    const manifestText = Deno.readTextFileSync(`${dir}/samuel-plugin.toml`);
    // Commented sections, as the issue asks.
    assertMatch(manifestText, /\[runtime\]\nmax_memory = 64 +# /);
    assertMatch(manifestText, /\[capabilities\.filesystem\]\nread = \["\/workspace"\] +# /);
    const parsed = await parseManifest(manifestText, { file: "samuel-plugin.toml", strict: true });
    assertEquals(parsed.problems, []);
    const m = parsed.manifest!;
    assertEquals(m.name, "hello-wasm");
    assertEquals(m.kind, "wasm");
    assertEquals(m.samuel.framework, `^${VERSION}`);
    if (m.kind === "wasm") assertEquals(m.wasm.exports, ["lint", "health"]);
    assertEquals(m.capabilities.filesystem.read, ["/workspace"]);
    assertEquals(m.capabilities.network.hosts, []);
  }));

Deno.test("new plugin --kind=skill writes a valid skill", () =>
  withTempDir(async (cwd) => {
    const result = await run(invocation(cwd, { kind: "skill", name: "notes", dir: "skills/notes" }));
    const dir = `${cwd}/skills/notes`;
    assertEquals((result.data as { dir: string }).dir, dir);
    assertEquals(listFiles(dir), [
      ".github/workflows/release.yml",
      ".gitignore",
      "README.md",
      "SKILL.md",
      "samuel-plugin.toml",
    ]);
    // Its release workflow packs, signs and uploads the assets samuel looks for (<name>.tar.gz + bundle).
    // deno-lint-ignore no-explicit-any
    const wf = parseYaml(Deno.readTextFileSync(`${dir}/.github/workflows/release.yml`)) as any;
    assertEquals(wf.permissions["id-token"], "write");
    const runs = (Object.values(wf.jobs)[0] as { steps: { run?: string }[] }).steps.map((s) => s.run ?? "")
      .join("\n");
    assertStringIncludes(
      runs,
      "cosign sign-blob --yes --new-bundle-format --bundle notes.tar.gz.bundle notes.tar.gz",
    );
    assertStringIncludes(runs, "notes.tar.gz notes.tar.gz.bundle samuel-plugin.toml");
    assertStringIncludes(Deno.readTextFileSync(`${dir}/SKILL.md`), `name: "notes"`);
    const parsed = await parseManifest(Deno.readTextFileSync(`${dir}/samuel-plugin.toml`), {
      file: "samuel-plugin.toml",
      strict: true,
    });
    assertEquals(parsed.problems, []);
    assertEquals(parsed.manifest?.kind, "skill");
  }));

Deno.test("new plugin refuses bad names, kinds and languages with SAM-NEW codes (exit 2)", () =>
  withTempDir(async (cwd) => {
    await assertRejects(() => run(invocation(cwd, {})), rejectsWith("SAM-NEW-001"));
    for (const bad of ["Hello", "-x", "a_b", "a".repeat(65), "ü", "a b", "../x"]) {
      await assertRejects(() => run(invocation(cwd, { name: bad })), rejectsWith("SAM-NEW-002"));
    }
    const e = await assertRejects(() => run(invocation(cwd, { name: "My_Plugin" })));
    assert(isSamuelError(e));
    assertStringIncludes(e.fix ?? "", "--name=my-plugin");
    await assertRejects(
      () => run(invocation(cwd, { name: "x", kind: "oci" })),
      rejectsWith("SAM-NEW-003"),
    );
    await assertRejects(
      () => run(invocation(cwd, { name: "x", kind: "bin" })),
      rejectsWith("SAM-NEW-003"),
    );
    const zig = await assertRejects(
      () => run(invocation(cwd, { name: "x", lang: "zig" })),
      rejectsWith("SAM-NEW-004"),
    );
    assert(isSamuelError(zig));
    assertStringIncludes(zig.message, "a zig template is not available yet");
    assertStringIncludes(zig.reason ?? "", "templates exist for go, rust, assemblyscript");
    const cobol = await assertRejects(
      () => run(invocation(cwd, { name: "x", lang: "cobol" })),
      rejectsWith("SAM-NEW-004"),
    );
    assert(isSamuelError(cobol));
    assertStringIncludes(cobol.message, `unknown language "cobol"`);
    assertStringIncludes(cobol.fix ?? "", "--lang=rust");
    await assertRejects(
      () => run(invocation(cwd, { name: "x" }, ["x"])),
      rejectsWith("SAM-NEW-007"),
    );
    // The longest valid name and a digit-first name are fine.
    await run(invocation(cwd, { name: "9" + "a".repeat(63) }));
    assertEquals(listFiles(cwd).filter((f) => f.endsWith("samuel-plugin.toml")).length, 1);
    assertEquals([...Deno.readDirSync(cwd)].map((e) => e.name), ["9" + "a".repeat(63)]);
  }));

Deno.test("new plugin refuses a non-empty folder without --force, and --force keeps other files", () =>
  withTempDir(async (cwd) => {
    const dir = `${cwd}/taken`;
    Deno.mkdirSync(dir);
    Deno.writeTextFileSync(`${dir}/keep.txt`, "mine");
    Deno.writeTextFileSync(`${dir}/go.mod`, "module old\n");
    await assertRejects(() => run(invocation(cwd, { name: "taken" })), rejectsWith("SAM-NEW-005"));
    assertEquals(listFiles(dir), ["go.mod", "keep.txt"]); // untouched
    const result = await run(invocation(cwd, { name: "taken", force: true }));
    assertEquals((result.data as { forced: boolean }).forced, true);
    assertEquals(Deno.readTextFileSync(`${dir}/keep.txt`), "mine");
    assertEquals(Deno.readTextFileSync(`${dir}/go.mod`).split("\n")[0], "module taken");
    // An existing empty folder is used without --force; a file in the way is refused even with it.
    Deno.mkdirSync(`${cwd}/empty`);
    await run(invocation(cwd, { name: "empty" }));
    assert(Deno.statSync(`${cwd}/empty/samuel-plugin.toml`).isFile);
    Deno.writeTextFileSync(`${cwd}/file`, "");
    await assertRejects(
      () => run(invocation(cwd, { name: "file", force: true })),
      rejectsWith("SAM-NEW-006"),
    );
    // No staging folders are left behind.
    assertEquals([...Deno.readDirSync(cwd)].map((e) => e.name).sort(), ["empty", "file", "taken"]);
  }));

Deno.test("the generated release workflow is valid YAML that builds, signs keyless and uploads the assets", () =>
  withTempDir(async (cwd) => {
    await run(invocation(cwd, { name: "rel" }));
    const text = Deno.readTextFileSync(`${cwd}/rel/.github/workflows/release.yml`);
    // deno-lint-ignore no-explicit-any
    const wf = parseYaml(text) as any;
    assertEquals(wf.on.push.tags, ["v*"]);
    assertEquals(wf.permissions["id-token"], "write");
    assertEquals(wf.permissions.contents, "write");
    const jobs = Object.values(wf.jobs) as { steps: { uses?: string; run?: string; name?: string }[] }[];
    assertEquals(jobs.length, 1);
    const steps = jobs[0].steps;
    const uses = steps.map((s) => s.uses ?? "");
    const runs = steps.map((s) => s.run ?? "");
    const index = (pred: (i: number) => boolean) => steps.findIndex((_, i) => pred(i));
    const checkout = index((i) => uses[i].startsWith("actions/checkout@"));
    const tinygo = index((i) => uses[i].startsWith("acifani/setup-tinygo@"));
    const build = index((i) => /\bmake wasm\b/.test(runs[i]));
    const cosign = index((i) => uses[i].startsWith("sigstore/cosign-installer@"));
    const sign = index((i) => runs[i].includes("cosign sign-blob"));
    const upload = index((i) => /gh release upload/.test(runs[i]));
    for (const [what, i] of Object.entries({ checkout, tinygo, build, cosign, sign, upload })) {
      assert(i >= 0, `release.yml has no ${what} step`);
    }
    assert(
      checkout < tinygo && tinygo < build && build < sign && cosign < sign && sign < upload,
      "step order",
    );
    const signCmd = runs[sign];
    for (const flag of ["--yes", "--new-bundle-format", "--bundle plugin.wasm.bundle"]) {
      assertStringIncludes(signCmd, flag);
    }
    assertMatch(signCmd, /plugin\.wasm\s*$/);
    assert(!/--key\b/.test(signCmd), "keyless signing must not pass --key");
    for (const asset of ["plugin.wasm", "plugin.wasm.bundle", "samuel-plugin.toml"]) {
      assertMatch(runs[upload], new RegExp(`\\s${asset.replace(/\./g, "\\.")}(\\s|$)`));
    }
    // make wasm builds with tinygo, in reactor mode, with the flags the issue names.
    const makefile = Deno.readTextFileSync(`${cwd}/rel/Makefile`);
    assertStringIncludes(makefile, "-o $(WASM) -target=wasi -buildmode=c-shared -no-debug -opt=2 ./cmd");
    assertMatch(makefile, /GOOS=wasip1 GOARCH=wasm \$\(GOCMD\) build -buildmode=c-shared/);
    assertMatch(makefile, /ifeq \(\$\(GO\),1\)\nwasm: wasm-go/);
  }));

Deno.test("the release workflow offers a GitHub attestation instead of cosign, by the SAMUEL_SIGNING variable", () =>
  withTempDir(async (cwd) => {
    await run(invocation(cwd, { name: "att" }));
    const text = Deno.readTextFileSync(`${cwd}/att/.github/workflows/release.yml`);
    // deno-lint-ignore no-explicit-any
    const wf = parseYaml(text) as any;
    assertEquals(wf.permissions["id-token"], "write");
    assertEquals(wf.permissions.attestations, "write");
    type Step = {
      uses?: string;
      run?: string;
      if?: string;
      id?: string;
      with?: Record<string, string>;
      env?: Record<string, string>;
    };
    const steps = (Object.values(wf.jobs) as { steps: Step[] }[])[0].steps;
    const COSIGN = "vars.SAMUEL_SIGNING != 'attestation'";
    const ATTEST = "vars.SAMUEL_SIGNING == 'attestation'";
    // cosign (the default, also when the variable is unset) runs only when attestation is not chosen.
    for (
      const s of steps.filter((s) =>
        s.uses?.startsWith("sigstore/cosign-installer@") || s.run?.includes("cosign")
      )
    ) {
      assertEquals(s.if, COSIGN, JSON.stringify(s));
    }
    const attestAt = steps.findIndex((s) => s.uses === "actions/attest-build-provenance@v2");
    assert(attestAt >= 0, "an actions/attest-build-provenance@v2 step");
    const attest = steps[attestAt];
    assertEquals(attest.if, ATTEST);
    assertEquals(attest.with, { "subject-path": "plugin.wasm" });
    // Its bundle-path output becomes plugin.wasm.bundle, so the upload step is the same for both.
    const copy = steps[attestAt + 1];
    assertEquals(copy.if, ATTEST);
    assertEquals(copy.env?.BUNDLE_PATH, `\${{ steps.${attest.id}.outputs.bundle-path }}`);
    assertMatch(copy.run ?? "", /^cp "\$BUNDLE_PATH" plugin\.wasm\.bundle$/);
    const build = steps.findIndex((s) => /\bmake wasm\b/.test(s.run ?? ""));
    const upload = steps.findIndex((s) => /gh release upload/.test(s.run ?? ""));
    assert(build < attestAt && attestAt + 1 < upload, "build, attest, copy, upload");
    assertEquals(steps[upload].if, undefined, "the upload runs either way");
    assertStringIncludes(text, "SAMUEL_SIGNING");
  }));

Deno.test({
  ...needs(
    "a scaffolded plugin passes go test and builds with Go (make wasm GO=1) into a reactor with its exports",
    (GO === undefined || MAKE === undefined) && "Go or make not installed",
  ),
  fn: () =>
    withTempDir(async (cwd) => {
      await run(invocation(cwd, { name: "built" }));
      const dir = `${cwd}/built`;
      const env = { PATH: `${GO!.replace(/\/go$/, "")}:${Deno.env.get("PATH") ?? ""}` };
      const test = await sh("make", ["test"], { cwd: dir, env });
      assertEquals(test.code, 0, test.stdout + test.stderr);
      const build = await sh("make", ["wasm", "GO=1"], { cwd: dir, env });
      assertEquals(build.code, 0, build.stdout + build.stderr);
      const wasm = `${dir}/plugin.wasm`;
      const exports = exportsOf(wasm);
      for (const e of ["_initialize", "lint", "health", "samuel_protocol_version", "memory"]) {
        assert(exports.includes(e), `missing export ${e}: ${exports}`);
      }
      assert(!exports.includes("_start"), "a reactor has no _start");
      assertEquals(importModulesOf(wasm), ["samuel", "wasi_snapshot_preview1"]);

      // The scaffolded lint runs as a reactor: it finds the TODO in a workspace and logs through the host.
      const ws = `${cwd}/ws`;
      Deno.mkdirSync(`${ws}/src`, { recursive: true });
      Deno.writeTextFileSync(`${ws}/src/a.txt`, "one\n// TODO: two\n");
      const r = await runReactor(wasm, "lint", { preopens: { "/workspace": ws } });
      assertEquals(r.code, 1, r.stderr);
      assertEquals(JSON.parse(r.stdout), {
        findings: [{ file: "src/a.txt", line: 2, text: "// TODO: two" }],
        files: 1,
        truncated: false,
      });
      assertEquals(r.host.logs, ["info: scanned 1 files, 1 findings"]);
      const health = await runReactor(wasm, "health", { preopens: { "/workspace": ws } });
      assertEquals(health.code, 0);
      const badInput = await runReactor(wasm, "lint", { preopens: { "/workspace": ws }, stdin: "[1]" });
      assertEquals(badInput.code, 2);
      assertStringIncludes(badInput.stderr, "input must be a JSON object");

      // The command build imports nothing but WASI, so `samuel plugin exec` and wasmtime can run it.
      const cmd = await sh("make", ["wasm-command"], { cwd: dir, env });
      assertEquals(cmd.code, 0, cmd.stderr);
      assertEquals(importModulesOf(`${dir}/plugin-command.wasm`), ["wasi_snapshot_preview1"]);
      assert(exportsOf(`${dir}/plugin-command.wasm`).includes("_start"));
    }),
});

Deno.test({
  name: "samuel new plugin through the CLI: human output, --json envelope, exit 2 on a taken folder",
  fn: () =>
    withTempDir(async (cwd) => {
      const human = await runCli(["new", "plugin", "--kind=wasm", "--name=cli-made"], { cwd });
      assertEquals(human.code, 0, human.stderr);
      assertStringIncludes(human.stdout, "created wasm plugin");
      assertStringIncludes(human.stdout, "make wasm");
      const again = await runCli(["new", "plugin", "--name=cli-made", "--json"], { cwd });
      assertEquals(again.code, 2);
      assertEquals(again.json.ok, false);
      assertEquals(again.json.error.code, "SAM-NEW-005");
      const json = await runCli(["new", "plugin", "--kind=skill", "--name=s", "--dir", "sk", "--json"], {
        cwd,
      });
      assertEquals(json.code, 0, json.stderr);
      assertEquals(json.json.data.dir, `${cwd}/sk`);
      assertEquals(json.json.data.files.length, 5);
    }),
});
