/**
 * The fuzz cases through the real CLI, a small sample (each run starts a process; the in-process tests
 * next to this one carry the bulk): a project with an installed plugin gets one mutated file (samuel.toml,
 * samuel.lock, the installed manifest copy, or the plugin source's manifest or module) and runs one
 * command on it (`ls`, `info`, `install`, `doctor`, `run`, `plugin validate`, `install file://`). Every
 * run must end within a time bound with a documented exit code and one JSON envelope whose error, if any,
 * has a SAM code (never SAM-INTERNAL-001), and without a stack trace.
 */

import { assert } from "../support/assert.ts";
import { runCli } from "../support/cli.ts";
import { caseRng, cases, FUZZ_SEED, mutateToml, mutateWasm, pick, SAM_CODE, saveCase } from "./mutate.ts";

const BOUND_MS = 20_000;
const DOCUMENTED_EXITS = new Set([0, 1, 2, 3, 4, 5, 6, 7]);

const smoke = new URL("../fixtures/prebuilt/", import.meta.url);
const MANIFEST = await Deno.readTextFile(new URL("smoke_plugin.toml", smoke));
const MODULE = await Deno.readFile(new URL("smoke_plugin.wasm", smoke));

interface Target {
  file: (root: string) => string;
  commands: string[][];
  wasm?: boolean;
}

const TARGETS: Target[] = [
  {
    file: (r) => `${r}/project/samuel.toml`,
    commands: [["ls"], ["info", "smoke"], ["install"], ["doctor"], ["run", "smoke"]],
  },
  {
    file: (r) => `${r}/project/samuel.lock`,
    commands: [["ls"], ["info", "smoke"], ["install"], ["doctor"], ["run", "smoke"]],
  },
  {
    file: (r) => `${r}/project/.samuel/plugins/smoke/samuel-plugin.toml`,
    commands: [["info", "smoke"], ["doctor"], ["run", "smoke"]],
  },
  {
    file: (r) => `${r}/plugin/samuel-plugin.toml`,
    commands: [["plugin", "validate", "../plugin"], ["install", "file://PLUGIN"]],
  },
  {
    file: (r) => `${r}/plugin/plugin.wasm`,
    commands: [["plugin", "validate", "../plugin"], ["install", "file://PLUGIN"]],
    wasm: true,
  },
];

async function copyTree(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    if (e.isDirectory) await copyTree(`${from}/${e.name}`, `${to}/${e.name}`);
    else if (e.isFile) await Deno.copyFile(`${from}/${e.name}`, `${to}/${e.name}`);
  }
}

Deno.test("fuzz (CLI sample): commands on mutated samuel.toml, samuel.lock, manifests and modules end with a documented exit and a SAM code", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "samuel-cli-fuzz-" });
  const home = `${tmp}/home`;
  try {
    // The pristine world: a plugin folder and a project with that plugin installed.
    const pristine = `${tmp}/pristine`;
    await Deno.mkdir(`${pristine}/plugin`, { recursive: true });
    await Deno.mkdir(`${pristine}/project`);
    await Deno.writeTextFile(`${pristine}/plugin/samuel-plugin.toml`, MANIFEST);
    await Deno.writeFile(`${pristine}/plugin/plugin.wasm`, MODULE);
    await Deno.writeTextFile(`${pristine}/project/samuel.toml`, "");
    const setup = await runCli([
      "install",
      `file://${pristine}/plugin`,
      "--allow-unsigned",
      "--yes",
      "--json",
    ], {
      cwd: `${pristine}/project`,
      env: { SAMUEL_HOME: home },
    });
    assert(setup.code === 0, `set-up install: ${setup.stdout}${setup.stderr}`);

    const failures: string[] = [];
    for (const i of cases(20)) {
      const r = caseRng("cli", i);
      const target = TARGETS[i % TARGETS.length];
      const root = `${tmp}/case-${i}`;
      await copyTree(pristine, root);
      const path = target.file(root);
      const base = await Deno.readFile(path);
      const { bytes, steps } = target.wasm ? mutateWasm(base, r) : mutateToml(base, r);
      await Deno.writeFile(path, bytes);
      const command = pick(r, target.commands).map((a) => a.replace("PLUGIN", `${root}/plugin`));
      const args = [...command, ...(command[0] === "install" ? ["--allow-unsigned", "--yes"] : []), "--json"];
      const started = performance.now();
      const res = await runCli(args, {
        cwd: `${root}/project`,
        env: { SAMUEL_HOME: home },
        timeoutMs: BOUND_MS,
      });
      const ms = performance.now() - started;
      const problems: string[] = [];
      if (res.timedOut) problems.push(`killed after ${BOUND_MS} ms`);
      if (!DOCUMENTED_EXITS.has(res.code)) problems.push(`exit ${res.code}`);
      if (res.json === undefined) problems.push(`no JSON envelope on stdout: ${res.stdout.slice(0, 300)}`);
      else if (!res.json.ok && !SAM_CODE.test(res.json.error?.code ?? "")) {
        problems.push(`error ${JSON.stringify(res.json.error).slice(0, 400)}`);
      }
      if (/^\s+at .+:\d+:\d+\)?$/m.test(res.stderr)) {
        problems.push(`stack trace: ${res.stderr.slice(0, 600)}`);
      }
      if (problems.length > 0) {
        const saved = await saveCase(`cli-${path.split("/").pop()}`, i, bytes, "in");
        failures.push(
          `case ${i}: samuel ${args.join(" ")} on ${path} (${steps.join("; ")}, ${
            ms.toFixed(0)
          } ms, exit ${res.code})\n  ${problems.join("\n  ")}\n  input: ${saved}`,
        );
      }
    }
    assert(
      failures.length === 0,
      `${failures.length} failing case(s) (SAMUEL_FUZZ_SEED=${FUZZ_SEED}, replay with SAMUEL_FUZZ_CASE=<i>):\n${
        failures.join("\n")
      }`,
    );
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
});
