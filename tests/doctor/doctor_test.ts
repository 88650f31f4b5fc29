/**
 * `samuel doctor` end to end: a healthy project, a module that no longer matches samuel.lock, a plugin
 * whose `health()` returns non-zero (and one that spins past its hard timeout), missing files, a corrupt
 * cache entry, a project without samuel.toml, `--strict`, the trusted root installs would use offline
 * (`trust.root`); with `--json` (every check with status and fix) and for humans.
 */

import {
  assert,
  assertEquals,
  assertMatch,
  assertNotEquals,
  assertStringIncludes,
} from "../support/assert.ts";
import { cacheEntries, helloWasmSource, lockedModuleSha, pluginSource, project } from "../cache/helpers.ts";
import { wat2wasm } from "../support/wat.ts";
import { printerWat } from "../cache/helpers.ts";
import { runCli } from "../support/cli.ts";
import { startTufRepo } from "../support/tuf_repo.ts";
import { TrustRootSession } from "../../src/verify/trust_source.ts";
import { cachedRootPath, writeCachedRoot } from "../../src/verify/root_cache.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

function check(json: Json, id: string): Json {
  const c = json.data.checks.find((c: Json) => c.id === id);
  assert(c, `no check ${id} in ${JSON.stringify(json.data.checks.map((c: Json) => c.id))}`);
  return c;
}

Deno.test("doctor on a healthy project: every check ok, health run in the sandbox, exit 0", async () => {
  const p = await project();
  await p.install(await helloWasmSource());
  await p.install(await pluginSource("quiet", { withHealth: false }));
  const r = await p.cli(["doctor", "--json"]);
  assertEquals(r.code, 0, r.stdout + r.stderr);
  assertEquals(r.json.ok, true);
  assertEquals(r.json.error, null);
  const d = r.json.data;
  for (const c of d.checks) {
    assertEquals(c.status, "ok", JSON.stringify(c));
    assert(typeof c.id === "string" && typeof c.message === "string");
  }
  const ids = d.checks.map((c: Json) => c.id);
  for (
    const id of [
      "project.config",
      "project.lockfile",
      "project.gitignore",
      "project.plugins",
      "plugin.hello-wasm.files",
      "plugin.hello-wasm.manifest",
      "plugin.hello-wasm.module",
      "plugin.hello-wasm.health",
      "plugin.quiet.health",
      "runtime.deno",
      "cache.integrity",
      "cache.budget",
    ]
  ) assert(ids.includes(id), `missing check ${id}`);
  assertMatch(check(r.json, "plugin.hello-wasm.health").message, /^health\(\) returned 0 in [\d.]+ ms$/);
  assertEquals(check(r.json, "plugin.quiet.health").message, "ok (no health export)");
  assertEquals(d.plugins.map((x: Json) => [x.name, x.status]), [["hello-wasm", "ok"], ["quiet", "ok"]]);
  assertEquals(d.plugins[0].health.outcome, "ok");
  assertEquals(d.plugins[0].health.return_code, 0);
  assertEquals(d.plugins[1].health, null);
  assertEquals(Object.keys(d.wasm_cache_stats).sort(), [
    "budget_bytes",
    "hit_rate",
    "hits",
    "misses",
    "modules",
    "rebuilds",
    "used_bytes",
  ]);
  assertEquals(d.wasm_cache_stats.budget_bytes, 500 * 1024 * 1024);
  // Doctor ran hello-wasm's health() from an in-memory build: the cache is untouched.
  assertEquals(d.wasm_cache_stats.modules, 0);
  assertEquals([d.wasm_cache_stats.hits, d.wasm_cache_stats.misses], [0, 0]);
  assertEquals(d.summary, { ok: d.checks.length, warn: 0, fail: 0 });

  const human = await p.cli(["doctor"]);
  assertEquals(human.code, 0, human.stderr);
  assertMatch(human.stdout, /^\s+ok\s+plugin\.hello-wasm\.health\s+health\(\) returned 0/m);
  assertMatch(human.stdout, /wasm cache: 0 hits, 0 misses \(hit rate 0%\), 0 rebuilt, 0 modules/);
  assertMatch(human.stdout, /\d+ checks: \d+ ok, 0 warnings, 0 failed/);
});

Deno.test("doctor: a module that no longer matches samuel.lock fails with exit 4; health is not run", async () => {
  const p = await project();
  await p.install(await pluginSource("printer"));
  await p.install(await helloWasmSource());
  const locked = await lockedModuleSha(p.root, "printer");
  await Deno.writeFile(
    `${p.root}/.samuel/plugins/printer/plugin.wasm`,
    await wat2wasm(printerWat({ text: "swapped after install" })),
  );
  const r = await p.cli(["doctor", "--json"]);
  assertEquals(r.code, 4, r.stdout + r.stderr);
  assertEquals(r.json.ok, false);
  assertEquals(r.json.error.code, "SAM-DOCTOR-002");
  assertEquals(r.json.error.message, "1 check failed");
  assertStringIncludes(r.json.error.cause, "plugin.printer.module");
  const c = check(r.json, "plugin.printer.module");
  assertEquals(c.status, "fail");
  assertEquals(c.exit, 4);
  assertEquals(c.plugin, "printer");
  assertMatch(c.message, /plugin\.wasm does not match samuel\.lock/);
  assertStringIncludes(c.fix, "samuel install");
  assertEquals(c.details.locked, locked);
  assert(c.details.actual !== locked);
  const health = check(r.json, "plugin.printer.health");
  assertEquals(health.status, "warn");
  assertMatch(health.message, /not run/);
  const plugins = Object.fromEntries(r.json.data.plugins.map((x: Json) => [x.name, x]));
  assertEquals(plugins.printer.status, "fail");
  assertEquals(plugins.printer.health.outcome, "skipped");
  // The other plugin is still checked, and healthy.
  assertEquals(plugins["hello-wasm"].status, "ok");
  assertEquals(check(r.json, "plugin.hello-wasm.health").status, "ok");
  // The data is all there next to the error.
  assert(r.json.data.wasm_cache_stats.budget_bytes > 0);

  const human = await p.cli(["doctor"]);
  assertEquals(human.code, 4);
  assertMatch(human.stdout, /^\s+FAIL\s+plugin\.printer\.module\s+.*does not match samuel\.lock/m);
  assertMatch(human.stdout, /^\s+fix: the installed module was changed after install/m);
  assertStringIncludes(human.stderr, "SAM-DOCTOR-002");
});

Deno.test("doctor: health() returning non-zero fails with its code and stderr, exit 6", async () => {
  const p = await project();
  await p.install(await pluginSource("sick", { health: 3, healthStderr: "database unreachable\n" }));
  await p.install(await pluginSource("fine"));
  const r = await p.cli(["doctor", "--json"]);
  assertEquals(r.code, 6, r.stdout + r.stderr);
  assertEquals(r.json.error.code, "SAM-DOCTOR-003");
  const c = check(r.json, "plugin.sick.health");
  assertEquals(c.status, "fail");
  assertEquals(c.exit, 6);
  assertEquals(c.message, "health() returned 3; stderr: database unreachable");
  assertEquals(c.details.return_code, 3);
  assertEquals(c.details.stderr, "database unreachable\n");
  assertStringIncludes(c.fix, "samuel run sick health");
  const sick = r.json.data.plugins.find((x: Json) => x.name === "sick");
  assertEquals(sick.health.return_code, 3);
  assertEquals(sick.health.outcome, "plugin_error");
  assertEquals(check(r.json, "plugin.fine.health").status, "ok");
  assertEquals(r.json.data.summary.fail, 1);
});

Deno.test("doctor: health() spinning past the plugin's hard timeout is stopped, exit 7", async () => {
  const p = await project();
  await p.install(await pluginSource("spinner", { spin: true }, { timeout: "200ms", hardTimeout: "500ms" }));
  const t0 = performance.now();
  const r = await p.cli(["doctor", "--json"]);
  assertEquals(r.code, 7, r.stdout + r.stderr);
  assertEquals(r.json.error.code, "SAM-DOCTOR-004");
  assert(performance.now() - t0 < 8000, "doctor waited far longer than the plugin's hard timeout");
  const c = check(r.json, "plugin.spinner.health");
  assertEquals(c.status, "fail");
  assertEquals(c.exit, 7);
  assertMatch(c.message, /^health\(\) timed out/);
});

Deno.test("doctor: failures of several classes exit with the most serious one (digest over health)", async () => {
  const p = await project();
  await p.install(await pluginSource("sick", { health: 2 }));
  await p.install(await pluginSource("swapped"));
  await Deno.writeFile(
    `${p.root}/.samuel/plugins/swapped/plugin.wasm`,
    await wat2wasm(printerWat({ text: "x" })),
  );
  const r = await p.cli(["doctor", "--json"]);
  assertEquals(r.code, 4);
  assertEquals(r.json.error.message, "2 checks failed");
});

Deno.test("doctor: missing installed files and a changed manifest copy", async () => {
  const p = await project();
  await p.install(await pluginSource("gone"));
  await p.install(await pluginSource("edited"));
  await Deno.remove(`${p.root}/.samuel/plugins/gone`, { recursive: true });
  const manifest = `${p.root}/.samuel/plugins/edited/samuel-plugin.toml`;
  await Deno.writeTextFile(manifest, (await Deno.readTextFile(manifest)).replace('"/workspace"', '"/"'));
  const r = await p.cli(["doctor", "--json"]);
  assertEquals(r.code, 4, r.stdout + r.stderr);
  const gone = check(r.json, "plugin.gone.files");
  assertEquals([gone.status, gone.exit], ["fail", 2]);
  assertMatch(gone.message, /gone is in samuel\.lock but \.samuel\/plugins\/gone is missing/);
  const edited = check(r.json, "plugin.edited.manifest");
  assertEquals([edited.status, edited.exit], ["fail", 4]);
  assertMatch(edited.message, /samuel-plugin\.toml does not match samuel\.lock/);
  // Nothing is run for a plugin whose manifest is not the locked one.
  assert(!r.json.data.checks.some((c: Json) => c.id === "plugin.edited.health"));
});

Deno.test("doctor: a corrupt cache entry is reported as a warning and removed; --strict fails on it", async () => {
  const p = await project();
  await p.install(await pluginSource("printer"));
  // Fill the run home's cache, then damage the entry.
  assertEquals((await p.cli(["run", "printer", "say"])).code, 0);
  const [entry] = cacheEntries(p.modulesDir);
  const bytes = await Deno.readFile(`${entry.dir}/module.wasm`);
  bytes[bytes.length - 1] ^= 0xff;
  await Deno.writeFile(`${entry.dir}/module.wasm`, bytes);
  const r = await p.cli(["doctor", "--json"]);
  assertEquals(r.code, 0, r.stdout + r.stderr);
  const c = check(r.json, "cache.integrity");
  assertEquals(c.status, "warn");
  assertMatch(c.message, /1 corrupt module cache entry was found and removed/);
  assertEquals(c.details.removed, [entry.dir]);
  // health() still ran, on a fresh build of the verified installed module; the next run rebuilds the entry.
  assertEquals(check(r.json, "plugin.printer.health").status, "ok");
  assertEquals(cacheEntries(p.modulesDir).length, 0);
  const run = await p.cli(["run", "printer", "say", "--json"]);
  assertEquals([run.code, run.json.data.cache.hit], [0, false]);
  assertNotEquals(await Deno.readFile(`${entry.dir}/module.wasm`), bytes);
  // A second doctor finds the cache clean; --strict turns a warning into a failure (exit 2).
  const again = await p.cli(["doctor", "--json"]);
  assertEquals(check(again.json, "cache.integrity").status, "ok");
  await Deno.writeTextFile(`${p.root}/samuel.toml`, "\n[extra]\nkey = 1\n", { append: true });
  const strict = await p.cli(["doctor", "--json", "--strict"]);
  assertEquals(strict.code, 2, strict.stdout);
  assertEquals(check(strict.json, "project.config").status, "warn");
  assertEquals(strict.json.error.code, "SAM-DOCTOR-001");
  assertEquals((await p.cli(["doctor", "--json"])).code, 0);
});

Deno.test("doctor outside a project: samuel.toml missing fails with exit 2 and says to run init", async () => {
  const dir = await Deno.makeTempDir();
  const home = await Deno.makeTempDir();
  const r = await runCli(["doctor", "--json"], { cwd: dir, env: { SAMUEL_HOME: home } });
  assertEquals(r.code, 2, r.stdout + r.stderr);
  const c = check(r.json, "project.config");
  assertEquals(c.status, "fail");
  assertStringIncludes(c.fix, "samuel init");
  // The runtime and cache are still checked.
  assertEquals(check(r.json, "runtime.deno").status, "ok");
  assertEquals(check(r.json, "cache.budget").status, "ok");
});

Deno.test("doctor: a skill's entry file is checked; a broken samuel.lock fails with exit 2", async () => {
  const p = await project();
  const src = await Deno.makeTempDir();
  await Deno.writeTextFile(
    `${src}/samuel-plugin.toml`,
    'name = "notes"\nversion = "0.1.0"\nkind = "skill"\nsummary = "team notes"\n',
  );
  await Deno.writeTextFile(`${src}/SKILL.md`, "# notes\n");
  await p.install(src);
  const healthy = await p.cli(["doctor", "--json"]);
  assertEquals(healthy.code, 0, healthy.stdout);
  assertEquals(check(healthy.json, "plugin.notes.skill").status, "ok");
  assertEquals(healthy.json.data.plugins, [{
    name: "notes",
    version: "0.1.0",
    kind: "skill",
    status: "ok",
    health: null,
  }]);

  await Deno.remove(`${p.root}/.samuel/plugins/notes/SKILL.md`);
  const missing = await p.cli(["doctor", "--json"]);
  assertEquals(missing.code, 2);
  assertMatch(check(missing.json, "plugin.notes.skill").message, /SKILL\.md is missing/);

  await Deno.writeTextFile(`${p.root}/samuel.lock`, "not [valid toml\n", { append: true });
  const broken = await p.cli(["doctor", "--json"]);
  assertEquals(broken.code, 2);
  const lock = check(broken.json, "project.lockfile");
  assertEquals([lock.status, lock.exit], ["fail", 2]);
  assertMatch(lock.message, /samuel\.lock:\d+ is not valid TOML/);
  // No misleading "not installed" warning against a lock that could not be read.
  assert(!broken.json.data.checks.some((c: Json) => c.id === "project.plugins"));
});

Deno.test("doctor: trust.root says which trusted root installs verify against offline", async (t) => {
  const p = await project();
  const home = p.runHome;
  await using repo = await startTufRepo();
  const trusted = JSON.parse(
    await Deno.readTextFile(new URL("../../src/verify/trusted_root.public-good.json", import.meta.url)),
  );
  repo.publish({ targets: { "trusted_root.json": JSON.stringify(trusted) } });
  const tufRoot = `${await Deno.makeTempDir({ prefix: "samuel-tuf-root-" })}/root.json`;
  await Deno.writeTextFile(tufRoot, repo.rootJson);
  const doctor = (env: Record<string, string> = {}) =>
    runCli(["doctor", "--json"], { cwd: p.root, env: { SAMUEL_HOME: home, ...env } });

  await t.step("nothing cached: the embedded root (ok)", async () => {
    const r = await doctor();
    assertEquals(r.code, 0, r.stdout + r.stderr);
    const c = check(r.json, "trust.root");
    assertEquals(c.status, "ok");
    assertStringIncludes(c.message, "embedded in samuel (SAMUEL_TUF_MIRROR=off: never refreshed)");
    assertEquals(r.json.data.trust_root.source, "embedded");
    assertEquals([r.json.data.trust_root.fetched_at, r.json.data.trust_root.expires], [null, null]);
  });

  await t.step(
    "after a refresh: the cached root with fetched_at and expires; doctor asks no mirror",
    async () => {
      const session = new TrustRootSession({
        sigstoreDir: `${home}/cache/sigstore`,
        log: { warn: () => {}, debug: () => {} },
        settings: { mirror: repo.url, cacheMirror: repo.url, timeoutMs: 2000, testRoot: tufRoot },
      });
      const refreshed = await session.resolve();
      assertEquals(refreshed.info.source, "tuf");
      const before = repo.requests.length;
      const r = await doctor({ SAMUEL_TUF_MIRROR: repo.url });
      assertEquals(r.code, 0, r.stdout + r.stderr);
      const tr = r.json.data.trust_root;
      assertEquals(tr.source, "cache");
      assertEquals([tr.fetched_at, tr.expires, tr.mirror], [
        refreshed.info.fetched_at,
        refreshed.info.expires,
        repo.url,
      ]);
      assertStringIncludes(check(r.json, "trust.root").message, `usable offline until ${tr.expires}`);
      assertEquals(repo.requests.length, before);
      const human = await runCli(["doctor"], {
        cwd: p.root,
        env: { SAMUEL_HOME: home, SAMUEL_TUF_MIRROR: repo.url },
      });
      assertMatch(
        human.stdout,
        /ok +trust\.root +trusted root from the TUF mirror http:\/\/127\.0\.0\.1:\d+, fetched /,
      );
    },
  );

  await t.step("an expired cached root is a warning naming the fix; --strict fails on it", async () => {
    const sigstoreDir = `${home}/cache/sigstore`;
    const record = JSON.parse(await Deno.readTextFile(cachedRootPath(sigstoreDir, repo.url)));
    await writeCachedRoot(sigstoreDir, { ...record, expires: "2026-01-01T00:00:00.000Z" });
    const r = await doctor({ SAMUEL_TUF_MIRROR: repo.url });
    assertEquals(r.code, 0, r.stdout + r.stderr);
    const c = check(r.json, "trust.root");
    assertEquals(c.status, "warn");
    assertStringIncludes(c.message, "expired at 2026-01-01T00:00:00.000Z");
    assertStringIncludes(c.fix, "samuel update");
    assertEquals(r.json.data.trust_root.source, "embedded");
    const strict = await runCli(["doctor", "--json", "--strict"], {
      cwd: p.root,
      env: { SAMUEL_HOME: home, SAMUEL_TUF_MIRROR: repo.url },
    });
    assertEquals(strict.code, 2);
  });

  await t.step("[security].trusted_root: that file, no TUF; an unusable one fails with exit 2", async () => {
    const file = `${p.root}/my-root.json`;
    await Deno.writeTextFile(file, JSON.stringify(trusted));
    const config = `${p.root}/samuel.toml`;
    const original = await Deno.readTextFile(config);
    await Deno.writeTextFile(
      config,
      original.replace("# trusted_root = ", `trusted_root = "my-root.json"\n# was: `),
    );
    try {
      const r = await doctor({ SAMUEL_TUF_MIRROR: repo.url });
      assertEquals(r.code, 0, r.stdout + r.stderr);
      assertEquals(r.json.data.trust_root.source, "file");
      assertEquals(r.json.data.trust_root.file, file);
      await Deno.writeTextFile(file, "not json");
      const bad = await doctor();
      assertEquals(bad.code, 2, bad.stdout + bad.stderr);
      const c = check(bad.json, "trust.root");
      assertEquals(c.status, "fail");
      assertStringIncludes(c.message, "my-root.json cannot be used");
      assertEquals(bad.json.data.trust_root, null);
    } finally {
      await Deno.writeTextFile(config, original);
    }
  });

  await t.step("a malformed SAMUEL_TUF_MIRROR fails the check with exit 2", async () => {
    const r = await doctor({ SAMUEL_TUF_MIRROR: "ftp://mirror.example" });
    assertEquals(r.code, 2, r.stdout + r.stderr);
    const c = check(r.json, "trust.root");
    assertEquals(c.status, "fail");
    assertStringIncludes(c.message, "SAMUEL_TUF_MIRROR is not a TUF mirror URL");
  });
});

Deno.test("doctor names the temporary folders a killed install left and says how to clean them; following the fix does", async () => {
  const p = await project();
  const src = await helloWasmSource();
  await p.install(src);
  const manifest = `${src}/samuel-plugin.toml`;
  await Deno.writeTextFile(
    manifest,
    (await Deno.readTextFile(manifest)).replace('version = "0.1.0"', 'version = "0.2.0"'),
  );
  // An update killed right after staging its new folder (test hook, as a kill -9 would): no journal, one
  // leftover folder.
  const killed = await runCli(["install", `file://${src}`, "--allow-unsigned", "--yes"], {
    cwd: p.root,
    env: { SAMUEL_HOME: p.installHome, SAMUEL_TEST_CRASH_AT: "after-stage" },
  });
  assertEquals(killed.code, 99, killed.stderr);
  const left = [...Deno.readDirSync(`${p.root}/.samuel/plugins`)].map((e) => e.name).filter((n) =>
    n.startsWith(".")
  );
  assertEquals(left.length, 1, String(left));

  const r = await p.cli(["doctor", "--json"]);
  const c = check(r.json, "project.transaction");
  assertEquals(c.status, "warn");
  assertStringIncludes(c.message, `left 1 temporary folder(s) in .samuel/plugins/: ${left[0]}`);
  assertStringIncludes(
    c.fix,
    "the next `samuel install`, `update` or `uninstall` (or `samuel ls`) removes them",
  );
  assertStringIncludes(c.fix, "rm -rf .samuel/plugins/.staging-*");

  // The fix works as written: `samuel ls` sweeps them, and doctor no longer warns.
  assertEquals((await p.cli(["ls"])).code, 0);
  assertEquals([...Deno.readDirSync(`${p.root}/.samuel/plugins`)].map((e) => e.name), ["hello-wasm"]);
  const again = await p.cli(["doctor", "--json"]);
  assert(!again.json.data.checks.some((x: Json) => x.id === "project.transaction"), "no more warning");
});
