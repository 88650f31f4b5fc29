/**
 * `samuel new plugin --lang rust|assemblyscript` (and the aliases `rs`, `as`, `tinygo`): every template
 * file is written with its placeholders substituted, the manifests are valid, the Rust crate keeps
 * `unsafe` inside the SDK's `abi.rs` and denies it elsewhere, its Makefile handles the wasm32-wasi /
 * wasm32-wasip1 rename, the Cargo package name is one Cargo accepts, the AssemblyScript package builds a
 * reactor with the WASI shim, and `samuel new plugin --help` lists the languages. The builds with the
 * real compilers are in e2e_rust_test.ts and e2e_assemblyscript_test.ts.
 */

import { crateName } from "../../src/app/new.ts";
import { run } from "../../src/cli/commands/new_plugin.ts";
import { TEMPLATES } from "../../src/app/scaffold_templates.gen.ts";
import { parseManifest } from "../../src/manifest/mod.ts";
import { runCli } from "../support/cli.ts";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../support/assert.ts";
import { invocation, listFiles, withTempDir } from "./helpers.ts";

const PLACEHOLDER = /\{\{(name|module|crate|framework)\}\}/;

async function scaffolded(cwd: string, name: string, lang: string) {
  const result = await run(invocation(cwd, { name, lang }));
  const dir = `${cwd}/${name}`;
  const read = (f: string) => Deno.readTextFileSync(`${dir}/${f}`);
  for (const f of listFiles(dir)) assert(!PLACEHOLDER.test(read(f)), `${f} still has a placeholder`);
  const parsed = await parseManifest(read("samuel-plugin.toml"), {
    file: "samuel-plugin.toml",
    strict: true,
  });
  assertEquals(parsed.problems, []);
  const m = parsed.manifest!;
  assertEquals([m.name, m.kind], [name, "wasm"]);
  if (m.kind === "wasm") assertEquals(m.wasm.exports, ["lint", "health"]);
  assertEquals(m.capabilities.filesystem.read, ["/workspace"]);
  // deno-lint-ignore no-explicit-any
  return { dir, read, data: result.data as any };
}

Deno.test("new plugin --lang rust writes a dependency-free Cargo cdylib with the Rust SDK", () =>
  withTempDir(async (cwd) => {
    const { dir, read, data } = await scaffolded(cwd, "hello-rs", "rust");
    assertEquals(data.lang, "rust");
    const files = TEMPLATES["wasm-rust"].map((f) => f.path).sort();
    assertEquals(listFiles(dir), files);
    for (
      const f of [
        "Cargo.toml",
        "Makefile",
        "README.md",
        ".gitignore",
        ".github/workflows/release.yml",
        "src/lib.rs",
        "src/samuel/abi.rs",
        "src/samuel/net.rs",
      ]
    ) assert(files.includes(f), `missing template ${f}`);

    const cargo = read("Cargo.toml");
    assertMatch(cargo, /^name = "hello-rs"$/m);
    assertMatch(cargo, /^crate-type = \["cdylib"\]$/m);
    assertMatch(cargo, /^name = "plugin"$/m);
    for (const key of [/^opt-level = "s"/m, /^lto = true/m, /^panic = "abort"/m, /^strip = true/m]) {
      assertMatch(cargo, key);
    }
    assert(!/^\[dependencies\]/m.test(cargo), "no crates.io dependencies");

    // No `unsafe` in the author's code: the crate denies it and only the SDK's abi.rs allows it.
    const lib = read("src/lib.rs");
    assertStringIncludes(lib, "#![deny(unsafe_code)]");
    assertStringIncludes(lib, "samuel::export!(lint, health);");
    for (const f of files.filter((f) => f.endsWith(".rs") && f !== "src/samuel/abi.rs")) {
      const code = read(f).split("\n").filter((l) => !l.trim().startsWith("//")).join("\n");
      assert(!/\bunsafe\s*(\{|fn|extern|impl)/.test(code), `${f} has unsafe code`);
    }
    assertStringIncludes(read("src/samuel/abi.rs"), `#[link(wasm_import_module = "samuel")]`);

    // The target rename: the Makefile asks the compiler, the workflow uses the current name.
    const makefile = read("Makefile");
    assertStringIncludes(makefile, "grep -qx wasm32-wasip1 && echo wasm32-wasip1 || echo wasm32-wasi");
    assertStringIncludes(makefile, "cp target/$(TARGET)/release/plugin.wasm $(WASM)");
    assertMatch(makefile, /^test:\n\t\$\(CARGO\) test$/m);
    assertStringIncludes(read(".gitignore"), "/target/");

    // Before the first build, validate checks the manifest and names this scaffold's build command.
    const validated = await runCli(["plugin", "validate", "--json"], { cwd: dir });
    assertEquals(validated.code, 0, validated.stderr);
    assertStringIncludes(validated.json.warnings.join("\n"), "build it with `make wasm` (cargo, target");
  }));

Deno.test("the Cargo package name is one Cargo accepts", () =>
  withTempDir(async (cwd) => {
    assertEquals(crateName("hello"), "hello");
    assertEquals(crateName("9lives"), "plugin-9lives");
    assertEquals(crateName("fn"), "plugin-fn");
    assertEquals(crateName("test"), "plugin-test");
    assertEquals(crateName("proc-macro"), "plugin-proc-macro");
    const { read } = await scaffolded(cwd, "9lives", "rust");
    assertMatch(read("Cargo.toml"), /^name = "plugin-9lives"$/m);
    assertMatch(read("samuel-plugin.toml"), /^name = "9lives" /m);
  }));

Deno.test("new plugin --lang assemblyscript writes an asc package with the WASI shim and the SDK", () =>
  withTempDir(async (cwd) => {
    const { dir, read, data } = await scaffolded(cwd, "hello-as", "assemblyscript");
    assertEquals(data.lang, "assemblyscript");
    const files = TEMPLATES["wasm-assemblyscript"].map((f) => f.path).sort();
    assertEquals(listFiles(dir), files);
    for (const f of ["assembly/index.ts", "assembly/samuel/index.ts", "asconfig.json", "tests/run.mjs"]) {
      assert(files.includes(f), `missing template ${f}`);
    }
    const pkg = JSON.parse(read("package.json"));
    assertEquals(pkg.name, "hello-as");
    assertEquals(pkg.scripts.asbuild, "asc assembly/index.ts --target release");
    assertEquals(pkg.scripts.test, "node tests/run.mjs");
    assertEquals(Object.keys(pkg.devDependencies).sort(), ["@assemblyscript/wasi-shim", "assemblyscript"]);
    const asconfig = JSON.parse(read("asconfig.json"));
    assertEquals(asconfig.extends, "./node_modules/@assemblyscript/wasi-shim/asconfig.json");
    assertEquals(asconfig.options.exportStart, "_initialize", "a reactor");
    assertEquals(asconfig.targets.release.outFile, "plugin.wasm");
    const index = read("assembly/index.ts");
    for (const e of ["export function lint(): i32", "export function health(): i32"]) {
      assertStringIncludes(index, e);
    }
    assertStringIncludes(index, `export { samuel_protocol_version } from "./samuel";`);
    for (const g of ["node_modules/", "*.wasm", "samuel.toml"]) assertStringIncludes(read(".gitignore"), g);

    const validated = await runCli(["plugin", "validate", "--json"], { cwd: dir });
    assertEquals(validated.code, 0, validated.stderr);
    assertStringIncludes(
      validated.json.warnings.join("\n"),
      "build it with `npm install && npm run asbuild`",
    );
  }));

Deno.test("language aliases: rs, as and tinygo", () =>
  withTempDir(async (cwd) => {
    for (const [alias, lang] of [["rs", "rust"], ["AS", "assemblyscript"], ["tinygo", "go"]]) {
      const r = await run(invocation(cwd, { name: `a-${lang}`, lang: alias }));
      assertEquals((r.data as { lang: string }).lang, lang);
    }
  }));

Deno.test("samuel new plugin --help lists the languages; the CLI scaffolds Rust with --lang rust", () =>
  withTempDir(async (cwd) => {
    const help = await runCli(["new", "plugin", "--help"], { cwd });
    assertEquals(help.code, 0, help.stderr);
    assertStringIncludes(help.stdout, "[--lang go|rust|assemblyscript]");
    assertStringIncludes(help.stdout, "samuel new plugin --kind=wasm --lang rust --name=hello-rs");
    assertStringIncludes(help.stdout, "samuel new plugin --kind=wasm --lang assemblyscript --name=hello-as");
    const made = await runCli(["new", "plugin", "--kind=wasm", "--lang", "rust", "--name=cli-rs"], { cwd });
    assertEquals(made.code, 0, made.stderr);
    assertStringIncludes(
      made.stdout,
      "created wasm plugin cli-rs (Rust: builds with cargo for wasm32-wasip1)",
    );
    assertStringIncludes(made.stdout, "src/samuel/ (the samuel Rust SDK, 7 files)");
    assertStringIncludes(made.stdout, "samuel install file://$(pwd) --allow-unsigned");
    const as = await runCli(["new", "plugin", "--lang=as", "--name=cli-as", "--json"], { cwd });
    assertEquals(as.code, 0, as.stderr);
    assertEquals(as.json.data.next.slice(0, 4), ["cd cli-as", "npm install", "npm run asbuild", "npm test"]);
  }));
