/**
 * `samuel plugin validate [DIR]`: through `run()` with a constructed Invocation (output captured), and as
 * a subprocess through main.ts (exit codes and the `--json` envelope).
 */

import { assert, assertEquals, assertRejects, assertStringIncludes } from "../support/assert.ts";
import { runCli } from "../support/cli.ts";
import type { GlobalFlags, Invocation } from "../../src/cli/command.ts";
import { Output } from "../../src/cli/output.ts";
import { run } from "../../src/cli/commands/plugin_validate.ts";
import { Exit, SamuelError } from "../../src/errors.ts";
import { type Problem } from "../../src/manifest/mod.ts";

const examples = new URL("../../examples/manifests/", import.meta.url).pathname;

class CapturedOutput extends Output {
  readonly lines: string[] = [];
  override line(text = ""): void {
    if (!this.json) this.lines.push(text);
  }
  override note(text: string): void {
    if (!this.json) this.lines.push(text);
  }
  override warn(text: string): void {
    this.warnings.push(text);
  }
}

function invocation(
  args: string[],
  opts: Partial<GlobalFlags> & { cwd?: string } = {},
): Invocation & { out: CapturedOutput } {
  const global: GlobalFlags = {
    json: false,
    verbose: false,
    color: false,
    strict: false,
    yes: false,
    ...opts,
  };
  return { args, flags: {}, raw: args, global, out: new CapturedOutput(global), cwd: opts.cwd ?? Deno.cwd() };
}

async function withPlugin(text: string, fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/samuel-plugin.toml`, text);
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const INVALID =
  'name = "Bad"\nversion = "1.0.0"\nkind = "wasm"\nsummary = "s"\nunknown = 1\n[wasm]\nmodule = "../x.wasm"\nexports = ["run"]\n[samuel]\nframework = "^2.2.0"\nprotocol = "^1.0.0"\n';

Deno.test("run(): a valid folder returns { file, valid, manifest, problems } and lists risky grants", async () => {
  const inv = invocation(["hello"], { cwd: examples });
  const result = await run(inv);
  // deno-lint-ignore no-explicit-any
  const data = result.data as any;
  assertEquals(data.file, "hello/samuel-plugin.toml");
  assertEquals(data.valid, true);
  assertEquals(data.manifest.name, "hello");
  assertEquals(data.problems, []);
  assert(data.risky.length > 0);
  assertEquals(inv.out.lines[0], "hello/samuel-plugin.toml: valid wasm plugin hello@1.0.0");
});

Deno.test("run(): the default folder is the current one; DIR may be the manifest file", async () => {
  const here = await run(invocation([], { cwd: `${examples}design` }));
  assertEquals((here.data as { file: string }).file, "samuel-plugin.toml");
  const file = await run(invocation([`${examples}design/samuel-plugin.toml`], { cwd: "/" }));
  assertEquals((file.data as { file: string }).file, `${examples.slice(1)}design/samuel-plugin.toml`);
});

Deno.test("run(): an invalid manifest prints every problem with a fix, then throws exit 2 with all of them", async () => {
  await withPlugin(INVALID, async (dir) => {
    const inv = invocation([dir]);
    const e = await assertRejects(() => run(inv));
    assert(e instanceof SamuelError);
    assertEquals(e.exit, Exit.invalidInput);
    assertEquals(e.code, "SAM-MANIFEST-006");
    const details = e.details as Problem[];
    assertEquals(details.map((p) => `${p.severity} ${p.code} ${p.line}`), [
      `error ${"SAM-MANIFEST-006"} 1`,
      `warning ${"SAM-MANIFEST-005"} 5`,
      `error ${"SAM-MANIFEST-014"} 7`,
      `error ${"SAM-MANIFEST-018"} 8`,
    ]);
    const text = inv.out.lines.join("\n");
    assertStringIncludes(text, `${dir}/samuel-plugin.toml:1: name: name "Bad" is not valid`);
    assertStringIncludes(
      text,
      `${dir}/samuel-plugin.toml:5: unknown: unknown key "unknown" at the top level [warning ${"SAM-MANIFEST-005"}]`,
    );
    assertStringIncludes(
      text,
      `${dir}/samuel-plugin.toml:8: wasm.exports[0]: export "run" is a reserved samuel verb`,
    );
    assertEquals(inv.out.lines.filter((l) => l.startsWith("  fix: ")).length, 4);
  });
});

Deno.test("run(): warnings pass, unless --strict; in JSON mode they go to the envelope's warnings", async () => {
  const text =
    'name = "w"\nversion = "1.0.0"\nkind = "skill"\nsummary = "s"\n[samuel]\nframework = "*"\ncolour = "red"\n';
  await withPlugin(text, async (dir) => {
    const lax = invocation([dir], { json: true });
    const result = await run(lax);
    // deno-lint-ignore no-explicit-any
    const data = result.data as any;
    assertEquals([data.valid, data.problems.length, data.problems[0].code], [true, 1, "SAM-MANIFEST-005"]);
    assertEquals(lax.out.warnings.length, 1);
    assertStringIncludes(lax.out.warnings[0], "samuel.colour");
    assertEquals(lax.out.lines, []);

    const strict = invocation([dir], { strict: true });
    const e = await assertRejects(() => run(strict));
    assert(e instanceof SamuelError);
    assertEquals(e.code, "SAM-MANIFEST-005");
  });
});

Deno.test("run(): a folder without a manifest, and extra arguments, are exit 2", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const e = await assertRejects(() => run(invocation([dir])));
    assert(e instanceof SamuelError);
    assertEquals([e.code, e.exit], ["SAM-MANIFEST-001", Exit.invalidInput]);
    const extra = await assertRejects(() => run(invocation([dir, dir])));
    assert(extra instanceof SamuelError);
    assertEquals(extra.exit, Exit.invalidInput);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("subprocess: samuel plugin validate DIR --json on an invalid manifest exits 2 with the envelope", async () => {
  await withPlugin(INVALID, async (dir) => {
    const r = await runCli(["plugin", "validate", dir, "--json"]);
    assertEquals(r.code, 2, r.stderr);
    assertEquals(r.json.ok, false);
    assertEquals(r.json.command, "plugin validate");
    assertEquals(r.json.data, null);
    assertEquals(r.json.error.code, "SAM-MANIFEST-006");
    assertEquals(r.json.error.details.length, 4);
    assertEquals(r.json.error.details[0].file, `${dir}/samuel-plugin.toml`);
    assertEquals(r.json.error.details[0].line, 1);
    assertEquals(r.json.warnings.length, 1);
    assertEquals(r.stderr, "");
  });
});

Deno.test("subprocess: valid example exits 0; --strict turns warnings into exit 2; humans get file:line", async () => {
  const ok = await runCli(["plugin", "validate", `${examples}hello`, "--json"]);
  assertEquals(ok.code, 0, ok.stderr);
  assertEquals([ok.json.ok, ok.json.data.valid, ok.json.data.manifest.name], [true, true, "hello"]);

  await withPlugin(
    INVALID.replace('"Bad"', '"good"').replace("../x.wasm", "x.wasm").replace('"run"', '"go"'),
    async (dir) => {
      const lax = await runCli(["plugin", "validate", "--json"], { cwd: dir });
      assertEquals(lax.code, 0, lax.stderr);
      assertEquals(lax.json.data.file, "samuel-plugin.toml");
      const strict = await runCli(["plugin", "validate", "--strict"], { cwd: dir });
      assertEquals(strict.code, 2);
      assertStringIncludes(strict.stdout, "samuel-plugin.toml:5: unknown: unknown key");
      assertStringIncludes(strict.stderr, "SAM-MANIFEST-005");
    },
  );
});
