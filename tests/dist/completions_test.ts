/**
 * `samuel completions bash|zsh|fish`: each script is generated from the command table, so it names every
 * verb (and alias) and the flags; the bash script parses (`bash -n`) and completes real command lines when
 * sourced; zsh and fish scripts are syntax-checked when those shells are installed. The CLI prints the
 * script, wraps it in the `--json` envelope, and refuses unknown shells with exit 2.
 */

import { assert, assertEquals, assertStringIncludes } from "../support/assert.ts";
import { runCli } from "../support/cli.ts";
import { COMMANDS } from "../../src/cli/registry.ts";
import { GLOBAL_FLAGS } from "../../src/cli/globals.ts";
import { completionScript, SHELLS } from "../../src/cli/commands/completions.ts";

const decoder = new TextDecoder();

async function has(shell: string): Promise<boolean> {
  try {
    const out = await new Deno.Command("sh", { args: ["-c", `command -v ${shell}`], stdout: "null" })
      .output();
    return out.success;
  } catch {
    return false;
  }
}

async function sh(shell: string, args: string[], cwd?: string): Promise<{ code: number; out: string }> {
  const r = await new Deno.Command(shell, { args, cwd, stdout: "piped", stderr: "piped" }).output();
  return { code: r.code, out: decoder.decode(r.stdout) + decoder.decode(r.stderr) };
}

Deno.test("every shell's script names every verb, alias and a few flags", () => {
  const words = new Set(COMMANDS.flatMap((c) => [...c.path, ...(c.aliases ?? [])]));
  assert(words.has("completions"), "the completions command is registered");
  for (const shell of SHELLS) {
    const script = completionScript(shell);
    for (const w of words) assert(new RegExp(`\\b${w}\\b`).test(script), `${shell} script names ${w}`);
    for (const f of ["allow-unsigned", "trusted-root", "frozen", "all", "force"]) {
      assertStringIncludes(script, shell === "fish" ? `-l ${f}` : `--${f}`, `${shell}: --${f}`);
    }
    for (const g of GLOBAL_FLAGS) assertStringIncludes(script, g.name, `${shell}: global --${g.name}`);
  }
});

Deno.test("the bash script parses", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/samuel.bash`, completionScript("bash"));
    const r = await sh("bash", ["-n", `${dir}/samuel.bash`]);
    assertEquals(r.code, 0, r.out);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the bash script completes real command lines", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/samuel.bash`, completionScript("bash"));
    await Deno.writeTextFile(`${dir}/trusted_root.json`, "{}");
    /** Completions offered for `line`, the last word being the one under the cursor. */
    const complete = async (words: string[]): Promise<string[]> => {
      const quoted = words.map((w) => `'${w}'`).join(" ");
      const script = `source ./samuel.bash; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; ` +
        `_samuel; printf '%s\\n' "\${COMPREPLY[@]}"`;
      const r = await sh("bash", ["-c", script], dir);
      assertEquals(r.code, 0, r.out);
      return r.out.split("\n").filter((x) => x !== "");
    };
    await t.step("top-level words", async () => {
      const got = await complete(["samuel", ""]);
      for (const w of ["init", "install", "run", "plugin", "new", "completions", "list", "help"]) {
        assert(got.includes(w), `${w} in ${got}`);
      }
      assertEquals(await complete(["samuel", "ver"]), ["version"]);
      assertEquals(await complete(["samuel", "--json", "ver"]), ["version"]);
    });
    await t.step("group members", async () => {
      assertEquals((await complete(["samuel", "plugin", ""])).sort(), ["bench", "exec", "validate"]);
      assertEquals(await complete(["samuel", "new", ""]), ["plugin"]);
    });
    await t.step("a command's flags and the global ones", async () => {
      assertEquals(await complete(["samuel", "install", "--tr"]), ["--trusted-root"]);
      assertEquals(await complete(["samuel", "install", "--js"]), ["--json"]);
      assertEquals(await complete(["samuel", "run", "--timeout", "2s", "--a"]), ["--all"]);
      assertEquals(await complete(["samuel", "new", "plugin", "--ki"]), ["--kind"]);
      // plugin exec parses its own flags; its usage line is where they come from.
      assertEquals(await complete(["samuel", "plugin", "exec", "--di"]), ["--dir", "--dir-ro"]);
      assertEquals(await complete(["samuel", "plugin", "exec", "--dir-ro", "trus"]), ["trusted_root.json"]);
    });
    await t.step("files after a FILE flag, shells after completions", async () => {
      assertEquals(await complete(["samuel", "install", "--trusted-root", "trus"]), ["trusted_root.json"]);
      assertEquals(await complete(["samuel", "completions", ""]), ["bash", "zsh", "fish"]);
      assertEquals(await complete(["samuel", "plugin", "exec", "trus"]), ["trusted_root.json"]);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Runs `body` (zsh or fish code) after loading the script; returns stdout lines. */
async function driveShell(shell: "zsh" | "fish", body: string): Promise<string[]> {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/samuel.${shell}`;
    await Deno.writeTextFile(file, completionScript(shell));
    await Deno.writeTextFile(`${dir}/trusted_root.json`, "{}");
    const parse = await sh(shell, ["-n", file]);
    assertEquals(parse.code, 0, parse.out);
    // zsh: stand-ins for the completion system's functions print what would be offered.
    const prelude = shell === "zsh"
      ? `_describe() { local arr=\${@[-1]}; print -l -- \${(P)arr} | cut -d: -f1 }
_files() { print FILES }
_message() { print MESSAGE }
compdef() { : }
`
      : "";
    const r = await sh(shell, ["-c", `${prelude}source ${file}\n${body}`], dir);
    assertEquals(r.code, 0, r.out);
    return r.out.split("\n").map((l) => l.split("\t")[0]).filter((x) => x !== "");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const ZSH = await has("zsh");
Deno.test({
  name: `the zsh script parses and completes${ZSH ? "" : " (skipped: zsh not installed)"}`,
  ignore: !ZSH,
  async fn() {
    const at = (words: string[]) =>
      driveShell("zsh", `words=(${words.map((w) => `'${w}'`).join(" ")}); CURRENT=${words.length}; _samuel`);
    assertEquals((await at(["samuel", "plugin", ""])).sort(), ["bench", "exec", "validate"]);
    assert((await at(["samuel", ""])).includes("completions"));
    assert((await at(["samuel", "install", "--"])).includes("--trusted-root"));
    assertEquals(await at(["samuel", "install", "--trusted-root", ""]), ["FILES"]);
    assertEquals(await at(["samuel", "completions", ""]), ["bash", "zsh", "fish"]);
  },
});

const FISH = await has("fish");
Deno.test({
  name: `the fish script parses and completes${FISH ? "" : " (skipped: fish not installed)"}`,
  ignore: !FISH,
  async fn() {
    const at = (line: string) => driveShell("fish", `complete -C '${line}'`);
    assertEquals((await at("samuel plugin ")).sort(), ["bench", "exec", "validate"]);
    assertEquals(await at("samuel new "), ["plugin"]);
    assertEquals(await at("samuel install --tr"), ["--trusted-root"]);
    assertEquals((await at("samuel completions ")).sort(), ["bash", "fish", "zsh"]);
    assert((await at("samuel new plugin --")).includes("--kind"));
    assert((await at("samuel ")).includes("completions"));
  },
});

Deno.test("samuel completions prints the script; --json wraps it; unknown shells exit 2", async () => {
  let r = await runCli(["completions", "bash"]);
  assertEquals(r.code, 0, r.stderr);
  assertEquals(r.stdout, completionScript("bash"));
  r = await runCli(["completions", "fish", "--json"]);
  assertEquals(r.code, 0, r.stderr);
  assertEquals(r.json?.data, { shell: "fish", script: completionScript("fish") });
  r = await runCli(["completions", "tcsh", "--json"]);
  assertEquals(r.code, 2);
  assertEquals(r.json?.error?.code, "SAM-COMPLETIONS-001");
  r = await runCli(["completions"]);
  assertEquals(r.code, 2);
  assertStringIncludes(r.stderr, "samuel completions bash");
});
