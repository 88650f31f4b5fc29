/**
 * The shipped binary carries exactly the flags in scripts/flags.ts (`deno compile` bakes them in), and
 * `deno compile` cannot run here (its runtime download host is unreachable), so this file runs the same
 * flags through `deno run`, without `-A` and with `--no-config` (a compiled binary has no deno.json to
 * add `unstable` features or anything else): real commands must succeed, and dropping one flag must make
 * a command fail, which proves these tests would notice a missing grant. It also checks that every
 * literal copy of the flags (deno.json tasks, tests/support/cli.ts, bench/support/process.ts) equals the
 * single source.
 */

import { assert, assertEquals, assertStringIncludes } from "../support/assert.ts";
import { HERMETIC_ENV, RUN_FLAGS as CLI_RUN_FLAGS } from "../support/cli.ts";
import { SAMUEL_FLAGS } from "../../bench/support/process.ts";
import { wat2wasm } from "../support/wat.ts";
import { FakeGitHub } from "../support/fake_github.ts";
import { startMockSigstore } from "../support/sigstore_mock.ts";
import { buildBundle } from "../../scripts/bundle.ts";
import {
  BUNDLE_DIR,
  COMPILE_ENTRY,
  COMPILE_INCLUDES,
  COMPILE_TARGETS,
  COMPILE_TASK,
  compileArgs,
  ENGINE_FLAGS,
  PERMISSION_FLAGS,
  RUN_FLAGS,
  SAMUEL_TASK,
  UNSTABLE_FLAGS,
  V8_FLAGS,
} from "../../scripts/flags.ts";
import { selectTargets } from "../../scripts/compile.ts";
import { COMMANDS } from "../../src/cli/registry.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const MAIN = `${ROOT}main.ts`;
const decoder = new TextDecoder();

/**
 * The Deno cache of this test process. Tests give samuel a private HOME; without this, Deno would look
 * for its cache under that HOME and try to download the npm packages again (slow, or failing offline).
 */
const DENO_DIR = await (async () => {
  const out = await new Deno.Command(Deno.execPath(), { args: ["info", "--json"], stdout: "piped" }).output();
  return JSON.parse(new TextDecoder().decode(out.stdout)).denoDir as string;
})();

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  // deno-lint-ignore no-explicit-any
  json?: any;
}

/** Runs `samuel args` with exactly `flags` (nothing from deno.json) in `cwd`. */
async function samuel(
  flags: readonly string[],
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<Run> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-q", "--no-config", ...lockArgs(), ...flags, MAIN, ...args],
    cwd: opts.cwd,
    env: { NO_COLOR: "1", DENO_DIR, ...HERMETIC_ENV, ...opts.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const run: Run = { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
  if (args.includes("--json")) {
    try {
      run.json = JSON.parse(run.stdout);
    } catch {
      // Left undefined; the assertion shows stdout.
    }
  }
  return run;
}

/**
 * `--no-config` drops deno.json, and with it the import map that today maps bare specifiers such as
 * `smol-toml`; until every import is pinned inline (scripts/check-imports.ts), hand the same map over
 * with `--import-map` so the test measures permissions, not import resolution. The lock file keeps the
 * npm versions exact.
 */
function lockArgs(): string[] {
  return ["--import-map", `${ROOT}deno.json`, "--lock", `${ROOT}deno.lock`];
}

/** Fails when a run reports a Deno permission or unstable-flag error (whatever its exit code). */
function assertNoPermissionError(r: Run, args: string[]): void {
  const text = r.stdout + r.stderr;
  for (const sign of ["NotCapable", "run again with the --allow", "--unstable-", "Requires "]) {
    assert(!text.includes(sign), `samuel ${args.join(" ")} hit a missing grant (${sign}):\n${text}`);
  }
}

function without(flag: string): string[] {
  const rest = RUN_FLAGS.filter((f) => f !== flag);
  assertEquals(rest.length, RUN_FLAGS.length - 1, `${flag} is one of the shipped flags`);
  return rest;
}

const HELLO_WAT = `(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $e (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "\\10\\00\\00\\00\\06\\00\\00\\00")
  (data (i32.const 16) "hello\\n")
  (func (export "_start") (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
)`;

/** A reactor plugin whose `lint` writes a JSON line to stdout. */
const PLUGIN_WAT = `(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "\\10\\00\\00\\00\\0c\\00\\00\\00")
  (data (i32.const 16) "{\\"ok\\":true}\\n")
  (func (export "_initialize"))
  (func (export "lint") (result i32)
    (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    i32.const 0)
)`;

function manifest(name: string, extra = ""): string {
  return `name = "${name}"
version = "0.1.0"
kind = "wasm"
summary = "permission test plugin"
[samuel]
framework = "*"
protocol = "^1.0.0"
[wasm]
module = "plugin.wasm"
exports = ["lint"]
[capabilities]
env = ["HOME"]
[capabilities.filesystem]
read = ["/workspace"]
write = ["/workspace/out"]
${extra}`;
}

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "samuel-dist-perm-" });
}

Deno.test("every copy of the flags equals scripts/flags.ts, and none is -A", async () => {
  const deno = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  assertEquals(deno.tasks.samuel, SAMUEL_TASK);
  assertEquals(deno.tasks.compile, COMPILE_TASK);
  assertEquals(CLI_RUN_FLAGS, [...RUN_FLAGS]);
  assertEquals(SAMUEL_FLAGS, [...RUN_FLAGS]);
  assertEquals(RUN_FLAGS, [...PERMISSION_FLAGS, ...UNSTABLE_FLAGS, ...ENGINE_FLAGS]);
  // V8 flags change how the engine compiles, never what the process may do.
  for (const f of V8_FLAGS) assert(["--experimental-wasm-compilation-hints", "--no-lazy"].includes(f), f);
  for (const f of RUN_FLAGS) {
    assert(!["-A", "--allow-all", "--allow-run", "--allow-ffi"].includes(f), `${f} must not be shipped`);
    assert(!f.startsWith("--allow-run") && !f.startsWith("--allow-ffi"), `${f} must not be shipped`);
  }
  // The workspace-wide `unstable` list in deno.json is not seen by a compiled binary or a URL run: every
  // unstable feature it names must be in the shipped flags too.
  for (const feature of deno.unstable ?? []) {
    assert(UNSTABLE_FLAGS.includes(`--unstable-${feature}`), `--unstable-${feature} is shipped`);
  }
});

Deno.test("deno compile gets the shipped flags, the sandbox worker and one output per target", () => {
  assertEquals(COMPILE_TARGETS.map((t) => t.triple).sort(), [
    "aarch64-apple-darwin",
    "aarch64-unknown-linux-gnu",
    "x86_64-apple-darwin",
    "x86_64-pc-windows-msvc",
    "x86_64-unknown-linux-gnu",
  ]);
  assertEquals(new Set(COMPILE_TARGETS.map((t) => t.asset)).size, 5);
  assert(COMPILE_TARGETS.every((t) => t.asset.endsWith(".exe") === (t.os === "windows")));
  for (const t of COMPILE_TARGETS) {
    const args = compileArgs(t);
    assertEquals(args[0], "compile");
    assertEquals(args.at(-1), COMPILE_ENTRY);
    const flags = args.filter((a) =>
      a.startsWith("--allow") || a.startsWith("--unstable") || a === "--no-prompt" ||
      a.startsWith("--v8-flags")
    );
    // Windows has no single root to narrow from: its binary holds the global read/write grants (and so
    // always uses the Worker wall); every other target gets exactly the shipped flags.
    const expected = t.os === "windows"
      ? RUN_FLAGS.map((f) => f.replace(/^(--allow-(read|write))=\/$/, "$1"))
      : [...RUN_FLAGS];
    assertEquals(flags, expected);
    assert(!args.includes("-A"));
    assertEquals(args[args.indexOf("--target") + 1], t.triple);
    assertEquals(args[args.indexOf("--output") + 1], `dist/${t.asset}`);
    for (const inc of COMPILE_INCLUDES) assertEquals(args[args.indexOf(inc) - 1], "--include");
  }
  assertEquals(selectTargets([]).length, 5);
  assertEquals(selectTargets(["samuel-linux-arm64"]).map((t) => t.triple), ["aarch64-unknown-linux-gnu"]);
  let threw = false;
  try {
    selectTargets(["riscv"]);
  } catch (e) {
    threw = true;
    assertStringIncludes((e as Error).message, "unknown target");
  }
  assert(threw);
});

Deno.test("the compiled bundle holds its entry, the sandbox Worker the sandbox starts, and every command", async () => {
  const out = await Deno.makeTempDir({ prefix: "samuel-bundle-" });
  try {
    const written = await buildBundle(out);
    assertEquals(COMPILE_INCLUDES, [`${BUNDLE_DIR}/`]);
    assertEquals(COMPILE_ENTRY, `${BUNDLE_DIR}/bundle_main.js`);
    assert(written.includes("bundle_main.js"));
    assert(written.includes("runtime/sandbox_worker.js"));
    for (const f of Deno.readDirSync(`${ROOT}src/cli/commands`)) {
      if (f.name.endsWith(".ts")) {
        assert(written.includes(`cli/commands/${f.name.replace(/\.ts$/, ".js")}`), f.name);
      }
    }
    const sandbox = await Deno.readTextFile(`${ROOT}src/runtime/sandbox.ts`);
    assertStringIncludes(sandbox, `new Worker(codeUrl("runtime/sandbox_worker")`);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("real commands succeed under exactly the shipped flags (no -A, no deno.json)", async () => {
  const tmp = await tempDir();
  try {
    const project = `${tmp}/project`;
    const home = `${tmp}/home`;
    const plugin = `${tmp}/plugin`;
    await Deno.mkdir(project);
    await Deno.mkdir(`${project}/out`);
    await Deno.mkdir(plugin);
    const env = { SAMUEL_HOME: home, HOME: tmp };

    let r = await samuel(RUN_FLAGS, ["version", "--json"], { env });
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.json?.ok, true);

    r = await samuel(RUN_FLAGS, ["init", "--json"], { cwd: project, env });
    assertEquals(r.code, 0, r.stderr);
    await Deno.stat(`${project}/samuel.toml`);

    await Deno.writeFile(`${plugin}/plugin.wasm`, await wat2wasm(PLUGIN_WAT));
    await Deno.writeTextFile(`${plugin}/samuel-plugin.toml`, manifest("permcheck"));
    r = await samuel(RUN_FLAGS, ["plugin", "validate", plugin, "--json"], { env });
    assertEquals(r.code, 0, r.stdout + r.stderr);

    await Deno.writeFile(`${tmp}/hello.wasm`, await wat2wasm(HELLO_WAT));
    r = await samuel(
      RUN_FLAGS,
      ["plugin", "exec", "--dir-ro", `${project}::/workspace`, `${tmp}/hello.wasm`],
      {
        env,
      },
    );
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.stdout, "hello\n");

    r = await samuel(RUN_FLAGS, ["install", `file://${plugin}`, "--allow-unsigned", "--yes", "--json"], {
      cwd: project,
      env,
    });
    assertEquals(r.code, 0, r.stdout + r.stderr);
    assertStringIncludes(await Deno.readTextFile(`${project}/samuel.lock`), "permcheck");

    // `run` starts the sandbox Worker with narrowed permissions: it can only narrow what the process holds.
    r = await samuel(RUN_FLAGS, ["run", "permcheck", "lint", "--json"], { cwd: project, env });
    assertEquals(r.code, 0, r.stdout + r.stderr);
    assertEquals(r.json?.ok, true);
    assertStringIncludes(JSON.stringify(r.json?.data), "ok");

    // Reinstalling from the lock (what CI and the GitHub Action do) takes the project lock (host name).
    await Deno.remove(`${project}/.samuel`, { recursive: true });
    r = await samuel(RUN_FLAGS, ["install", "--frozen", "--json"], { cwd: project, env });
    assertEquals(r.code, 0, r.stdout + r.stderr);
    r = await samuel(RUN_FLAGS, ["run", "--all", "lint", "--json"], { cwd: project, env });
    assertEquals(r.code, 0, r.stdout + r.stderr);

    // Every other command, as a user would run it: none may hit a Deno permission it was not granted.
    // (`search` is left out: the default samuel.toml names a registry on the internet.)
    const others: [string[], string][] = [
      [["ls", "--json"], project],
      [["info", "permcheck", "--json"], project],
      [["doctor", "--json"], project],
      [["plugin", "bench", plugin, "-n", "2", "--json"], tmp],
      [["new", "plugin", "--kind=wasm", "--name=scaffolded", "--dir", `${tmp}/scaffolded`, "--json"], tmp],
      [["completions", "bash"], tmp],
      [["update", "--dry-run", "--yes", "--allow-unsigned", "--json"], project],
      [["uninstall", "permcheck", "--json"], project],
    ];
    for (const [args, cwd] of others) {
      r = await samuel(RUN_FLAGS, args, { cwd, env });
      assertNoPermissionError(r, args);
      assert(r.code === 0 || r.json?.ok === false, `${args.join(" ")}: ${r.stderr}`);
    }
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("a signed install from a GitHub release verifies under exactly the shipped flags", async () => {
  await using gh = await FakeGitHub.start();
  await using sigstore = await startMockSigstore();
  const tmp = await tempDir();
  try {
    const project = `${tmp}/project`;
    await Deno.mkdir(project);
    const env = { ...gh.env, SAMUEL_HOME: `${tmp}/home`, HOME: tmp };
    const bytes = await wat2wasm(PLUGIN_WAT);
    gh.release("acme", "permcheck", "v0.1.0", {
      "samuel-plugin.toml": manifest("permcheck"),
      "plugin.wasm": bytes as Uint8Array<ArrayBuffer>,
      "plugin.wasm.bundle": await sigstore.sign(bytes, {
        san: "https://github.com/acme/permcheck/.github/workflows/release.yml@refs/tags/v0.1.0",
      }),
    });
    await Deno.writeTextFile(`${tmp}/trusted_root.json`, JSON.stringify(sigstore.trustedRoot));
    let r = await samuel(RUN_FLAGS, ["init"], { cwd: project, env });
    assertEquals(r.code, 0, r.stderr);
    const install = [
      "install",
      "acme/permcheck@v0.1.0",
      "--yes",
      "--trusted-root",
      `${tmp}/trusted_root.json`,
    ];
    // Negative control for --allow-net: the same install without it fails and writes no lock.
    r = await samuel(without("--allow-net"), install, { cwd: project, env });
    assert(r.code !== 0, "install from GitHub must fail without --allow-net");
    assertStringIncludes(r.stdout + r.stderr, "--allow-net");
    await Deno.stat(`${project}/samuel.lock`).then(() => assert(false, "no lock may be written"), () => {});
    r = await samuel(RUN_FLAGS, [...install, "--json"], { cwd: project, env });
    assertEquals(r.code, 0, r.stdout + r.stderr);
    assertStringIncludes(await Deno.readTextFile(`${project}/samuel.lock`), "sigstore");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

/**
 * Commands the tests above run under the shipped flags. A new command must be added there (and here),
 * or the binary could ship needing a grant nobody checked.
 */
const EXERCISED = [
  "version",
  "init",
  "plugin validate",
  "plugin exec",
  "install",
  "run",
  "ls",
  "info",
  "doctor",
  "plugin bench",
  "new plugin",
  "completions",
  "update",
  "uninstall",
];
/** Left out, with the reason. */
const NOT_EXERCISED: Record<string, string> = {
  search: "the default samuel.toml names a registry on the internet; tests stay on 127.0.0.1",
};

Deno.test("every command in the table is run under the shipped flags (or listed with a reason)", () => {
  const all = COMMANDS.map((c) => c.path.join(" ")).sort();
  assertEquals([...EXERCISED, ...Object.keys(NOT_EXERCISED)].sort(), all);
});

Deno.test("negative controls: without one shipped flag, a command that needs it fails", async (t) => {
  const tmp = await tempDir();
  try {
    const env = { SAMUEL_HOME: `${tmp}/home`, HOME: tmp };
    await Deno.writeFile(`${tmp}/hello.wasm`, await wat2wasm(HELLO_WAT));

    await t.step("--allow-write=/: init cannot write samuel.toml", async () => {
      const project = `${tmp}/no-write`;
      await Deno.mkdir(project);
      const r = await samuel(without("--allow-write=/"), ["init"], { cwd: project, env });
      assert(r.code !== 0, "init must fail without --allow-write");
      assertStringIncludes(r.stderr, "--allow-write");
      await Deno.stat(`${project}/samuel.toml`).then(
        () => assert(false, "samuel.toml must not exist"),
        () => {},
      );
      // The same command with every flag works: the failure is the missing grant, nothing else.
      assertEquals((await samuel(RUN_FLAGS, ["init"], { cwd: project, env })).code, 0);
    });

    await t.step("--allow-read=/: plugin exec cannot read the module", async () => {
      const r = await samuel(without("--allow-read=/"), ["plugin", "exec", `${tmp}/hello.wasm`], { env });
      assert(r.code !== 0, "plugin exec must fail without --allow-read");
      assertStringIncludes(r.stderr, "--allow-read");
    });

    await t.step("--unstable-worker-options: run cannot start the sandbox Worker", async () => {
      // A plugin granted a network host runs behind the Worker wall (a process cannot narrow --allow-net
      // to a host list), and that Worker needs the unstable option.
      const project = `${tmp}/no-unstable`;
      const plugin = `${tmp}/plugin-u`;
      await Deno.mkdir(`${project}/out`, { recursive: true });
      await Deno.mkdir(plugin);
      await Deno.writeFile(`${plugin}/plugin.wasm`, await wat2wasm(PLUGIN_WAT));
      await Deno.writeTextFile(
        `${plugin}/samuel-plugin.toml`,
        manifest("permcheck", `[capabilities.network]\nhosts = ["api.example.com"]\n`),
      );
      assertEquals((await samuel(RUN_FLAGS, ["init"], { cwd: project, env })).code, 0);
      const inst = await samuel(RUN_FLAGS, ["install", `file://${plugin}`, "--allow-unsigned", "--yes"], {
        cwd: project,
        env,
      });
      assertEquals(inst.code, 0, inst.stderr);
      const ok = await samuel(RUN_FLAGS, ["run", "permcheck", "lint", "--json"], { cwd: project, env });
      assertEquals(ok.code, 0, ok.stderr);
      assertEquals(ok.json.data.timings.wall, "worker");
      const r = await samuel(without("--unstable-worker-options"), ["run", "permcheck", "lint"], {
        cwd: project,
        env,
      });
      assert(r.code !== 0, "run must fail without --unstable-worker-options");
      assertStringIncludes(r.stderr, "--unstable-worker-options");
    });

    await t.step("--allow-env: run cannot pass the granted HOME to the plugin", async () => {
      const r = await samuel(without("--allow-env"), ["run", "permcheck", "lint"], {
        cwd: `${tmp}/no-unstable`,
        env,
      });
      assert(r.code !== 0, "run must fail without --allow-env");
      assertStringIncludes(r.stderr, "--allow-env");
    });
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
