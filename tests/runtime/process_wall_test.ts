/**
 * Issue 12, the process wall, through the real CLI: a one-shot `samuel run` of a plugin without network
 * grants narrows its own process to the plugin's grants before instantiating the guest. A preload module
 * (_wall_probe_preload.ts) looks inside the CLI's own isolate at that moment and calls Deno APIs
 * directly, as a bug in our WASI host would: every read, write, listing and stat outside the grants, every
 * environment variable, socket, subprocess, FFI library and outside `import()` must be refused
 * (`NotCapable`), while the granted reads and writes work. Also: which wall is used when (network grants
 * and processes that cannot narrow get the Worker, `run --all` narrows once for identical grants), and
 * that the guest still runs correctly behind each.
 */

import { assert, assertEquals, assertStringIncludes } from "../support/assert.ts";
import { HERMETIC_ENV, MAIN, RUN_FLAGS } from "../support/cli.ts";
import { isRefusal, type WallAttempt, type WallOutcome } from "./_wall_attempts.ts";
import { Project, wat2wasm } from "./_helpers.ts";

const PRELOAD = new URL("./_wall_probe_preload.ts", import.meta.url).pathname;
const decoder = new TextDecoder();

/** A reactor whose `lint` writes `{"ok":true}` and returns 0. */
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

interface ProbeRun {
  code: number;
  stdout: string;
  stderr: string;
  // deno-lint-ignore no-explicit-any
  json: any;
  /** The outcomes the preload saw inside the CLI's isolate, when the guest was instantiated there. */
  probe?: WallOutcome[];
}

/** `samuel <args> --json` with the probe preloaded, under `flags` (default: the shipped ones). */
async function probed(
  p: Project,
  args: string[],
  attempts: WallAttempt[],
  flags: readonly string[] = RUN_FLAGS,
): Promise<ProbeRun> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-q", "--preload", PRELOAD, ...flags, MAIN, ...args, "--json"],
    cwd: p.root,
    env: {
      NO_COLOR: "1",
      ...HERMETIC_ENV,
      SAMUEL_HOME: p.home,
      HOME: p.base,
      WALL_PROBE_ATTEMPTS: JSON.stringify(attempts),
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = decoder.decode(out.stdout);
  const stderr = decoder.decode(out.stderr);
  const line = stderr.split("\n").find((l) => l.startsWith("WALL-PROBE "));
  return {
    code: out.code,
    stdout,
    stderr,
    json: JSON.parse(stdout),
    probe: line ? JSON.parse(line.slice("WALL-PROBE ".length)) : undefined,
  };
}

/** Everything a bug in the host could try from inside the isolate, against this project's layout. */
function attemptsFor(p: Project, port: number): WallAttempt[] {
  const root = p.root;
  return [
    // Controls: what the grants allow (the plugin reads /workspace and writes /workspace/out).
    { name: "read granted", op: "read", path: `${root}/ro.txt` },
    { name: "write granted", op: "write", path: `${root}/out/ok.txt` },
    // Refusals: samuel's own files are out of reach once the wall is up.
    { name: "read SAMUEL_HOME", op: "readDir", path: p.home },
    { name: "read /etc/passwd", op: "read", path: "/etc/passwd" },
    { name: "read outside", op: "read", path: `${p.outside}/secret.txt` },
    { name: "read via ..", op: "read", path: `${root}/../outside/secret.txt` },
    { name: "read via out/../..", op: "read", path: `${root}/out/../../outside/secret.txt` },
    { name: "stat outside", op: "stat", path: `${p.outside}/secret.txt` },
    { name: "list parent", op: "readDir", path: p.base },
    { name: "write read-only", op: "write", path: `${root}/ro.txt` },
    { name: "append read-only", op: "append", path: `${root}/ro.txt` },
    { name: "create in read-only", op: "write", path: `${root}/new.txt` },
    { name: "mkdir in read-only", op: "mkdir", path: `${root}/newdir` },
    { name: "remove read-only", op: "remove", path: `${root}/ro.txt` },
    { name: "rename out of read-only", op: "rename", path: `${root}/ro.txt`, to: `${root}/out/stolen.txt` },
    { name: "write outside", op: "write", path: `${p.outside}/escaped.txt` },
    { name: "write via ..", op: "write", path: `${root}/out/../escaped.txt` },
    { name: "symlink to /etc/passwd", op: "symlink", path: `${root}/out/pw`, to: "/etc/passwd" },
    { name: "fetch 127.0.0.1", op: "fetch", url: `http://127.0.0.1:${port}/` },
    { name: "fetch localhost", op: "fetch", url: `http://localhost:${port}/` },
    { name: "connect 127.0.0.1", op: "connect", port },
    { name: "env get", op: "env" },
    { name: "env object", op: "envObject" },
    { name: "command", op: "command" },
    { name: "ffi", op: "dlopen" },
    { name: "import outside", op: "import", path: `file://${p.outside}/evil.ts` },
    { name: "hostname", op: "hostname" },
  ];
}

/** A project with the `wall` plugin installed (read /workspace, write /workspace/out, env HOME). */
async function wallProject(hosts: string[] = []): Promise<Project> {
  const p = await Project.create();
  await Deno.mkdir(`${p.root}/out`);
  await Deno.writeTextFile(`${p.root}/ro.txt`, "original");
  await Deno.writeTextFile(`${p.outside}/evil.ts`, "globalThis.evil = true;");
  await p.installOk(await wat2wasm(PLUGIN_WAT), {
    name: "wall",
    exports: ["lint"],
    read: ["/workspace"],
    write: ["/workspace/out"],
    env: ["HOME"],
    hosts,
  });
  return p;
}

function serve(hits: string[]): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    hits.push(req.url);
    return new Response("SERVER-SECRET");
  });
}

/** The grants work, everything else is refused, nothing leaked or was written. */
async function assertWalled(p: Project, probe: WallOutcome[] | undefined, hits: string[]): Promise<void> {
  assert(probe !== undefined, "the guest was not instantiated in the CLI's own isolate");
  const byName = Object.fromEntries(probe.map((r) => [r.name, r]));
  assertEquals(byName["read granted"].result, "ok:original");
  assertEquals(byName["write granted"].result, "ok");
  const wrong = probe.filter((r) => !r.name.endsWith("granted") && !isRefusal(r));
  assertEquals(wrong, [], "every attempt outside the grants must be refused");
  for (const r of probe) {
    assert(!r.result.includes("SECRET"), `${r.name} leaked: ${r.result}`);
    assert(!(r.detail ?? "").includes(p.secret), `${r.name} leaked the secret`);
  }
  assertEquals(hits, [], "the server saw a request");
  assertEquals(await Deno.readTextFile(`${p.root}/ro.txt`), "original");
  for (
    const f of [`${p.root}/new.txt`, `${p.root}/newdir`, `${p.root}/escaped.txt`, `${p.outside}/escaped.txt`]
  ) {
    assert(!(await Deno.lstat(f).then(() => true, () => false)), `${f} exists`);
  }
}

Deno.test("process wall: after narrowing, the CLI's own isolate cannot reach past the grants", async () => {
  await using p = await wallProject();
  const hits: string[] = [];
  const server = serve(hits);
  try {
    const r = await probed(p, ["run", "wall", "lint"], attemptsFor(p, server.addr.port));
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.json.data.outcome, "ok");
    assertEquals(r.json.data.output, { ok: true });
    assertEquals(r.json.data.timings.wall, "process");
    await assertWalled(p, r.probe, hits);
  } finally {
    await server.shutdown();
  }
});

Deno.test("process wall: run --all with identical grants narrows once and runs every plugin in-process", async () => {
  await using p = await wallProject();
  await p.installOk(await wat2wasm(PLUGIN_WAT), {
    name: "wall-two",
    exports: ["lint"],
    read: ["/workspace"],
    write: ["/workspace/out"],
  });
  const hits: string[] = [];
  const server = serve(hits);
  try {
    const r = await probed(p, ["run", "--all", "lint"], attemptsFor(p, server.addr.port));
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.json.data.wall, "process");
    assertEquals(r.json.data.summary, { ok: 2, failed: 0, timed_out: 0 });
    assertEquals(r.json.data.results.map((x: { timings: { wall: string } }) => x.timings.wall), [
      "process",
      "process",
    ]);
    await assertWalled(p, r.probe, hits);
  } finally {
    await server.shutdown();
  }
});

Deno.test("process wall: run --all with different grants keeps one Worker per permission set", async () => {
  await using p = await wallProject();
  await p.installOk(await wat2wasm(PLUGIN_WAT), { name: "ro-only", exports: ["lint"], read: ["/workspace"] });
  const r = await probed(p, ["run", "--all", "lint"], []);
  assertEquals(r.code, 0, r.stderr);
  assertEquals(r.json.data.wall, "worker");
  assertEquals(r.json.data.summary.ok, 2);
  assertEquals(r.probe, undefined, "no guest may run in a process that was not narrowed");
});

Deno.test("worker wall: a plugin granted network hosts runs in a sandbox Worker, not in the process", async () => {
  await using p = await wallProject(["api.example.com"]);
  const r = await probed(p, ["run", "wall", "lint"], []);
  assertEquals(r.code, 0, r.stderr);
  assertEquals(r.json.data.timings.wall, "worker");
  assertEquals(r.json.data.output, { ok: true });
  assertEquals(r.probe, undefined, "the guest was instantiated in the unnarrowed main isolate");
});

for (
  const [what, flags] of [
    ["-A", ["-A"]],
    ["the bare --allow-read/--allow-write", RUN_FLAGS.map((f) => f.replace(/=\/$/, ""))],
  ] as const
) {
  Deno.test(`fallback: a process started with ${what} cannot narrow, so the guest runs in a Worker`, async () => {
    await using p = await wallProject();
    const r = await probed(p, ["run", "wall", "lint", "--verbose"], [], flags);
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.json.data.timings.wall, "worker");
    assertEquals(r.json.data.output, { ok: true });
    assertEquals(r.probe, undefined, "the guest ran in an isolate wider than its grants");
  });
}

Deno.test("--verbose says which wall the guest ran behind, and why it was a Worker", async () => {
  await using p = await wallProject();
  const narrowed = await p.cli(["run", "wall", "lint", "--verbose"]);
  assertEquals(narrowed.code, 0, narrowed.stderr);
  assertStringIncludes(narrowed.stderr, "outer wall: this process, narrowed to read");
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-q", "-A", MAIN, "run", "wall", "lint", "--verbose"],
    cwd: p.root,
    env: { NO_COLOR: "1", ...HERMETIC_ENV, SAMUEL_HOME: p.home },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(out.code, 0);
  assertStringIncludes(
    decoder.decode(out.stderr),
    "outer wall: a sandbox Worker (the process holds a global",
  );
});
