/**
 * The trusted root kept current, end to end (issue 15): the real CLI installs from the fake GitHub a
 * plugin signed by a mock Sigstore instance that only a refreshed root trusts (the mock's keys are the
 * `trusted_root.json` target of a TUF repository served on 127.0.0.1, tests/support/tuf_repo.ts). The
 * refresh is used and cached; with the mirror down the cached copy is used; with the cache expired or
 * missing and the mirror down the embedded root is, and the plugin is refused; a hostile mirror warns and
 * changes nothing; `--trusted-root` and unsigned installs never contact the mirror; `--dry-run` refreshes
 * without writing; `update` refreshes too; a refresh happens at most once per command. `--json` (`data.trust_root`) and `--verbose` say which
 * root was used.
 */

import { assert, assertEquals, assertMatch, assertStringIncludes } from "../support/assert.ts";
import { startTufRepo } from "../support/tuf_repo.ts";
import { cachedRootPath } from "../../src/verify/root_cache.ts";
import { exists, readLock, snapshot, world } from "./helpers.ts";

/** Whole seconds: TUF metadata dates carry no milliseconds. */
const wholeSecond = (d: Date) => new Date(Math.floor(d.getTime() / 1000) * 1000).toISOString();

Deno.test("install refreshes the trusted root through TUF, caches it, and falls back when offline", async (t) => {
  await using w = await world();
  await using repo = await startTufRepo();
  repo.publish({ targets: { "trusted_root.json": JSON.stringify(w.sigstore.trustedRoot) } });
  const tufRoot = `${w.tmp}/tuf-root.json`;
  await Deno.writeTextFile(tufRoot, repo.rootJson);
  const home = `${w.tmp}/tuf-home`;
  const tuf = (h = home) => ({ SAMUEL_TUF_MIRROR: repo.url, SAMUEL_TEST_TUF_ROOT: tufRoot, SAMUEL_HOME: h });
  for (const name of ["hello", "two", "three", "four", "five", "six"]) await w.publish({ repo: name });

  await t.step(
    "without a refresh the mock's signature is not trusted: the embedded root refuses it",
    async () => {
      const root = await w.project();
      const before = await snapshot(root);
      const r = await w.cli(root, ["install", "acme/hello@v0.1.0", "--yes", "--json"], {
        env: { SAMUEL_HOME: `${w.tmp}/off-home` },
      });
      assertEquals(r.code, 4, r.stdout + r.stderr);
      assertEquals(r.json.error.code, "SAM-VERIFY-009");
      assertStringIncludes(r.json.error.cause, "embedded public-good root");
      assertEquals(r.json.data.trust_root.source, "embedded");
      assertEquals(r.json.data.trust_root.mirror, null, "SAMUEL_TUF_MIRROR=off (the harness default)");
      assertEquals(await snapshot(root), before);
      assertEquals(repo.requests, []);
    },
  );

  await t.step("install refreshes from the mirror and verifies against the refreshed root", async () => {
    const root = await w.project();
    const r = await w.cli(root, ["install", "acme/hello@v0.1.0", "--yes", "--json"], { env: tuf() });
    assertEquals(r.code, 0, r.stdout + r.stderr);
    const tr = r.json.data.trust_root;
    assertEquals(tr.source, "tuf");
    assertEquals(tr.mirror, repo.url);
    assertEquals(tr.refresh_error, null);
    assertEquals(tr.expires, wholeSecond(repo.rootExpires));
    assert(Math.abs(Date.parse(tr.fetched_at) - Date.now()) < 120_000, tr.fetched_at);
    assertEquals(r.json.data.plugins[0].verification.method, "sigstore");
    assertStringIncludes(await readLock(root), 'method = "sigstore"');
    assertEquals(r.json.warnings, []);
    // The refreshed root is kept under $SAMUEL_HOME/cache/sigstore/ with when it was fetched.
    const record = JSON.parse(await Deno.readTextFile(cachedRootPath(`${home}/cache/sigstore`, repo.url)));
    assertEquals([record.mirror, record.fetched_at, record.expires], [repo.url, tr.fetched_at, tr.expires]);
    assertEquals(record.trusted_root.tlogs, w.sigstore.trustedRoot.tlogs);
  });

  await t.step("--verbose says which root was used and how long the refresh took", async () => {
    const root = await w.project();
    const r = await w.cli(root, ["install", "acme/two@v0.1.0", "--yes", "--verbose"], { env: tuf() });
    assertEquals(r.code, 0, r.stdout + r.stderr);
    assertMatch(r.stderr, /trust root: tuf, refreshed from http:\/\/127\.0\.0\.1:\d+ in \d+ ms \(expires /);
    assertMatch(r.stderr, /trust root: [\d.]+ ms/);
  });

  await t.step(
    "--dry-run refreshes (the verdict is the real one) but writes nothing under $SAMUEL_HOME",
    async () => {
      const dryHome = `${w.tmp}/dry-home`;
      const before = repo.requests.length;
      const r = await w.cli(await w.project(), ["install", "acme/hello@v0.1.0", "--dry-run", "--json"], {
        env: tuf(dryHome),
      });
      assertEquals(r.code, 0, r.stdout + r.stderr);
      assertEquals(r.json.data.plugins[0].action, "would-install");
      assertEquals(r.json.data.trust_root.source, "tuf");
      assert(repo.requests.length > before, "the mirror was asked");
      assertEquals(await exists(`${dryHome}/cache/sigstore`), false);
    },
  );

  await t.step("an unsigned install and a --trusted-root install never contact the mirror", async () => {
    const before = repo.requests.length;
    const root = await w.project();
    const unsigned = await w.cli(root, [
      "install",
      "acme/three@v0.1.0",
      "--allow-unsigned",
      "--yes",
      "--json",
    ], {
      env: tuf(),
    });
    assertEquals(unsigned.code, 0, unsigned.stderr);
    assertEquals(unsigned.json.data.trust_root, null);
    const given = await w.cli(root, [
      "install",
      "acme/four@v0.1.0",
      "--trusted-root",
      w.trustedRoot,
      "--yes",
      "--json",
    ], {
      env: tuf(),
    });
    assertEquals(given.code, 0, given.stderr);
    assertEquals(given.json.data.trust_root.source, "file");
    assertEquals(given.json.data.trust_root.file, w.trustedRoot);
    assertEquals(repo.requests.length, before);
  });

  await t.step("update refreshes too", async () => {
    const root = await w.project();
    assertEquals((await w.cli(root, ["install", "acme/five@v0.1.0", "--yes"], { env: tuf() })).code, 0);
    const before = repo.requests.length;
    const r = await w.cli(root, ["update", "--json"], { env: tuf() });
    assertEquals(r.code, 0, r.stdout + r.stderr);
    assertEquals(r.json.data.trust_root.source, "tuf");
    assert(repo.requests.length > before, "the update asked the mirror");
  });

  await t.step(
    "mirror down: the cached root is used, quietly, and the mirror is tried once per command",
    async () => {
      repo.down();
      try {
        const root = await w.project();
        const before = repo.requests.length;
        const r = await w.cli(root, ["install", "acme/five@v0.1.0", "acme/six@v0.1.0", "--yes", "--json"], {
          env: tuf(),
        });
        assertEquals(r.code, 0, r.stdout + r.stderr);
        assertEquals(r.json.data.plugins.map((p: { action: string }) => p.action), [
          "installed",
          "installed",
        ]);
        const tr = r.json.data.trust_root;
        assertEquals(tr.source, "cache");
        assertEquals(tr.mirror, repo.url);
        assertStringIncludes(tr.refresh_error, "Failed to download");
        assertEquals(r.json.warnings, [], "being offline is not worth a warning");
        assertEquals(repo.requests.slice(before), ["GET /2.root.json"], "one attempt for two signed plugins");
      } finally {
        repo.up();
      }
    },
  );

  await t.step(
    "a hostile mirror (expired metadata) is refused with a warning; the cached root still verifies",
    async () => {
      const recordFile = cachedRootPath(`${home}/cache/sigstore`, repo.url);
      const before = await Deno.readTextFile(recordFile);
      // Another instance's root (the public-good one): were it used, the mock's signature would fail.
      const other = await Deno.readTextFile(
        new URL("../../src/verify/trusted_root.public-good.json", import.meta.url),
      );
      repo.publish({ targets: { "trusted_root.json": other }, expires: new Date(Date.now() - 60_000) });
      const root = await w.project();
      const r = await w.cli(root, ["install", "acme/hello@v0.1.0", "--yes", "--json"], { env: tuf() });
      assertEquals(r.code, 0, r.stdout + r.stderr);
      assertEquals(r.json.data.trust_root.source, "cache");
      assertEquals(r.json.warnings.length, 1, JSON.stringify(r.json.warnings));
      assertMatch(
        r.json.warnings[0],
        /TUF refresh from .* failed .*expired.*verifying against the cached trusted root/,
      );
      assertEquals(await Deno.readTextFile(recordFile), before);
    },
  );

  await t.step("no cache and the mirror down: the embedded root, and the plugin is refused", async () => {
    repo.down();
    try {
      const root = await w.project();
      const before = await snapshot(root);
      const r = await w.cli(root, ["install", "acme/hello@v0.1.0", "--yes", "--json"], {
        env: tuf(`${w.tmp}/empty-home`),
      });
      assertEquals(r.code, 4, r.stdout + r.stderr);
      assertEquals(r.json.error.code, "SAM-VERIFY-009");
      assertEquals(r.json.data.trust_root.source, "embedded");
      assertEquals(r.json.data.trust_root.mirror, repo.url);
      assertStringIncludes(r.json.data.trust_root.refresh_error, "Failed to download");
      assertEquals(await snapshot(root), before);
    } finally {
      repo.up();
    }
  });

  await t.step("a malformed SAMUEL_TUF_MIRROR is refused (exit 2) before anything is written", async () => {
    const root = await w.project();
    const before = await snapshot(root);
    const r = await w.cli(root, ["install", "acme/hello@v0.1.0", "--yes", "--json"], {
      env: { ...tuf(), SAMUEL_TUF_MIRROR: "tuf-repo-cdn.sigstore.dev" },
    });
    assertEquals(r.code, 2, r.stdout + r.stderr);
    assertEquals(r.json.error.code, "SAM-TUF-001");
    assertStringIncludes(r.json.error.fix, "off");
    assertEquals(await snapshot(root), before);
  });
});

Deno.test("an expired cached root is not used offline: the embedded root is, and says so", async () => {
  await using w = await world();
  await using repo = await startTufRepo();
  // Targets expire a few seconds from now: long enough for one install, then the cached copy lapses.
  const expires = new Date(Date.now() + 6_000);
  repo.publish({ targets: { "trusted_root.json": JSON.stringify(w.sigstore.trustedRoot) }, expires });
  const tufRoot = `${w.tmp}/tuf-root.json`;
  await Deno.writeTextFile(tufRoot, repo.rootJson);
  const env = { SAMUEL_TUF_MIRROR: repo.url, SAMUEL_TEST_TUF_ROOT: tufRoot, SAMUEL_HOME: `${w.tmp}/h` };
  await w.publish({});

  const first = await w.cli(await w.project(), ["install", "acme/hello@v0.1.0", "--yes", "--json"], { env });
  assertEquals(first.code, 0, first.stdout + first.stderr);
  assertEquals(first.json.data.trust_root.source, "tuf");
  assertEquals(first.json.data.trust_root.expires, wholeSecond(expires));

  const wait = Date.parse(first.json.data.trust_root.expires) + 500 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  repo.down();
  const root = await w.project();
  const r = await w.cli(root, ["install", "acme/hello@v0.1.0", "--yes", "--json", "--verbose"], { env });
  assertEquals(r.code, 4, r.stdout + r.stderr);
  assertEquals(r.json.error.code, "SAM-VERIFY-009");
  assertEquals(r.json.data.trust_root.source, "embedded");
  assertMatch(r.stderr, /the cached root from http:\/\/127\.0\.0\.1:\d+ expired at /);
});
