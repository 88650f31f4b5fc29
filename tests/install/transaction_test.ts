/**
 * All or nothing: a process killed at any step of the commit (`SAMUEL_TEST_CRASH_AT`, test-only) leaves a
 * journal that the next samuel command rolls back, so the project ends byte for byte as it was; an
 * in-process failure (`SAMUEL_TEST_FAIL_AT`) and a Ctrl-C (`SAMUEL_TEST_PAUSE_AT` + SIGINT) roll back at
 * once. Two concurrent installs never corrupt anything: the second waits, or exits 5 when the wait is
 * over.
 */

import { assert, assertEquals, assertStringIncludes } from "../support/assert.ts";
import { HERMETIC_ENV, MAIN, RUN_FLAGS } from "../support/cli.ts";
import { acquireProjectLock } from "../../src/project/file_lock.ts";
import { parseConfig } from "../../src/project/config.ts";
import { parseLockfile } from "../../src/project/lockfile.ts";
import { exists, readLock, snapshot, world } from "./helpers.ts";

const STEPS = ["after-stage", "after-journal", "after-backup", "after-swap", "after-config", "after-lock"];

Deno.test("install transactions", async (t) => {
  await using w = await world();
  const TR = ["--trusted-root", w.trustedRoot];
  await w.publish({ repo: "tx", tag: "v0.1.0" });
  await w.publish({ repo: "tx", tag: "v0.2.0", manifest: { version: "0.2.0" } });

  await t.step("killed at any step of a first install: the next command restores the project", async () => {
    for (const step of STEPS) {
      const root = await w.project();
      const before = await snapshot(root);
      const r = await w.cli(root, ["install", "acme/tx@v0.1.0", ...TR], {
        env: { SAMUEL_TEST_CRASH_AT: step },
      });
      assertEquals(r.code, 99, `${step}: ${r.stderr}`);
      const ls = await w.cli(root, ["ls"]);
      assertEquals(ls.code, 0, ls.stderr);
      assertEquals(await snapshot(root), before, `project restored after a crash ${step}`);
    }
  });

  await t.step("killed at any step of an update or uninstall: restored to the previous install", async () => {
    for (const step of STEPS) {
      const root = await w.project();
      assertEquals((await w.cli(root, ["install", "acme/tx@v0.1.0", ...TR])).code, 0);
      const before = await snapshot(root);
      const up = await w.cli(root, ["install", "acme/tx@v0.2.0", ...TR], {
        env: { SAMUEL_TEST_CRASH_AT: step },
      });
      assertEquals(up.code, 99, `${step}: ${up.stderr}`);
      // The next mutating command repairs first, then does its own work.
      const again = await w.cli(root, ["install", "acme/tx@v0.1.0", ...TR, "--json"]);
      assertEquals(again.code, 0, again.stderr);
      assertEquals(again.json.data.plugins[0].action, "unchanged", step);
      assertEquals(await snapshot(root), before, `update crash ${step}`);

      if (step === "after-stage") continue; // uninstall stages nothing
      const un = await w.cli(root, ["uninstall", "tx"], { env: { SAMUEL_TEST_CRASH_AT: step } });
      assertEquals(un.code, 99, `${step}: ${un.stderr}`);
      assertEquals((await w.cli(root, ["ls"])).code, 0);
      assertEquals(await snapshot(root), before, `uninstall crash ${step}`);
    }
  });

  await t.step("killed right after the commit point: the change stays, leftovers are cleaned", async () => {
    const root = await w.project();
    assertEquals((await w.cli(root, ["install", "acme/tx@v0.1.0", ...TR])).code, 0);
    const r = await w.cli(root, ["install", "acme/tx@v0.2.0", ...TR], {
      env: { SAMUEL_TEST_CRASH_AT: "after-commit" },
    });
    assertEquals(r.code, 99);
    assertEquals((await w.cli(root, ["ls"])).code, 0);
    assertStringIncludes(await readLock(root), `version = "0.2.0"`);
    const names = [...Deno.readDirSync(`${root}/.samuel/plugins`)].map((e) => e.name);
    assertEquals(names, ["tx"]);
  });

  await t.step("a journal path samuel cannot use: a clear error, the project untouched", async () => {
    const root = await w.project();
    assertEquals((await w.cli(root, ["install", "acme/tx@v0.1.0", ...TR])).code, 0);
    await Deno.mkdir(`${root}/.samuel/transaction.json/in-the-way`, { recursive: true });
    const before = await snapshot(root);
    for (const args of [["uninstall", "tx"], ["install", "acme/tx@v0.2.0", ...TR]]) {
      const r = await w.cli(root, [...args, "--json"]);
      assertEquals(r.code, 2, `${args[0]}: ${r.stderr}`);
      assertEquals(r.json.error.code, "SAM-INSTALL-015", r.stdout);
      assertStringIncludes(r.json.error.message, "transaction.json");
      assertStringIncludes(r.json.error.fix, "remove it");
      assertEquals(await snapshot(root), before, `${args[0]} changed the project`);
    }
    assert(await exists(`${root}/.samuel/transaction.json/in-the-way`), "the folder in the way was removed");
  });

  await t.step("an in-process failure late in the commit rolls back at once", async () => {
    for (const step of ["after-swap", "after-config", "after-lock"]) {
      const root = await w.project();
      assertEquals((await w.cli(root, ["install", "acme/tx@v0.1.0", ...TR])).code, 0);
      const before = await snapshot(root);
      const r = await w.cli(root, ["install", "acme/tx@v0.2.0", ...TR, "--json"], {
        env: { SAMUEL_TEST_FAIL_AT: step },
      });
      assertEquals(r.code, 1, r.stderr);
      assertStringIncludes(r.json.error.message, "injected failure");
      assertEquals(await snapshot(root), before, step);
    }
  });

  await t.step("Ctrl-C during the commit rolls back and says so", async () => {
    const root = await w.project();
    const before = await snapshot(root);
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-q", ...RUN_FLAGS, MAIN, "install", "acme/tx@v0.1.0", ...TR],
      cwd: root,
      env: {
        ...w.gh.env,
        ...HERMETIC_ENV,
        NO_COLOR: "1",
        SAMUEL_HOME: `${w.tmp}/home`,
        SAMUEL_TEST_PAUSE_AT: "after-config",
        SAMUEL_TEST_PAUSE_MS: "1500",
      },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    let stderr = "";
    const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    while (!stderr.includes("[test] paused at after-config")) {
      const { value, done } = await reader.read();
      if (done) break;
      stderr += value;
    }
    assert((await Deno.readTextFile(`${root}/samuel.toml`)).includes(`name = "tx"`), "paused mid-commit");
    child.kill("SIGINT");
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      stderr += value;
    }
    const status = await child.status;
    await child.stdout.cancel();
    assertEquals(status.code, 1, stderr);
    assertStringIncludes(stderr, "SAM-INSTALL-010");
    assertEquals(await snapshot(root), before);
  });

  await t.step(
    "concurrent installs into one project: the second waits; lock and toml stay valid",
    async () => {
      const repos = ["c1", "c2", "c3", "c4"];
      for (const repo of repos) await w.publish({ repo });
      const root = await w.project();
      const results = await Promise.all(
        repos.map((repo) => w.cli(root, ["install", `acme/${repo}@v0.1.0`, ...TR])),
      );
      for (const r of results) assertEquals(r.code, 0, r.stderr);
      const lock = parseLockfile(await readLock(root));
      assertEquals(lock.plugins.map((p) => p.name), repos);
      const config = parseConfig(await Deno.readTextFile(`${root}/samuel.toml`), "samuel.toml", root);
      assertEquals(config.plugins.map((p) => p.name).sort(), ["other", ...repos].sort());
      for (const repo of repos) assert(await exists(`${root}/.samuel/plugins/${repo}/plugin.wasm`));
    },
  );

  await t.step("a held lock past the wait: exit 5, nothing written", async () => {
    const root = await w.project();
    const before = await snapshot(root);
    const held = await acquireProjectLock(root, { command: "test holder" });
    try {
      const r = await w.cli(root, ["install", "acme/tx@v0.1.0", ...TR, "--json"], {
        env: { SAMUEL_LOCK_WAIT_MS: "300" },
      });
      assertEquals(r.code, 5, r.stderr);
      assertEquals(r.json.error.code, "SAM-LOCK-001");
      assertStringIncludes(r.json.error.message, "test holder");
    } finally {
      await held.release();
    }
    assertEquals(await snapshot(root), before);
  });
});
