/**
 * `samuel plugin validate` on a plugin folder with a built module: the module is checked against the
 * manifest with install's own checks (exports as `() -> i32`, imports this host provides, initial memory
 * within `max_memory`, protocol), every problem is reported with install's code, and the module's size,
 * imports and exports are printed (and returned as `data.module`). A folder without a module only gets a
 * warning naming the build command. Modules are small WAT fixtures.
 */

import { assert, assertEquals, assertStringIncludes } from "../support/assert.ts";
import { runCli } from "../support/cli.ts";
import { wat2wasm } from "../support/wat.ts";
import { run } from "../../src/cli/commands/plugin_validate.ts";
import { Output } from "../../src/cli/output.ts";
import type { Invocation } from "../../src/cli/command.ts";
import type { Problem } from "../../src/manifest/mod.ts";

const MANIFEST = (extra = "") =>
  `name = "fixture"
version = "0.1.0"
kind = "wasm"
summary = "A validate fixture."
[samuel]
framework = "*"
protocol = "^1.0.0"
[wasm]
module = "plugin.wasm"
exports = ["lint", "health"]
[runtime]
max_memory = 2
${extra}`;

/** A reactor with both exports right, importing samuel.log and one WASI function. */
const GOOD = `(module
  (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
  (import "samuel" "log" (func (param i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (func (export "_initialize"))
  (func (export "lint") (result i32) (i32.const 0))
  (func (export "health") (result i32) (i32.const 0))
  (func (export "samuel_protocol_version") (result i32) (i32.const 1)))`;

class Captured extends Output {
  readonly lines: string[] = [];
  override line(text = ""): void {
    this.lines.push(text);
  }
  override note(text: string): void {
    this.lines.push(text);
  }
  override warn(text: string): void {
    this.warnings.push(text);
  }
}

function invocation(dir: string, json: boolean): Invocation & { out: Captured } {
  const global = { json, verbose: false, color: false, strict: false, yes: false };
  return { args: [dir], flags: {}, raw: [dir], global, out: new Captured(global), cwd: dir };
}

async function withPlugin(
  wat: string | undefined,
  fn: (dir: string) => Promise<void>,
  manifestExtra = "",
): Promise<void> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "samuel-validate-" }));
  try {
    await Deno.writeTextFile(`${dir}/samuel-plugin.toml`, MANIFEST(manifestExtra));
    if (wat !== undefined) await Deno.writeFile(`${dir}/plugin.wasm`, await wat2wasm(wat));
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

// deno-lint-ignore no-explicit-any
type Data = any;

/** Runs validate in JSON mode and returns data, error and the problems' codes. */
async function validate(dir: string) {
  const inv = invocation(dir, true);
  const result = await run(inv);
  const data = result.data as Data;
  const problems = (data.problems as Problem[]).filter((p) => p.severity === "error");
  return { result, data, problems, codes: problems.map((p) => p.code), warnings: inv.out.warnings };
}

Deno.test("validate: a good module passes and data.module describes it", async () => {
  await withPlugin(GOOD, async (dir) => {
    const { result, data, problems } = await validate(dir);
    assertEquals(result.error, undefined);
    assertEquals(problems, []);
    assertEquals(data.valid, true);
    const m = data.module;
    assertEquals(m.path, "plugin.wasm");
    assertEquals(m.size, (await Deno.stat(`${dir}/plugin.wasm`)).size);
    assertEquals(m.lifecycle, "reactor");
    assertEquals(m.protocol, 1);
    assertEquals(m.memory, {
      imported: false,
      initial_pages: 1,
      maximum_pages: null,
      initial_bytes: 65536,
      cap_bytes: 2 * 1024 * 1024,
    });
    assertEquals(m.imports, [
      {
        module: "wasi_snapshot_preview1",
        name: "fd_write",
        kind: "function",
        type: "(i32, i32, i32, i32) -> i32",
      },
      { module: "samuel", name: "log", kind: "function", type: "(i32, i32, i32, i32) -> ()" },
    ]);
    assertEquals(m.exports.map((e: { name: string; type?: string }) => `${e.name} ${e.type ?? ""}`), [
      "memory ",
      "_initialize () -> ()",
      "lint () -> i32",
      "health () -> i32",
      "samuel_protocol_version () -> i32",
    ]);
  });
});

Deno.test("validate: human output prints size, memory, imports and exports, then the verdict", async () => {
  await withPlugin(GOOD, async (dir) => {
    const inv = invocation(dir, false);
    await run(inv);
    const text = inv.out.lines.join("\n");
    assert(/^module plugin\.wasm: [\d.]+ KiB \(\d+ bytes\), reactor$/m.test(text), text);
    assertStringIncludes(text, "memory: initial 1 pages (64 KiB), no maximum; capped at 2 MiB by max_memory");
    assertStringIncludes(text, "    wasi_snapshot_preview1: fd_write\n    samuel: log");
    assertStringIncludes(text, "    lint () -> i32\n    health () -> i32");
    assertStringIncludes(text, "samuel-plugin.toml: valid wasm plugin fixture@0.1.0");
  });
});

Deno.test("validate: a missing export is SAM-INSTALL-004 on wasm.exports[i]", async () => {
  await withPlugin(GOOD.replace(`(func (export "health") (result i32) (i32.const 0))`, ""), async (dir) => {
    const { result, data, problems, codes } = await validate(dir);
    assertEquals(codes, ["SAM-INSTALL-004"]);
    assertEquals(problems[0].key, "wasm.exports[1]");
    assertEquals(problems[0].line, 10);
    assertStringIncludes(problems[0].message, "health: not exported by the module");
    assertStringIncludes(problems[0].fix, "//go:wasmexport health");
    assertEquals(result.exit, 2);
    assertEquals(result.error?.code, "SAM-INSTALL-004");
    assertEquals(result.error?.message, "plugin.wasm does not match samuel-plugin.toml: 1 error");
    // The module is still described next to the error.
    assertEquals(data.valid, false);
    assertEquals(data.module.lifecycle, "reactor");
  });
});

Deno.test("validate: an export with signature (i32) -> i32 is SAM-INSTALL-004 naming both signatures", async () => {
  const wrong = GOOD.replace(
    `(func (export "lint") (result i32) (i32.const 0))`,
    `(func (export "lint") (param i32) (result i32) (local.get 0))`,
  );
  await withPlugin(wrong, async (dir) => {
    const { problems, codes } = await validate(dir);
    assertEquals(codes, ["SAM-INSTALL-004"]);
    assertEquals(problems[0].key, "wasm.exports[0]");
    assertStringIncludes(problems[0].message, "lint: has signature (i32) -> i32, expected () -> i32");
  });
});

Deno.test("validate: an unknown samuel.* import is SAM-INSTALL-003, every one listed", async () => {
  const unknown = GOOD.replace(
    `(import "samuel" "log" (func (param i32 i32 i32 i32)))`,
    `(import "samuel" "log" (func (param i32 i32 i32 i32)))
     (import "samuel" "teleport" (func (param i32) (result i32)))
     (import "env" "abort" (func))`,
  );
  await withPlugin(unknown, async (dir) => {
    const { problems, codes } = await validate(dir);
    assertEquals(codes, ["SAM-INSTALL-003", "SAM-INSTALL-003"]);
    const messages = problems.map((p) => p.message).join("\n");
    assertStringIncludes(messages, "samuel.teleport: not provided by this host");
    assertStringIncludes(messages, `env.abort: unknown import module "env"`);
    assertEquals(problems[0].key, "wasm.module");
  });
});

Deno.test("validate: a protocol-1 import with the wrong signature is SAM-INSTALL-003", async () => {
  const wrong = GOOD.replace(
    `(import "samuel" "log" (func (param i32 i32 i32 i32)))`,
    `(import "samuel" "log" (func (param i32 i32)))`,
  );
  await withPlugin(wrong, async (dir) => {
    const { problems, codes } = await validate(dir);
    assertEquals(codes, ["SAM-INSTALL-003"]);
    assertStringIncludes(problems[0].message, "samuel.log: declared as (i32, i32) -> ()");
  });
});

Deno.test("validate: initial memory over max_memory is SAM-PREPROCESS-003 on runtime.max_memory", async () => {
  // 48 pages = 3 MiB, above the manifest's 2 MiB.
  await withPlugin(
    GOOD.replace(`(memory (export "memory") 1)`, `(memory (export "memory") 48)`),
    async (dir) => {
      const { problems, codes, data } = await validate(dir);
      assertEquals(codes, ["SAM-PREPROCESS-003"]);
      assertEquals(problems[0].key, "runtime.max_memory");
      assertEquals(problems[0].line, 12);
      assertStringIncludes(problems[0].message, "starts at 3 MiB (48 pages), above the memory cap of 2 MiB");
      assertStringIncludes(problems[0].fix, "raise [runtime] max_memory");
      assertEquals(data.module.memory.initial_pages, 48);
    },
  );
});

Deno.test("validate: a protocol version other than 1 is SAM-INSTALL-005", async () => {
  const v2 = GOOD.replace(
    `(func (export "samuel_protocol_version") (result i32) (i32.const 1))`,
    `(func (export "samuel_protocol_version") (result i32) (i32.const 2))`,
  );
  await withPlugin(v2, async (dir) => {
    const { problems, codes } = await validate(dir);
    assertEquals(codes, ["SAM-INSTALL-005"]);
    assertStringIncludes(problems[0].message, "returned 2; this samuel speaks protocol 1");
  });
});

/** A reactor whose samuel_protocol_version calls the host first, so only a real instance can answer. */
const needsHost = (version: number) =>
  GOOD
    .replace(
      `(import "samuel" "log" (func (param i32 i32 i32 i32)))`,
      `(import "samuel" "log" (func (param i32 i32 i32 i32)))
       (import "samuel" "deadline_ms" (func $deadline (result i64)))`,
    )
    .replace(
      `(func (export "samuel_protocol_version") (result i32) (i32.const 1))`,
      `(func (export "samuel_protocol_version") (result i32) (drop (call $deadline)) (i32.const ${version}))`,
    );

Deno.test("validate: a protocol export that needs the host is called in a sandbox (1 passes, 2 is SAM-INSTALL-005)", async () => {
  await withPlugin(needsHost(1), async (dir) => {
    const { codes, data } = await validate(dir);
    assertEquals(codes, []);
    assertEquals(data.module.protocol, 1);
  });
  await withPlugin(needsHost(2), async (dir) => {
    const { problems, codes, data } = await validate(dir);
    assertEquals(codes, ["SAM-INSTALL-005"]);
    assertStringIncludes(problems[0].message, "returned 2; this samuel speaks protocol 1");
    assertEquals(data.module.protocol, 2);
  });
});

Deno.test("validate: every problem is reported at once", async () => {
  const many = GOOD
    .replace(`(func (export "health") (result i32) (i32.const 0))`, "")
    .replace(`(memory (export "memory") 1)`, `(memory (export "memory") 48)`)
    .replace(`(import "samuel" "log"`, `(import "samuel" "nope"`);
  await withPlugin(many, async (dir) => {
    const { codes } = await validate(dir);
    assertEquals(codes, ["SAM-INSTALL-003", "SAM-INSTALL-004", "SAM-PREPROCESS-003"]);
  });
});

Deno.test("validate: bytes that are not wasm are SAM-PREPROCESS-001, without a module summary", async () => {
  await withPlugin(undefined, async (dir) => {
    await Deno.writeTextFile(`${dir}/plugin.wasm`, "not a module");
    const { codes, data } = await validate(dir);
    assertEquals(codes, ["SAM-PREPROCESS-001"]);
    assertEquals(data.module, null);
  });
});

Deno.test("validate: a module not built yet is a warning with the build command, not an error", async () => {
  await withPlugin(undefined, async (dir) => {
    await Deno.writeTextFile(`${dir}/Makefile`, "wasm:\n");
    const { result, data, warnings } = await validate(dir);
    assertEquals(result.error, undefined);
    assertEquals(data.valid, true);
    assertEquals(data.module, null);
    assertEquals(warnings.length, 1);
    assertStringIncludes(warnings[0], "plugin.wasm is not built yet");
    assertStringIncludes(warnings[0], "`make wasm`");
  });
});

Deno.test("validate (CLI): exit 2 and the envelope carries module and problems; exit 0 when good", async () => {
  await withPlugin(GOOD.replace(`(func (export "health") (result i32) (i32.const 0))`, ""), async (dir) => {
    const bad = await runCli(["plugin", "validate", dir, "--json"]);
    assertEquals(bad.code, 2, bad.stderr);
    assertEquals(bad.json.ok, false);
    assertEquals(bad.json.error.code, "SAM-INSTALL-004");
    assertEquals(bad.json.data.module.path, `${dir}/plugin.wasm`);
    assertEquals(bad.json.error.details.map((p: Problem) => p.code), ["SAM-INSTALL-004"]);
    const human = await runCli(["plugin", "validate"], { cwd: dir });
    assertEquals(human.code, 2);
    assertStringIncludes(
      human.stdout,
      "samuel-plugin.toml:10: wasm.exports[1]: plugin.wasm: health: not exported",
    );
    assertStringIncludes(human.stderr, "error[SAM-INSTALL-004]");
  });
  await withPlugin(GOOD, async (dir) => {
    const good = await runCli(["plugin", "validate", dir, "--json"]);
    assertEquals(good.code, 0, good.stderr);
    assertEquals(good.json.data.module.exports.length, 5);
  });
});
