import { run } from "../../src/cli/commands/init.ts";
import type { Invocation } from "../../src/cli/command.ts";
import { Output } from "../../src/cli/output.ts";
import { defaultConfigText, parseConfig } from "../../src/project/config.ts";
import { isSamuelError, type SamuelError } from "../../src/errors.ts";
import { runCli } from "../support/cli.ts";
import { assert, assertEquals, assertRejects, assertStringIncludes } from "../support/assert.ts";

function invocation(cwd: string, flags: Invocation["flags"] = {}): Invocation {
  return {
    args: [],
    flags,
    raw: [],
    global: { json: true, verbose: false, color: false, strict: false, yes: false },
    out: new Output({ json: true, color: false, verbose: false }),
    cwd,
  };
}

async function withTempDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("init (in process): fresh folder gets samuel.toml and .samuel/.gitignore", () =>
  withTempDir(async (dir) => {
    const result = await run(invocation(dir));
    assertEquals(result.data, {
      root: dir,
      files: [`${dir}/samuel.toml`, `${dir}/.samuel/.gitignore`],
      replaced: false,
    });
    assertEquals(await Deno.readTextFile(`${dir}/samuel.toml`), defaultConfigText());
    const gitignore = await Deno.readTextFile(`${dir}/.samuel/.gitignore`);
    assertEquals(gitignore.split("\n").filter((l) => l && !l.startsWith("#")), ["*", "!.gitignore"]);
  }));

Deno.test("init (in process): refuses an existing samuel.toml; --force replaces it", () =>
  withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/samuel.toml`, "# mine\n");
    await assertRejects(() => run(invocation(dir)), (e) => {
      assert(isSamuelError(e));
      assertEquals((e as SamuelError).code, "SAM-INIT-001");
      assertEquals((e as SamuelError).exit, 2);
      assertStringIncludes((e as SamuelError).fix!, "--force");
    });
    assertEquals(await Deno.readTextFile(`${dir}/samuel.toml`), "# mine\n");
    const result = await run(invocation(dir, { force: true }));
    assertEquals((result.data as { replaced: boolean }).replaced, true);
    assertEquals(await Deno.readTextFile(`${dir}/samuel.toml`), defaultConfigText());
  }));

Deno.test("init (in process): warns when nested inside another project", () =>
  withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/samuel.toml`, "");
    await Deno.mkdir(`${dir}/sub`);
    const inv = invocation(`${dir}/sub`);
    await run(inv);
    assertEquals(inv.out.warnings.length, 1);
    assertStringIncludes(inv.out.warnings[0], `${dir} is already a samuel project`);
  }));

Deno.test("samuel init (CLI): fresh, refuse with exit 2, --force; --json envelopes", () =>
  withTempDir(async (dir) => {
    const fresh = await runCli(["init", "--json"], { cwd: dir });
    assertEquals(fresh.code, 0, fresh.stderr);
    assertEquals(fresh.json.ok, true);
    assertEquals(fresh.json.command, "init");
    assertEquals(fresh.json.data.files, [`${dir}/samuel.toml`, `${dir}/.samuel/.gitignore`]);
    assertEquals(parseConfig(await Deno.readTextFile(`${dir}/samuel.toml`)).plugins, []);

    const again = await runCli(["init", "--json"], { cwd: dir });
    assertEquals(again.code, 2);
    assertEquals(again.json.ok, false);
    assertEquals(again.json.error.code, "SAM-INIT-001");
    assertStringIncludes(again.json.error.fix, "--force");

    const human = await runCli(["init"], { cwd: dir });
    assertEquals(human.code, 2);
    assertStringIncludes(human.stderr, "SAM-INIT-001");

    await Deno.writeTextFile(`${dir}/samuel.toml`, "# changed\n");
    const forced = await runCli(["init", "--force"], { cwd: dir });
    assertEquals(forced.code, 0, forced.stderr);
    assertStringIncludes(forced.stdout, "samuel install");
    assertEquals(await Deno.readTextFile(`${dir}/samuel.toml`), defaultConfigText());
  }));

Deno.test("samuel init (CLI): waits on, then fails against, a project lock held by another process", () =>
  withTempDir(async (dir) => {
    const holder = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("../project/support/lock_holder.ts", import.meta.url).pathname,
        dir,
        "forever",
      ],
      stdout: "piped",
    }).spawn();
    try {
      const reader = holder.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let out = "";
      while (!out.includes("LOCKED")) out += (await reader.read()).value ?? "";
      reader.releaseLock();
      const res = await runCli(["init", "--json"], { cwd: dir, env: { SAMUEL_LOCK_WAIT_MS: "200" } });
      assertEquals(res.code, 5);
      assertEquals(res.json.error.code, "SAM-LOCK-001");
    } finally {
      holder.kill("SIGKILL");
      await holder.status;
      await holder.stdout.cancel().catch(() => {});
    }
  }));
