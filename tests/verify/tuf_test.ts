/**
 * The trusted root kept current through TUF (issue 15), in process: `TrustRootSession` and the real
 * `@sigstore/tuf` client against TUF repositories these tests build and serve on 127.0.0.1
 * (tests/support/tuf_repo.ts). A good mirror's root is used and cached; a repository that is expired,
 * rolled back or signed with keys its root does not list is refused and never replaces the cached root;
 * an unreachable mirror falls back to the cache, then to the embedded root, quietly and fast; `off`
 * makes no request; the settings parse as documented. The end-to-end install tests are in
 * tests/install/tuf_test.ts.
 */

import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "../support/assert.ts";
import { startTufRepo, tufKey, type TufRepo } from "../support/tuf_repo.ts";
import { cachedRootPath, mirrorKey, readCachedRoot, writeCachedRoot } from "../../src/verify/root_cache.ts";
import { TrustRootSession } from "../../src/verify/trust_source.ts";
import { DEFAULT_TUF_MIRROR, type TufSettings, tufSettings } from "../../src/verify/tuf_settings.ts";
import { embeddedTrustedRoot, type TrustedRootJson } from "../../src/verify/trust_root.ts";
import { isSamuelError } from "../../src/errors.ts";

/** A trusted root that differs from every other one by its (made-up) Rekor log key id. */
function rootNamed(name: string): TrustedRootJson {
  const root = {
    mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
    tlogs: [{
      baseUrl: `https://rekor.${name}.example`,
      hashAlgorithm: "SHA2_256",
      publicKey: {
        rawBytes: btoa(`${name}-log-key`),
        keyDetails: "PKIX_ECDSA_P256_SHA_256",
        validFor: { start: "2024-01-01T00:00:00.000Z" },
      },
      logId: { keyId: btoa(`${name}-log-id`) },
    }],
    certificateAuthorities: [],
    ctlogs: [],
    timestampAuthorities: [],
  };
  return root as TrustedRootJson;
}

const logIdOf = (root: TrustedRootJson) => root.tlogs?.[0]?.logId?.keyId;

function log() {
  const l = { warnings: [] as string[], lines: [] as string[] };
  return {
    ...l,
    sink: { warn: (t: string) => l.warnings.push(t), debug: (t: string) => l.lines.push(t) },
  };
}

interface Env extends AsyncDisposable {
  repo: TufRepo;
  dir: string;
  sigstoreDir: string;
  settings(overrides?: Partial<TufSettings>): TufSettings;
  session(overrides?: Partial<TufSettings>): { session: TrustRootSession; log: ReturnType<typeof log> };
}

async function env(): Promise<Env> {
  const repo = await startTufRepo();
  const dir = await Deno.makeTempDir({ prefix: "samuel-tuf-test-" });
  await Deno.writeTextFile(`${dir}/root.json`, repo.rootJson);
  const sigstoreDir = `${dir}/home/cache/sigstore`;
  const settings = (o: Partial<TufSettings> = {}): TufSettings => ({
    mirror: repo.url,
    cacheMirror: o.mirror === null ? DEFAULT_TUF_MIRROR : o.mirror ?? repo.url,
    timeoutMs: 2000,
    testRoot: `${dir}/root.json`,
    ...o,
  });
  return {
    repo,
    dir,
    sigstoreDir,
    settings,
    session(o = {}) {
      const l = log();
      return { session: new TrustRootSession({ sigstoreDir, log: l.sink, settings: settings(o) }), log: l };
    },
    async [Symbol.asyncDispose]() {
      await repo.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/** A port nothing listens on. */
function deadPort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

Deno.test("TUF: the trusted root of a good mirror is used, cached with its expiry, and fetched once", async () => {
  await using e = await env();
  const good = rootNamed("good");
  e.repo.publish({ targets: { "trusted_root.json": JSON.stringify(good) } });
  const { session, log } = e.session();
  assertEquals(session.info, undefined, "nothing is resolved before a signature needs it");
  const r = await session.resolve();
  assertEquals(logIdOf(r.root), logIdOf(good));
  assertEquals(r.info.source, "tuf");
  assertEquals(r.info.mirror, e.repo.url);
  assertEquals(r.info.refresh_error, null);
  assert(Math.abs(Date.parse(r.info.fetched_at!) - Date.now()) < 60_000, r.info.fetched_at!);
  // Earliest of root.json and targets.json (both a year out here; metadata dates have whole seconds).
  assertEquals(Date.parse(r.info.expires!), Math.floor(e.repo.rootExpires.getTime() / 1000) * 1000);
  assertStringIncludes(r.origin, e.repo.url);
  assertEquals(log.warnings, []);
  assertMatch(log.lines.join("\n"), /trust root: tuf, refreshed from http:\/\/127\.0\.0\.1:\d+ in \d+ ms/);

  const cached = await readCachedRoot(e.sigstoreDir, e.repo.url);
  assertEquals(cached.status, "ok");
  if (cached.status === "ok") {
    assertEquals(logIdOf(cached.record.trusted_root), logIdOf(good));
    assertEquals(cached.record.expires, r.info.expires);
  }
  // One command resolves once: a second call makes no request.
  const requests = e.repo.requests.length;
  assertEquals(e.repo.requests.slice(0, 2), ["GET /2.root.json", "GET /timestamp.json"]);
  assert((await session.resolve()) === r);
  assertEquals(e.repo.requests.length, requests);
});

Deno.test("TUF: the shorter of root.json and targets.json expiry is the cached root's expiry", async () => {
  await using e = await env();
  const soon = new Date(Date.now() + 3_600_000);
  e.repo.publish({ targets: { "trusted_root.json": JSON.stringify(rootNamed("a")) }, expires: soon });
  const r = await e.session().session.resolve();
  assertEquals(r.info.source, "tuf");
  assertEquals(Date.parse(r.info.expires!), Math.floor(soon.getTime() / 1000) * 1000);
});

/**
 * Refreshes a good root (version 5), then turns the mirror hostile and resolves again: the good root must
 * still be used and its cached record stay byte for byte. `metadataRefused`: the TUF client itself
 * refuses the metadata, so none of it is persisted either, and a machine that never saw the good
 * repository refuses it too (not so for a rollback, which only a client that saw the higher version
 * can recognise: TUF's rollback protection is relative to what the client has trusted before).
 */
async function hostile(
  publishHostile: (repo: TufRepo, evil: TrustedRootJson) => void,
  expectInWarning: RegExp,
  o: { metadataRefused: boolean; freshMachineRefuses: boolean },
) {
  await using e = await env();
  const good = rootNamed("good");
  e.repo.publish({ targets: { "trusted_root.json": JSON.stringify(good) }, version: 5 });
  assertEquals((await e.session().session.resolve()).info.source, "tuf");
  const recordFile = cachedRootPath(e.sigstoreDir, e.repo.url);
  const before = await Deno.readTextFile(recordFile);
  const timestampFile = `${e.sigstoreDir}/tuf/${mirrorKey(e.repo.url)}/timestamp.json`;
  const tufBefore = await Deno.readTextFile(timestampFile);

  publishHostile(e.repo, rootNamed("evil"));
  const { session, log } = e.session();
  const r = await session.resolve();
  assertEquals(r.info.source, "cache", JSON.stringify(r.info));
  assertEquals(logIdOf(r.root), logIdOf(good), "the good root is still the one used");
  assertMatch(r.info.refresh_error ?? "", expectInWarning);
  assertEquals(log.warnings.length, 1, log.warnings.join("\n"));
  assertMatch(log.warnings[0], expectInWarning);
  assertStringIncludes(log.warnings[0], "verifying against the cached trusted root");
  assertEquals(await Deno.readTextFile(recordFile), before, "the cached record is untouched");
  if (o.metadataRefused) {
    assertEquals(
      await Deno.readTextFile(timestampFile),
      tufBefore,
      "the hostile timestamp was not persisted",
    );
  }
  if (!o.freshMachineRefuses) return;
  // A fresh machine (no cache) meeting the same repository gets the embedded root, not the evil one.
  const fresh = new TrustRootSession({
    sigstoreDir: `${e.dir}/other-home`,
    log: log.sink,
    settings: e.settings(),
  });
  const f = await fresh.resolve();
  assertEquals(f.info.source, "embedded");
  assertEquals(logIdOf(f.root), logIdOf(await embeddedTrustedRoot()));
}

Deno.test("TUF: an expired repository never replaces the cached root", async () => {
  await hostile(
    (repo, evil) =>
      repo.publish({
        targets: { "trusted_root.json": JSON.stringify(evil) },
        version: 6,
        expires: new Date(Date.now() - 60_000),
      }),
    /expired/,
    { metadataRefused: true, freshMachineRefuses: true },
  );
});

Deno.test("TUF: a rolled-back repository (versions lower than cached) never replaces the cached root", async () => {
  await hostile(
    (repo, evil) => repo.publish({ targets: { "trusted_root.json": JSON.stringify(evil) }, version: 3 }),
    /version 3 is less than current version 5/,
    { metadataRefused: true, freshMachineRefuses: false },
  );
});

Deno.test("TUF: metadata signed with keys the root does not list never replaces the cached root", async () => {
  await hostile(
    (repo, evil) =>
      repo.publish({ targets: { "trusted_root.json": JSON.stringify(evil) }, version: 6, signer: tufKey() }),
    /timestamp was signed by 0\/1 keys/,
    { metadataRefused: true, freshMachineRefuses: true },
  );
});

Deno.test("TUF: a target that is not a trusted root is refused like a bad signature", async () => {
  await hostile(
    (repo) => repo.publish({ targets: { "trusted_root.json": `{"mediaType": "x"}` }, version: 6 }),
    /mediaType is not application\/vnd\.dev\.sigstore\.trustedroot\+json/,
    // The metadata is genuine (the client moves on to it); only its target is not a trusted root.
    { metadataRefused: false, freshMachineRefuses: true },
  );
});

Deno.test("TUF: an unreachable mirror falls back quietly: cache, else embedded; a hang costs one timeout", async (t) => {
  await using e = await env();
  const good = rootNamed("good");
  e.repo.publish({ targets: { "trusted_root.json": JSON.stringify(good) } });
  assertEquals((await e.session().session.resolve()).info.source, "tuf");

  await t.step("503 from the mirror: the cached root, no warning", async () => {
    e.repo.down();
    try {
      const { session, log } = e.session();
      const r = await session.resolve();
      assertEquals(r.info.source, "cache");
      assertEquals(logIdOf(r.root), logIdOf(good));
      assertEquals(log.warnings, []);
      assertMatch(log.lines.join("\n"), /TUF refresh from .* failed after \d+ ms \(.*Failed to download/);
    } finally {
      e.repo.up();
    }
  });

  await t.step("connection refused, no cache for that mirror: the embedded root", async () => {
    const mirror = `http://127.0.0.1:${deadPort()}`;
    const { session, log } = e.session({ mirror, cacheMirror: mirror });
    const started = performance.now();
    const r = await session.resolve();
    const ms = performance.now() - started;
    assertEquals(r.info.source, "embedded");
    assertEquals(r.info.mirror, mirror);
    assertMatch(r.info.refresh_error ?? "", /Connection refused/);
    assertEquals(log.warnings, []);
    assertMatch(log.lines.join("\n"), /no root from http:\/\/127\.0\.0\.1:\d+ is cached yet/);
    assert(ms < 2000, `a refused connection falls back at once (${ms.toFixed(0)} ms)`);
  });

  await t.step("a mirror that accepts and never answers costs one timeout", async () => {
    const hang = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const held: Deno.Conn[] = [];
    const accepting = (async () => {
      for await (const c of hang) held.push(c);
    })();
    try {
      const mirror = `http://127.0.0.1:${(hang.addr as Deno.NetAddr).port}`;
      const { session } = e.session({ mirror, cacheMirror: e.repo.url, timeoutMs: 300 });
      const started = performance.now();
      const r = await session.resolve();
      const ms = performance.now() - started;
      assertEquals(r.info.source, "cache");
      assertMatch(r.info.refresh_error ?? "", /TimeoutError/);
      assert(ms >= 250 && ms < 3000, `one 300 ms timeout, not more (${ms.toFixed(0)} ms)`);
    } finally {
      hang.close();
      for (const c of held) c.close();
      await accepting.catch(() => {});
    }
  });
});

Deno.test("TUF: SAMUEL_TUF_MIRROR=off makes no request and uses the cache of the default mirror", async () => {
  await using e = await env();
  const none = e.session({ mirror: null });
  const r = await none.session.resolve();
  assertEquals(r.info.source, "embedded");
  assertEquals(r.info.mirror, null);
  assertStringIncludes(none.log.lines.join("\n"), "SAMUEL_TUF_MIRROR=off");

  const cached = rootNamed("cached");
  const fetchedAt = new Date().toISOString();
  const expires = new Date(Date.now() + 86_400_000).toISOString();
  await writeCachedRoot(e.sigstoreDir, {
    mirror: DEFAULT_TUF_MIRROR,
    fetched_at: fetchedAt,
    expires,
    trusted_root: cached,
  });
  const withCache = await e.session({ mirror: null }).session.resolve();
  assertEquals(withCache.info.source, "cache");
  assertEquals(withCache.info.mirror, DEFAULT_TUF_MIRROR);
  assertEquals([withCache.info.fetched_at, withCache.info.expires], [fetchedAt, expires]);
  assertEquals(logIdOf(withCache.root), logIdOf(cached));
  assertEquals(e.repo.requests, [], "no request reached any mirror");
});

Deno.test("TUF: a cached root past its expiry, or damaged, is not used", async () => {
  await using e = await env();
  const record = {
    mirror: DEFAULT_TUF_MIRROR,
    fetched_at: "2026-01-01T00:00:00.000Z",
    expires: "2026-02-01T00:00:00.000Z",
    trusted_root: rootNamed("old"),
  };
  await writeCachedRoot(e.sigstoreDir, record);
  assertEquals(
    (await readCachedRoot(e.sigstoreDir, DEFAULT_TUF_MIRROR, new Date("2026-01-31"))).status,
    "ok",
  );
  assertEquals(
    (await readCachedRoot(e.sigstoreDir, DEFAULT_TUF_MIRROR, new Date("2026-02-01"))).status,
    "expired",
  );
  const { session, log } = e.session({ mirror: null });
  const r = await session.resolve();
  assertEquals(r.info.source, "embedded");
  assertStringIncludes(log.lines.join("\n"), "expired at 2026-02-01T00:00:00.000Z");

  await Deno.writeTextFile(cachedRootPath(e.sigstoreDir, DEFAULT_TUF_MIRROR), "{ not json");
  const damaged = await readCachedRoot(e.sigstoreDir, DEFAULT_TUF_MIRROR);
  assertEquals(damaged.status, "unreadable");
  assertEquals((await e.session({ mirror: null }).session.resolve()).info.source, "embedded");
  // A record of another mirror under this mirror's name is not trusted either.
  await writeCachedRoot(e.sigstoreDir, { ...record, expires: "2999-01-01T00:00:00.000Z" });
  assertEquals((await readCachedRoot(e.sigstoreDir, e.repo.url)).status, "missing");
});

Deno.test("TUF settings: default mirror, off, trailing slash, timeout; a bad mirror is SAM-TUF-001", () => {
  const from = (vars: Record<string, string>) => tufSettings((k) => vars[k]);
  assertEquals(from({}), {
    mirror: DEFAULT_TUF_MIRROR,
    cacheMirror: DEFAULT_TUF_MIRROR,
    timeoutMs: 3000,
    testRoot: undefined,
  });
  assertEquals(from({ SAMUEL_TUF_MIRROR: "OFF" }).mirror, null);
  assertEquals(from({ SAMUEL_TUF_MIRROR: "off" }).cacheMirror, DEFAULT_TUF_MIRROR);
  assertEquals(
    from({ SAMUEL_TUF_MIRROR: "https://mirror.example/tuf/" }).mirror,
    "https://mirror.example/tuf",
  );
  assertEquals(from({ SAMUEL_TUF_TIMEOUT_MS: "250" }).timeoutMs, 250);
  assertEquals(from({ SAMUEL_TUF_TIMEOUT_MS: "soon" }).timeoutMs, 3000);
  for (const bad of ["tuf-repo-cdn.sigstore.dev", "ftp://mirror.example", "https://m.example/?x=1", "none"]) {
    const err = assertThrows(() => from({ SAMUEL_TUF_MIRROR: bad }));
    assert(isSamuelError(err), String(err));
    assertEquals(err.code, "SAM-TUF-001");
    assertEquals(err.exit, 2);
    assertStringIncludes(err.message, bad);
    assertStringIncludes(err.fix ?? "", "off");
  }
});

Deno.test("TUF: a --trusted-root file overrides everything and no mirror is contacted", async () => {
  await using e = await env();
  e.repo.publish({ targets: { "trusted_root.json": JSON.stringify(rootNamed("tuf")) } });
  const file = `${e.dir}/given.json`;
  await Deno.writeTextFile(file, JSON.stringify(rootNamed("given")));
  const l = log();
  const session = new TrustRootSession({
    file,
    sigstoreDir: e.sigstoreDir,
    log: l.sink,
    settings: e.settings(),
  });
  const r = await session.resolve();
  assertEquals(r.info.source, "file");
  assertEquals(r.info.file, file);
  assertEquals(logIdOf(r.root), logIdOf(rootNamed("given")));
  assertEquals(e.repo.requests, []);
  // An unusable file is the user's error (exit 2), not a reason to fall back to TUF.
  await Deno.writeTextFile(file, "[]");
  const broken = new TrustRootSession({
    file,
    sigstoreDir: e.sigstoreDir,
    log: l.sink,
    settings: e.settings(),
  });
  const err = await assertRejects(() => broken.resolve());
  assert(isSamuelError(err));
  assertEquals(err.code, "SAM-VERIFY-013");
  assertEquals(e.repo.requests, []);
});

Deno.test("TUF: a dry run refreshes on a scratch copy: the new root is used, nothing on disk changes", async () => {
  await using e = await env();
  e.repo.publish({ targets: { "trusted_root.json": JSON.stringify(rootNamed("v3")) }, version: 3 });
  assertEquals((await e.session().session.resolve()).info.source, "tuf");
  const timestampFile = `${e.sigstoreDir}/tuf/${mirrorKey(e.repo.url)}/timestamp.json`;
  const recordFile = cachedRootPath(e.sigstoreDir, e.repo.url);
  const before = [await Deno.readTextFile(timestampFile), await Deno.readTextFile(recordFile)];

  e.repo.publish({ targets: { "trusted_root.json": JSON.stringify(rootNamed("v4")) } });
  const dryRun = () =>
    new TrustRootSession({
      sigstoreDir: e.sigstoreDir,
      log: log().sink,
      settings: e.settings(),
      dryRun: true,
    });
  const r = await dryRun().resolve();
  assertEquals(r.info.source, "tuf");
  assertEquals(logIdOf(r.root), logIdOf(rootNamed("v4")));
  assertEquals([await Deno.readTextFile(timestampFile), await Deno.readTextFile(recordFile)], before);
  // The scratch copy starts from the cached metadata, so rollback protection holds in a dry run too.
  e.repo.publish({ targets: { "trusted_root.json": JSON.stringify(rootNamed("old")) }, version: 2 });
  const refused = await dryRun().resolve();
  assertEquals(refused.info.source, "cache");
  assertEquals(logIdOf(refused.root), logIdOf(rootNamed("v3")));
  assertMatch(refused.info.refresh_error ?? "", /version 2 is less than current version 3/);
});
