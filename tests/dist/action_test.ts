/**
 * action.yml, the composite GitHub Action: its metadata satisfies the action schema's required parts
 * (name, description, `runs.using: composite`, `shell` on every `run` step, described inputs, outputs
 * with a `value`), its defaults agree with the rest of the repository (release version, repository,
 * Deno pin), inputs never get spliced into script text, every script parses, and the steps work: a small
 * stand-in for the Actions runner executes them in order against a local release server (install.sh
 * downloads and verifies a `samuel` that runs this tree), reinstalls a project from samuel.lock, runs a
 * plugin and reads the multi-line `result` output and the exit code, for success, a failing run and the
 * from-source mode. Steps that `uses:` other actions (cache, setup-deno) are skipped there.
 */

import { parse } from "yaml";
import { assert, assertEquals, assertStringIncludes } from "../support/assert.ts";
import { HERMETIC_ENV, runCli } from "../support/cli.ts";
import { RUN_FLAGS } from "../../scripts/flags.ts";
import { DENO_PIN, VERSION } from "../../src/version.ts";
import { needs } from "../support/needs.ts";

const ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
const decoder = new TextDecoder();
const encoder = new TextEncoder();

interface Step {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  shell?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
  "working-directory"?: string;
}

interface Action {
  name: string;
  description: string;
  inputs: Record<string, { description?: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description?: string; value?: string }>;
  runs: { using: string; steps: Step[] };
}

const action = parse(await Deno.readTextFile(`${ROOT}/action.yml`)) as Action;

Deno.test("action.yml has the action schema's required fields for a composite action", () => {
  assert(typeof action.name === "string" && action.name.length > 0, "name");
  assert(typeof action.description === "string" && action.description.length > 0, "description");
  assertEquals(action.runs.using, "composite");
  assert(Array.isArray(action.runs.steps) && action.runs.steps.length > 0, "runs.steps");
  for (const [name, input] of Object.entries(action.inputs)) {
    assert(
      typeof input.description === "string" && input.description.length > 0,
      `input ${name}: description`,
    );
    if (input.default !== undefined) assertEquals(typeof input.default, "string", `input ${name}: default`);
  }
  for (const [name, output] of Object.entries(action.outputs)) {
    assert(typeof output.description === "string" && output.description.length > 0, `output ${name}`);
    assert(typeof output.value === "string" && output.value.includes("${{"), `output ${name}: value`);
  }
  const ids = new Set<string>();
  for (const step of action.runs.steps) {
    assert((step.run === undefined) !== (step.uses === undefined), `${step.name}: exactly one of run/uses`);
    if (step.run !== undefined) assert(typeof step.shell === "string", `${step.name}: run needs shell`);
    if (step.uses !== undefined) {
      assert(step.shell === undefined, `${step.name}: uses takes no shell`);
      assert(/^[\w.-]+\/[\w.-]+@v\d+$/.test(step.uses), `${step.name}: ${step.uses} pinned to a major`);
    }
    if (step.id) {
      assert(!ids.has(step.id), `duplicate id ${step.id}`);
      ids.add(step.id);
    }
  }
  // Every `steps.X.outputs` the action refers to names a step that exists.
  const text = JSON.stringify(action);
  for (const m of text.matchAll(/steps\.([\w-]+)\.outputs/g)) assert(ids.has(m[1]), `step id ${m[1]}`);
});

Deno.test("action.yml: inputs and outputs the README promises, defaults in step with the repository", async () => {
  for (const i of ["version", "run", "working-directory", "from-source", "cache", "repository"]) {
    assert(i in action.inputs, `input ${i}`);
  }
  for (const o of ["result", "exit-code"]) assert(o in action.outputs, `output ${o}`);
  assertEquals(action.inputs.version.default, `v${VERSION}`);
  const installSh = await Deno.readTextFile(`${ROOT}/install.sh`);
  assertEquals(action.inputs.repository.default, /DEFAULT_REPO="([^"]+)"/.exec(installSh)?.[1]);
  const setupDeno = action.runs.steps.find((s) => s.uses?.startsWith("denoland/setup-deno@"));
  assertEquals(setupDeno?.with?.["deno-version"], DENO_PIN);
  const cache = action.runs.steps.find((s) => s.uses?.startsWith("actions/cache@"));
  assertStringIncludes(cache?.with?.path ?? "", "steps.setup.outputs.home");
  assertStringIncludes(cache?.with?.key ?? "", "samuel.lock");
  const install = action.runs.steps.find((s) => s.run?.includes("install --frozen"));
  assert(install, "a step runs samuel install --frozen");
  const run = action.runs.steps.find((s) => s.id === "run");
  assertStringIncludes(run?.run ?? "", "--json");
  assertStringIncludes(run?.run ?? "", 'exit "$code"');
});

Deno.test("action.yml: no input is spliced into script text; every script parses", async () => {
  for (const step of action.runs.steps) {
    if (step.run === undefined) continue;
    assert(!step.run.includes("${{"), `${step.name}: expressions go through env, not the script`);
    const out = await new Deno.Command("bash", { args: ["-n", "-c", step.run], stderr: "piped" }).output();
    assertEquals(out.code, 0, `${step.name}: ${decoder.decode(out.stderr)}`);
  }
});

// --- a small stand-in for the Actions runner -------------------------------------------------------

interface Context {
  inputs: Record<string, string>;
  steps: Record<string, Record<string, string>>;
  github: Record<string, string>;
  runner: Record<string, string>;
}

/** Evaluates the expression forms action.yml uses: `a.b.c`, `x == 'y'`, `x != 'y'`. */
function evaluate(expr: string, ctx: Context): string | boolean {
  const cmp = /^(.+?)\s*(==|!=)\s*'([^']*)'$/.exec(expr.trim());
  if (cmp) {
    const left = String(evaluate(cmp[1], ctx));
    return cmp[2] === "==" ? left === cmp[3] : left !== cmp[3];
  }
  const parts = expr.trim().split(".");
  // deno-lint-ignore no-explicit-any
  let value: any = ctx;
  for (const p of parts) value = value?.[p];
  return value ?? "";
}

function interpolate(text: string, ctx: Context): string {
  return text.replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_, e) => String(evaluate(e, ctx)));
}

/** Parses a GITHUB_OUTPUT / GITHUB_ENV file (`k=v` and `k<<DELIM … DELIM`). */
function parseCommandFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([\w-]+)<<(.+)$/.exec(lines[i]);
    if (heredoc) {
      const body: string[] = [];
      while (++i < lines.length && lines[i] !== heredoc[2]) body.push(lines[i]);
      out[heredoc[1]] = body.join("\n");
    } else if (lines[i].includes("=")) {
      const at = lines[i].indexOf("=");
      out[lines[i].slice(0, at)] = lines[i].slice(at + 1);
    }
  }
  return out;
}

interface ActionRun {
  /** Exit code of the first failing step (0 when all passed). */
  code: number;
  outputs: Record<string, string>;
  log: string;
  ran: string[];
}

async function runAction(inputs: Record<string, string>, env: Record<string, string>): Promise<ActionRun> {
  const work = await Deno.makeTempDir({ prefix: "samuel-action-runner-" });
  const ctx: Context = {
    inputs: Object.fromEntries(
      Object.entries(action.inputs).map(([k, v]) => [k, inputs[k] ?? v.default ?? ""]),
    ),
    steps: {},
    github: { action_path: ROOT, workspace: env.GITHUB_WORKSPACE },
    runner: { os: "Linux", arch: Deno.build.arch === "aarch64" ? "ARM64" : "X64", temp: `${work}/tmp` },
  };
  await Deno.mkdir(`${work}/tmp`);
  const files = { GITHUB_ENV: `${work}/env`, GITHUB_PATH: `${work}/path` };
  await Deno.writeTextFile(files.GITHUB_ENV, "");
  await Deno.writeTextFile(files.GITHUB_PATH, "");
  const ran: string[] = [];
  let log = "";
  try {
    for (const [n, step] of action.runs.steps.entries()) {
      if (step.if !== undefined && evaluate(step.if, ctx) !== true) continue;
      if (step.uses !== undefined) continue; // cache, setup-deno: GitHub's own actions, not ours to test
      ran.push(step.name ?? `step ${n}`);
      const outputFile = `${work}/output-${n}`;
      await Deno.writeTextFile(outputFile, "");
      const extraPath = (await Deno.readTextFile(files.GITHUB_PATH)).split("\n").filter((x) => x).reverse();
      const stepEnv: Record<string, string> = {
        ...env,
        ...parseCommandFile(await Deno.readTextFile(files.GITHUB_ENV)),
        RUNNER_OS: ctx.runner.os,
        RUNNER_ARCH: ctx.runner.arch,
        RUNNER_TEMP: ctx.runner.temp,
        GITHUB_OUTPUT: outputFile,
        ...files,
        PATH: [...extraPath, env.PATH].join(":"),
      };
      for (const [k, v] of Object.entries(step.env ?? {})) stepEnv[k] = interpolate(String(v), ctx);
      const cwd = step["working-directory"]
        ? `${env.GITHUB_WORKSPACE}/${interpolate(step["working-directory"], ctx)}`
        : env.GITHUB_WORKSPACE;
      // The runner's `shell: bash` is `bash --noprofile --norc -eo pipefail {0}`.
      await Deno.writeTextFile(`${work}/step.sh`, step.run!);
      const out = await new Deno.Command("bash", {
        args: ["--noprofile", "--norc", "-eo", "pipefail", `${work}/step.sh`],
        cwd,
        env: stepEnv,
        clearEnv: true,
        stdout: "piped",
        stderr: "piped",
      }).output();
      log += `--- ${step.name}\n${decoder.decode(out.stdout)}${decoder.decode(out.stderr)}`;
      if (step.id) {
        ctx.steps[step.id] = { outputs: parseCommandFile(await Deno.readTextFile(outputFile)) } as never;
      }
      if (out.code !== 0) return { code: out.code, outputs: actionOutputs(ctx), log, ran };
    }
    return { code: 0, outputs: actionOutputs(ctx), log, ran };
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

function actionOutputs(ctx: Context): Record<string, string> {
  return Object.fromEntries(Object.entries(action.outputs).map(([k, v]) => [k, interpolate(v.value!, ctx)]));
}

/** The Deno cache folder this test process uses. */
async function denoDir(): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), { args: ["info", "--json"], stdout: "piped" }).output();
  return JSON.parse(decoder.decode(out.stdout)).denoDir;
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

Deno.test({
  ...needs(
    "action.yml steps run: binary verified and installed, plugins from samuel.lock, result output",
    Deno.build.os === "windows" && "POSIX shell steps, not run on Windows",
  ),
  async fn(t) {
    const tmp = await Deno.makeTempDir({ prefix: "samuel-action-" });
    try {
      // A release whose "binary" runs this tree with the shipped flags.
      const target = `linux-${Deno.build.arch === "aarch64" ? "arm64" : "x64"}`;
      const binary = encoder.encode(
        `#!/bin/sh\nexec '${Deno.execPath()}' run -q ${RUN_FLAGS.join(" ")} '${ROOT}/main.ts' "$@"\n`,
      );
      const files: Record<string, Uint8Array> = {
        [`/v${VERSION}/samuel-${target}`]: binary,
        [`/v${VERSION}/SHA256SUMS`]: encoder.encode(`${await sha256Hex(binary)}  samuel-${target}\n`),
      };
      await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
        const body = files[new URL(req.url).pathname];
        return body
          ? new Response(body as Uint8Array<ArrayBuffer>)
          : new Response("Not Found", { status: 404 });
      });

      // A checked-out repository: samuel.toml + samuel.lock committed, .samuel/ absent (git-ignored).
      const workspace = `${tmp}/workspace`;
      const project = `${workspace}/app`;
      const home = `${tmp}/home`;
      await Deno.mkdir(`${project}/smoke-plugin`, { recursive: true });
      await Deno.copyFile(
        `${ROOT}/tests/fixtures/prebuilt/smoke_plugin.wasm`,
        `${project}/smoke-plugin/plugin.wasm`,
      );
      await Deno.copyFile(
        `${ROOT}/tests/fixtures/prebuilt/smoke_plugin.toml`,
        `${project}/smoke-plugin/samuel-plugin.toml`,
      );
      const cliEnv = { SAMUEL_HOME: `${tmp}/dev-home` };
      assertEquals((await runCli(["init"], { cwd: project, env: cliEnv })).code, 0);
      const inst = await runCli(["install", "file://./smoke-plugin", "--allow-unsigned", "--yes"], {
        cwd: project,
        env: cliEnv,
      });
      assertEquals(inst.code, 0, inst.stderr);
      await Deno.remove(`${project}/.samuel`, { recursive: true });

      const env = {
        PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
        HOME: home,
        // The steps run with a clean environment and a fresh HOME; keep Deno's cache (npm packages).
        DENO_DIR: await denoDir(),
        GITHUB_WORKSPACE: workspace,
        SAMUEL_DOWNLOAD_URL: `http://127.0.0.1:${server.addr.port}`,
        NO_COLOR: "1",
        ...HERMETIC_ENV,
      };

      await t.step("run: smoke lint → result is the JSON envelope, exit-code 0", async () => {
        const r = await runAction({ "working-directory": "app", run: "smoke lint" }, env);
        assertEquals(r.code, 0, r.log);
        assert(r.ran.some((s) => s.includes("Install the samuel binary")), r.ran.join(", "));
        const envelope = JSON.parse(r.outputs.result);
        assertEquals(envelope.ok, true);
        assertEquals(envelope.data.output, { smoke: "ok" });
        assertEquals(r.outputs["exit-code"], "0");
        assertEquals(r.outputs["samuel-home"], `${home}/.samuel`);
        await Deno.stat(`${project}/.samuel/plugins/smoke`);
      });

      await t.step("a failing run fails the step with samuel's exit code; outputs still set", async () => {
        const r = await runAction({ "working-directory": "app", run: "missing-plugin lint" }, env);
        assert(r.code !== 0, r.log);
        assertEquals(r.outputs["exit-code"], String(r.code));
        const envelope = JSON.parse(r.outputs.result);
        assertEquals(envelope.ok, false);
        assert(typeof envelope.error.code === "string");
      });

      await t.step("a tampered binary is refused before anything runs", async () => {
        const good = files[`/v${VERSION}/samuel-${target}`];
        files[`/v${VERSION}/samuel-${target}`] = encoder.encode("#!/bin/sh\necho evil\n");
        try {
          const r = await runAction({ "working-directory": "app", run: "smoke lint" }, env);
          assert(r.code !== 0);
          assertStringIncludes(r.log, "checksum mismatch");
          assertEquals(r.outputs.result, "");
        } finally {
          files[`/v${VERSION}/samuel-${target}`] = good;
        }
      });

      await t.step("from-source: samuel runs from the action's own tree with the shipped flags", async () => {
        const r = await runAction(
          { "working-directory": "app", run: "--all lint", "from-source": "true" },
          { ...env, PATH: `${Deno.execPath().replace(/\/[^/]+$/, "")}:${env.PATH}` },
        );
        assertEquals(r.code, 0, r.log);
        assert(!r.ran.some((s) => s.includes("Install the samuel binary")));
        assertEquals(JSON.parse(r.outputs.result).ok, true);
      });

      await t.step("bad inputs are refused up front", async () => {
        const r = await runAction({ "working-directory": "app", version: "latest" }, env);
        assertEquals(r.code, 2);
        assertStringIncludes(r.log, "release tag");
      });
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
