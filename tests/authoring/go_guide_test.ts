/**
 * The reference plugin `examples/go-guide-wasm`: its rules find exactly the marked issues of the dirty
 * Go project and nothing in the clean one, natively (`go test`), as the reactor samuel will run (through
 * a WASI host with a scripted `samuel` module) and as a command module through `samuel plugin exec`.
 */

import { parseManifest } from "../../src/manifest/mod.ts";
import { runCli } from "../support/cli.ts";
import { needs } from "../support/needs.ts";
import { assert, assertEquals, assertStringIncludes } from "../support/assert.ts";
import {
  EXAMPLE,
  exportsOf,
  type Finding,
  findingKeys,
  GO,
  importModulesOf,
  PROJECTS,
  runReactor,
  sh,
  wantedFindings,
} from "./helpers.ts";

const REACTOR = `${EXAMPLE}/build/plugin.wasm`;
const COMMAND = `${EXAMPLE}/build/plugin-command.wasm`;
const DIRTY = `${PROJECTS}/dirty`;
const CLEAN = `${PROJECTS}/clean`;
const RULES = ["error-string", "exported-doc", "long-file", "long-function", "no-panic", "parse-error"];

/** Builds the example when needed (build.sh skips up-to-date modules). */
let built: Promise<void> | undefined;
function ensureBuilt(): Promise<void> {
  built ??= (async () => {
    const env = { PATH: `${GO!.replace(/\/go$/, "")}:${Deno.env.get("PATH") ?? ""}` };
    const r = await sh("bash", [`${EXAMPLE}/build.sh`], { env });
    if (r.code !== 0) throw new Error(`examples/go-guide-wasm/build.sh failed:\n${r.stderr}`);
  })();
  return built;
}

interface Output {
  findings: Finding[];
  files: number;
  truncated: boolean;
}

const withGo = (name: string, fn: () => Promise<void>) =>
  Deno.test({ ...needs(name, GO === undefined && "Go not installed"), fn });

withGo("go-guide-wasm: go test ./... passes natively (rules, SDK)", async () => {
  const r = await sh(GO!, ["test", "./..."], { cwd: EXAMPLE });
  assertEquals(r.code, 0, r.stdout + r.stderr);
});

Deno.test("go-guide-wasm: the dirty fixture marks at least one finding per rule", () => {
  const rules = new Set(wantedFindings(DIRTY).map((k) => k.split(":")[2]));
  assertEquals([...rules].sort(), RULES);
  assertEquals(wantedFindings(CLEAN), []);
});

Deno.test("go-guide-wasm: manifest is valid, grants read of /workspace only, exports lint and health", async () => {
  const parsed = await parseManifest(Deno.readTextFileSync(`${EXAMPLE}/samuel-plugin.toml`), {
    file: "samuel-plugin.toml",
    strict: true,
  });
  assertEquals(parsed.problems, []);
  const m = parsed.manifest!;
  assert(m.kind === "wasm");
  assertEquals(m.wasm.exports, ["lint", "health"]);
  assertEquals(m.capabilities, {
    env: [],
    filesystem: { read: ["/workspace"], write: [] },
    network: { hosts: [] },
  });
});

withGo(
  "go-guide-wasm: the reactor exports what the manifest declares and imports only WASI and samuel",
  async () => {
    await ensureBuilt();
    const exports = exportsOf(REACTOR);
    for (const e of ["_initialize", "lint", "health", "samuel_protocol_version", "memory"]) {
      assert(exports.includes(e), `missing export ${e}`);
    }
    assert(!exports.includes("_start"));
    assertEquals(importModulesOf(REACTOR), ["samuel", "wasi_snapshot_preview1"]);
    const samuelImports = WebAssembly.Module.imports(new WebAssembly.Module(Deno.readFileSync(REACTOR)))
      .filter((i) => i.module === "samuel").map((i) => i.name);
    for (const name of samuelImports) {
      assert(
        ["log", "deadline_ms", "net_outbound", "net_response"].includes(name),
      );
    }
    const v = await runReactor(REACTOR, "samuel_protocol_version");
    assertEquals(v.code, 1);
  },
);

withGo("go-guide-wasm (reactor): finds every marked issue in the dirty project and returns 1", async () => {
  await ensureBuilt();
  const r = await runReactor(REACTOR, "lint", { preopens: { "/workspace": DIRTY } });
  assertEquals(r.code, 1, r.stderr);
  const out = JSON.parse(r.stdout) as Output;
  assertEquals(findingKeys(out.findings), wantedFindings(DIRTY));
  assertEquals(out.files, 6);
  assertEquals(out.truncated, false);
  for (const f of out.findings) {
    assertEquals(Object.keys(f), ["file", "line", "rule", "message"]);
    assert(f.message.length > 10, `terse message: ${f.message}`);
  }
  assertEquals(r.host.logs, [`info: checked 6 Go files: ${out.findings.length} findings`]);
});

withGo("go-guide-wasm (reactor): the clean project has no finding and returns 0", async () => {
  await ensureBuilt();
  const r = await runReactor(REACTOR, "lint", { preopens: { "/workspace": CLEAN } });
  assertEquals(r.code, 0, r.stderr);
  assertEquals(JSON.parse(r.stdout), { findings: [], files: 3, truncated: false });
});

withGo("go-guide-wasm (reactor): options from stdin, bad options, the soft deadline, health", async () => {
  await ensureBuilt();
  const ws = { "/workspace": DIRTY };
  const opts = await runReactor(REACTOR, "lint", {
    preopens: ws,
    stdin: JSON.stringify({
      disable: ["no-panic", "parse-error"],
      max_function_lines: 100,
      max_file_lines: 0,
    }),
  });
  assertEquals(opts.code, 1);
  const rules = new Set((JSON.parse(opts.stdout) as Output).findings.map((f) => f.rule));
  assertEquals([...rules].sort(), ["error-string", "exported-doc"]);

  const typo = await runReactor(REACTOR, "lint", { preopens: ws, stdin: `{"max_function_line": 10}` });
  assertEquals(typo.code, 2);
  assertStringIncludes(typo.stderr, "unknown option(s) max_function_line");
  const badRule = await runReactor(REACTOR, "lint", { preopens: ws, stdin: `{"disable": ["nope"]}` });
  assertEquals(badRule.code, 2);
  assertStringIncludes(badRule.stderr, `unknown rule "nope"`);

  // Past the soft deadline the walk stops at once and says so.
  const late = await runReactor(REACTOR, "lint", { preopens: ws, host: { deadlineMs: -1n } });
  assertEquals(late.code, 0);
  assertEquals(JSON.parse(late.stdout), { findings: [], files: 0, truncated: true });
  assertStringIncludes(late.host.logs[0], "warn: soft deadline reached");

  assertEquals((await runReactor(REACTOR, "health", { preopens: ws })).code, 0);
  const blind = await runReactor(REACTOR, "health");
  assertEquals(blind.code, 1);
  assertStringIncludes(blind.stderr, "cannot read /workspace");
});

Deno.test({
  ...needs(
    "go-guide-wasm (command module) through samuel plugin exec: dirty exits 1 with the findings, clean exits 0",
    GO === undefined && "Go not installed",
  ),
  fn: async () => {
    await ensureBuilt();
    assertEquals(importModulesOf(COMMAND), ["wasi_snapshot_preview1"]);
    const dirty = await runCli(["plugin", "exec", "--dir-ro", `${DIRTY}::/workspace`, COMMAND]);
    assertEquals(dirty.code, 1, dirty.stderr);
    const out = JSON.parse(dirty.stdout) as Output;
    assertEquals(findingKeys(out.findings), wantedFindings(DIRTY));
    assertStringIncludes(dirty.stderr, "info: checked 6 Go files");
    const clean = await runCli(["plugin", "exec", "--dir-ro", `${CLEAN}::/workspace`, COMMAND]);
    assertEquals(clean.code, 0, clean.stderr);
    assertEquals(JSON.parse(clean.stdout).findings, []);
  },
});
