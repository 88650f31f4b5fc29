/**
 * Issue 16 point 2: one error catalogue. src/errors/catalogue.ts lists every code once with its exit code
 * and meaning; these tests hold it to the code base: every code is well-formed and listed once, every code
 * written anywhere in src/, main.ts, the tests or the docs is in it, every listed code is raised somewhere
 * (or marked reserved), every exit is a documented one, `samuelError` is the only way to make an error,
 * and README.md's error reference is the one `deno task gen-errors` writes from it.
 */

import { assert, assertEquals } from "../support/assert.ts";
import { CATALOGUE, type CodeEntry, Exit } from "../../src/errors/catalogue.ts";
import { exitOf, samuelError, toSamuelError } from "../../src/errors.ts";
import { runCli } from "../support/cli.ts";

const ROOT = new URL("../../", import.meta.url);
const CATALOGUE_FILE = new URL("src/errors/catalogue.ts", ROOT).pathname;
const CODE = /SAM-[A-Z]+-\d+/g;

async function* tsFiles(dir: URL): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir)) {
    if (e.name === "fixtures" || e.name === "node_modules" || e.name === "build") continue;
    const url = new URL(e.name + (e.isDirectory ? "/" : ""), dir);
    if (e.isDirectory) yield* tsFiles(url);
    else if (e.name.endsWith(".ts")) yield url.pathname;
  }
}

/** code -> the files (relative to the root) that write it, outside the catalogue: `.ts` under `dirs`, and `files`. */
async function codesWritten(dirs: string[], files: string[] = []): Promise<Map<string, Set<string>>> {
  const found = new Map<string, Set<string>>();
  const paths: string[] = files.map((f) => new URL(f, ROOT).pathname);
  for (const d of dirs) for await (const p of tsFiles(new URL(d, ROOT))) paths.push(p);
  for (const p of paths) {
    if (p === CATALOGUE_FILE) continue;
    for (const m of (await Deno.readTextFile(p)).matchAll(CODE)) {
      (found.get(m[0]) ?? found.set(m[0], new Set()).get(m[0])!).add(p.slice(ROOT.pathname.length));
    }
  }
  return found;
}

const entries = Object.entries(CATALOGUE) as [string, CodeEntry][];

Deno.test("catalogue: every code is SAM-<AREA>-<NNN> and is listed exactly once", async () => {
  for (const [code] of entries) assert(/^SAM-[A-Z]+-\d{3}$/.test(code), `${code} is not SAM-<AREA>-<NNN>`);
  // Object keys cannot repeat at run time, so read the source: a repeated key would silently keep one entry.
  const text = await Deno.readTextFile(CATALOGUE_FILE);
  const keys = [...text.matchAll(/^\s*"(SAM-[A-Z]+-\d+)":/gm)].map((m) => m[1]);
  assertEquals(keys.length, entries.length, "every catalogue key is found in the source");
  assertEquals(keys.filter((k, i) => keys.indexOf(k) !== i), [], "codes listed twice");
  assert(entries.length > 100, `the catalogue holds ${entries.length} codes`);
});

Deno.test("catalogue: every code written in src/, main.ts, scripts/, tests/, bench/, README.md or docs/ is in it", async () => {
  const written = await codesWritten(["src/", "scripts/", "tests/", "bench/"], [
    "main.ts",
    "README.md",
    "docs/architecture.md",
    "docs/plugin-authors.md",
  ]);
  // `SAM-EXEC-00N`-style placeholders in prose stop before three digits: not codes.
  const unknown = [...written].filter(([c]) => /-\d{3}$/.test(c) && !(c in CATALOGUE))
    .map(([c, where]) => `${c} (${[...where].join(", ")})`);
  assertEquals(unknown, [], "codes that are not in src/errors/catalogue.ts");
});

Deno.test("catalogue: every code is raised somewhere in src/ or main.ts, or marked reserved", async () => {
  const raised = await codesWritten(["src/"], ["main.ts"]);
  const unused = entries.filter(([c, e]) => !e.reserved && !raised.has(c)).map(([c]) => c);
  assertEquals(unused, [], "catalogue codes nothing raises: raise them, or mark them reserved with a reason");
  const stale = entries.filter(([c, e]) => e.reserved && raised.has(c)).map(([c]) => c);
  assertEquals(stale, [], "codes marked reserved that src/ does raise");
  for (const [code, e] of entries) {
    assert(e.meaning.trim().length > 0 && !e.meaning.includes("\n"), `${code}: the meaning is one line`);
  }
});

Deno.test("catalogue: every exit code is one README.md documents, and an error takes its code's exit", async () => {
  const readme = await Deno.readTextFile(new URL("README.md", ROOT));
  const exitTable = readme.slice(readme.indexOf("## Exit codes"), readme.indexOf("## Error reference"));
  const documented = new Set([...exitTable.matchAll(/^\| (\d+) +\|/gm)].map((m) => Number(m[1])));
  const exits = new Set<number>(Object.values(Exit));
  for (const [code, e] of entries) {
    assert(exits.has(e.exit), `${code}: exit ${e.exit} is not one of Exit`);
    // 134 is plugin exec's wasmtime-compatible code, documented in the sentence under the table.
    assert(
      documented.has(e.exit) || (e.exit === 134 && exitTable.includes("plugin exec")),
      `${code}: ${e.exit}`,
    );
    assertEquals(samuelError(code as keyof typeof CATALOGUE, { message: "m" }).exit, e.exit, code);
    assertEquals(exitOf(code as keyof typeof CATALOGUE), e.exit, code);
  }
  assertEquals(toSamuelError(new Error("boom")).code, "SAM-INTERNAL-001");
  assertEquals(toSamuelError(new Error("boom")).exit, CATALOGUE["SAM-INTERNAL-001"].exit);
});

Deno.test("catalogue: a real refusal exits with its catalogue exit code", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // Not a samuel project: SAM-CONFIG-001.
    const r = await runCli(["--json", "uninstall", "x"], { cwd: dir });
    const env = JSON.parse(r.stdout);
    assertEquals(env.error.code, "SAM-CONFIG-001");
    assertEquals(r.code, CATALOGUE["SAM-CONFIG-001"].exit);
    const u = await runCli(["--json", "no-such-verb"], { cwd: dir });
    assertEquals(JSON.parse(u.stdout).error.code, "SAM-CLI-001");
    assertEquals(u.code, CATALOGUE["SAM-CLI-001"].exit);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("catalogue: samuelError(code, {...}) is the only constructor", async () => {
  const offenders: string[] = [];
  for await (const p of tsFiles(new URL("src/", ROOT))) {
    const text = await Deno.readTextFile(p);
    const rel = p.slice(ROOT.pathname.length);
    if (rel !== "src/errors.ts" && /new SamuelError\(/.test(text)) offenders.push(`${rel}: new SamuelError(`);
    if (/extends SamuelError\b/.test(text)) offenders.push(`${rel}: extends SamuelError`);
  }
  assertEquals(offenders, [], "errors made other than by samuelError");
});

Deno.test("catalogue: README.md's error reference is the one gen-errors writes", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-run", "scripts/gen-errors.ts", "--check"],
    cwd: ROOT.pathname,
    stderr: "piped",
  }).output();
  assert(out.success, new TextDecoder().decode(out.stderr));
  // And --check has teeth: a README with one row missing is reported stale.
  const tmp = await Deno.makeTempFile({ suffix: ".md" });
  try {
    const readme = await Deno.readTextFile(new URL("README.md", ROOT));
    await Deno.writeTextFile(tmp, readme.replace(/^\| `SAM-RUN-001`.*\n/m, ""));
    const stale = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", "--allow-run", "scripts/gen-errors.ts", "--check", tmp],
      cwd: ROOT.pathname,
      stderr: "piped",
    }).output();
    assertEquals(stale.code, 1);
    assert(new TextDecoder().decode(stale.stderr).includes("gen-errors"));
  } finally {
    await Deno.remove(tmp);
  }
});
