/** Registry indexes: file, http and github.com registries, the TTL cache, stale fallback, search and info. */

import { assert, assertEquals, assertRejects, assertStringIncludes } from "../support/assert.ts";
import { FakeGitHub } from "../support/fake_github.ts";
import { cachePath, info, registryLocation, resolveName, search } from "../../src/source/registry.ts";
import { fetchPlugin, parseSourceSpec } from "../../src/source/mod.ts";
import type { FetchContext, RegistryRef } from "../../src/source/types.ts";
import { SamuelError } from "../../src/errors.ts";

const INDEX = `format = 1

[[plugins]]
name = "go-guide"
description = "TinyGo port of go-guide: Go style lints."
source = "acme/go-guide"
versions = ["0.1.0", "0.2.0", "1.0.0", "1.1.0", "2.0.0-beta.1"]

[[plugins]]
name = "hello"
description = "Says hello."
source = "acme/hello"
versions = ["0.1.0"]
tag_prefix = "release-"

[[plugins]]
name = "local-skill"
description = "A skill kept next to the index."
source = "file://./skills/local-skill-{version}"
versions = ["1.0.0"]
kind = "skill"
`;

/** Remote indexes may not hold relative file:// sources. */
const HTTP_INDEX = INDEX.slice(0, INDEX.indexOf('[[plugins]]\nname = "local-skill"'));

interface Env {
  home: string;
  dir: string;
  warnings: string[];
  ctx: (gh?: FakeGitHub, env?: Record<string, string>) => FetchContext;
}

async function withEnv(fn: (env: Env) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "samuel-registry-" });
  const warnings: string[] = [];
  try {
    await fn({
      home: `${dir}/home`,
      dir,
      warnings,
      ctx: (gh, extra = {}) => {
        const vars: Record<string, string> = { ...(gh?.env ?? {}), ...extra };
        return {
          env: (k) => vars[k],
          home: `${dir}/home`,
          cwd: dir,
          retryBaseMs: 1,
          retries: 1,
          timeoutMs: 5_000,
          progress: false,
          warn: (m) => warnings.push(m),
        };
      },
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function code(p: Promise<unknown>, expected: string): Promise<SamuelError> {
  const e = await assertRejects(() => p);
  assert(e instanceof SamuelError, String(e));
  assertEquals(e.code, expected, e.message);
  return e;
}

Deno.test("registry: file index (folder or file), highest satisfying version, tag prefix", async () => {
  await withEnv(async ({ dir, ctx }) => {
    await Deno.writeTextFile(`${dir}/index.toml`, INDEX);
    for (const url of [`file://${dir}`, `file://${dir}/index.toml`, "file://./index.toml"]) {
      const regs = [{ url }];
      const r = await resolveName("go-guide", undefined, regs, ctx());
      assertEquals(r.version, "1.1.0", "prereleases excluded by default");
      assertEquals(r.spec, {
        kind: "github",
        owner: "acme",
        repo: "go-guide",
        tag: "v1.1.0",
        raw: "acme/go-guide@v1.1.0",
      });
      assertEquals((await resolveName("go-guide", "^0.1", regs, ctx())).version, "0.1.0");
      assertEquals((await resolveName("go-guide", "2.0.0-beta.1", regs, ctx())).version, "2.0.0-beta.1");
      assertEquals(
        ((await resolveName("hello", undefined, regs, ctx())).spec as { tag: string }).tag,
        "release-0.1.0",
      );
    }
  });
});

Deno.test("registry: relative file:// sources resolve next to the index, with {version}", async () => {
  await withEnv(async ({ dir, ctx }) => {
    await Deno.mkdir(`${dir}/reg`);
    await Deno.writeTextFile(`${dir}/reg/index.toml`, INDEX);
    const r = await resolveName("local-skill", undefined, [{ url: `file://${dir}/reg` }], ctx());
    assertEquals(r.spec, {
      kind: "file",
      path: `${dir}/reg/skills/local-skill-1.0.0`,
      raw: `file://${dir}/reg/./skills/local-skill-1.0.0`,
    });
  });
});

Deno.test("registry: errors: no registries, unknown name, no matching version, bad index, bad URL", async () => {
  await withEnv(async ({ dir, ctx }) => {
    await Deno.writeTextFile(`${dir}/index.toml`, INDEX);
    const regs = [{ url: `file://${dir}` }];
    await code(resolveName("x", undefined, [], ctx()), "SAM-REGISTRY-001");
    const unknown = await code(resolveName("guide", undefined, regs, ctx()), "SAM-REGISTRY-004");
    assertStringIncludes(unknown.fix!, "go-guide");
    const none = await code(resolveName("go-guide", "^3", regs, ctx()), "SAM-REGISTRY-005");
    assertStringIncludes(none.message, "1.1.0");
    await code(resolveName("x", undefined, [{ url: "ftp://x" }], ctx()), "SAM-REGISTRY-002");
    await code(
      resolveName("x", undefined, [{ url: `file://${dir}/missing.toml` }], ctx()),
      "SAM-REGISTRY-007",
    );
    for (
      const bad of [
        "[[plugins]]\nname = 1",
        '[[plugins]]\nname = "a"\nsource = "acme/a"\nversions = ["x"]',
        '[[plugins]]\nname = "a"\nsource = "https://x"\nversions = ["1.0.0"]',
        '[[plugins]]\nname = "a"\nsource = "acme/a"\nversions = ["1.0.0"]\n[[plugins]]\nname = "a"\nsource = "acme/a"\nversions = ["1.0.0"]',
        "format = 2",
        "plugins = [",
      ]
    ) {
      await Deno.writeTextFile(`${dir}/index.toml`, bad);
      const e = await code(resolveName("a", undefined, regs, ctx()), "SAM-REGISTRY-003");
      assertStringIncludes(e.message, `${dir}/index.toml`);
    }
  });
});

Deno.test("registry: the first registry listing a name wins", async () => {
  await withEnv(async ({ dir, ctx }) => {
    await Deno.writeTextFile(
      `${dir}/a.toml`,
      '[[plugins]]\nname = "x"\nsource = "first/x"\nversions = ["1.0.0"]\n',
    );
    await Deno.writeTextFile(
      `${dir}/b.toml`,
      '[[plugins]]\nname = "x"\nsource = "second/x"\nversions = ["9.0.0"]\n',
    );
    const r = await resolveName("x", undefined, [{ url: `file://${dir}/a.toml` }, {
      url: `file://${dir}/b.toml`,
    }], ctx());
    assertEquals((r.spec as { owner: string }).owner, "first");
    assertEquals(r.registry, `file://${dir}/a.toml`);
  });
});

Deno.test("registry: http index is cached; a second lookup within the TTL makes no request", async () => {
  await withEnv(async ({ ctx }) => {
    await using gh = await FakeGitHub.start();
    gh.file("/reg/index.toml", HTTP_INDEX);
    const regs: RegistryRef[] = [{ url: `${gh.origin}/reg` }];
    assertEquals((await resolveName("go-guide", undefined, regs, ctx(gh))).version, "1.1.0");
    assertEquals((await resolveName("hello", undefined, regs, ctx(gh))).version, "0.1.0");
    assertEquals(gh.count("/reg/index.toml"), 1);
    const cached = await cachePath(`${gh.origin}/reg/index.toml`, ctx(gh));
    assertEquals(await Deno.readTextFile(cached), HTTP_INDEX);
    // TTL 0: every lookup refreshes.
    await resolveName("hello", undefined, regs, ctx(gh, { SAMUEL_REGISTRY_TTL: "0" }));
    assertEquals(gh.count("/reg/index.toml"), 2);
    // An expired cache (old mtime) is refreshed too.
    await Deno.utime(cached, new Date(Date.now() - 7200_000), new Date(Date.now() - 7200_000));
    await resolveName("hello", undefined, regs, ctx(gh));
    assertEquals(gh.count("/reg/index.toml"), 3);
  });
});

Deno.test("registry: a stale cache is used, with a warning, when the refresh fails", async () => {
  await withEnv(async ({ ctx, warnings }) => {
    await using gh = await FakeGitHub.start();
    gh.file("/index.toml", HTTP_INDEX);
    const regs = [{ url: `${gh.origin}/index.toml` }];
    await resolveName("hello", undefined, regs, ctx(gh));
    gh.always("/index.toml", { status: 503 });
    const r = await resolveName("hello", undefined, regs, ctx(gh, { SAMUEL_REGISTRY_TTL: "0" }));
    assertEquals(r.version, "0.1.0");
    assertEquals(warnings.length, 1);
    assertStringIncludes(warnings[0], "cached copy");
    assertStringIncludes(warnings[0], "HTTP 503");
    // The server gone entirely: same.
    const url = gh.origin;
    await gh.close();
    await resolveName(
      "hello",
      undefined,
      [{ url: `${url}/index.toml` }],
      ctx(gh, { SAMUEL_REGISTRY_TTL: "0" }),
    );
    assertEquals(warnings.length, 2);
  });
});

Deno.test("registry: no cache and no network is an error naming the registry", async () => {
  await withEnv(async ({ ctx }) => {
    await using gh = await FakeGitHub.start();
    gh.always("/index.toml", { status: 500 });
    const e = await code(
      resolveName("x", undefined, [{ url: `${gh.origin}/index.toml` }], ctx(gh)),
      "SAM-REGISTRY-006",
    );
    assertStringIncludes(e.message, `${gh.origin}/index.toml`);
  });
});

Deno.test("registry: github.com/<o>/<r> reads the raw index, with the token", async () => {
  await withEnv(async ({ ctx }) => {
    await using gh = await FakeGitHub.start();
    gh.raw("acme", "registry", "index.toml", HTTP_INDEX);
    const c = ctx(gh, { GITHUB_TOKEN: "tok" });
    assertEquals(registryLocation("github.com/acme/registry", c), {
      kind: "http",
      url: `${gh.rawUrl}/acme/registry/HEAD/index.toml`,
      github: true,
    });
    assertEquals(
      registryLocation("https://github.com/acme/registry", c).url,
      `${gh.rawUrl}/acme/registry/HEAD/index.toml`,
    );
    const r = await resolveName("go-guide", "1.0.0", [{ url: "github.com/acme/registry" }], c);
    assertEquals(r.version, "1.0.0");
    assertEquals(gh.requests[0].headers.authorization, "Bearer tok");
  });
});

Deno.test("registry: plain http registries never get the GitHub token", async () => {
  await withEnv(async ({ ctx }) => {
    await using gh = await FakeGitHub.start();
    await using other = await FakeGitHub.start();
    other.file("/index.toml", HTTP_INDEX);
    await resolveName(
      "hello",
      undefined,
      [{ url: `${other.origin}/index.toml` }],
      ctx(gh, { GITHUB_TOKEN: "tok" }),
    );
    assertEquals(other.requests[0].headers.authorization, undefined);
  });
});

Deno.test("registry: a remote index with a relative file:// source is refused", async () => {
  await withEnv(async ({ ctx }) => {
    await using gh = await FakeGitHub.start();
    gh.file("/index.toml", INDEX);
    const e = await code(
      resolveName("hello", undefined, [{ url: `${gh.origin}/index.toml` }], ctx(gh)),
      "SAM-REGISTRY-003",
    );
    assertStringIncludes(e.message, "relative file://");
  });
});

Deno.test("registry: search matches names and descriptions; info returns the entry", async () => {
  await withEnv(async ({ dir, ctx }) => {
    await Deno.writeTextFile(`${dir}/index.toml`, INDEX);
    const regs = [{ url: `file://${dir}` }];
    assertEquals((await search("hello", regs, ctx())).map((e) => e.name), ["hello"]);
    assertEquals((await search("GO", regs, ctx())).map((e) => e.name), ["go-guide"]);
    assertEquals((await search("lints", regs, ctx())).map((e) => e.name), ["go-guide"]);
    assertEquals((await search("", regs, ctx())).length, 3);
    assertEquals((await search("nothing-like-this", regs, ctx())).length, 0);
    const i = await info("go-guide", regs, ctx());
    assertEquals(i.source, "acme/go-guide");
    assertEquals(i.versions.length, 5);
    await code(info("nope", regs, ctx()), "SAM-REGISTRY-004");
  });
});

Deno.test("registry: search skips an unreachable registry with a warning", async () => {
  await withEnv(async ({ dir, ctx, warnings }) => {
    await Deno.writeTextFile(`${dir}/index.toml`, INDEX);
    const gh = await FakeGitHub.start();
    const dead = `${gh.origin}/index.toml`;
    await gh.close();
    const hits = await search("hello", [{ url: dead }, { url: `file://${dir}` }], ctx());
    assertEquals(hits.map((e) => e.name), ["hello"]);
    assertEquals(warnings.length, 1);
  });
});

Deno.test("registry: fetchPlugin by name through a file registry to a local skill folder", async () => {
  await withEnv(async ({ dir, ctx }) => {
    await Deno.mkdir(`${dir}/reg/skills/local-skill-1.0.0`, { recursive: true });
    await Deno.writeTextFile(`${dir}/reg/index.toml`, INDEX);
    const skill = `${dir}/reg/skills/local-skill-1.0.0`;
    await Deno.writeTextFile(`${skill}/samuel-plugin.toml`, 'name = "local-skill"\nkind = "skill"\n');
    await Deno.writeTextFile(`${skill}/SKILL.md`, "# skill\n");
    const f = await fetchPlugin(await parseSourceSpec("local-skill@1"), {
      ...ctx(),
      registries: [{ url: "file://./reg" }],
    });
    assertEquals(f.kind, "skill");
    assertEquals(f.skillDir, skill);
    assertEquals(f.source, "local-skill@1");
    assertEquals(f.pinned, "local-skill@1.0.0");
    assertEquals(f.registry, "file://./reg");
  });
});

Deno.test("registry: info skips an unreachable registry with a warning", async () => {
  await withEnv(async ({ dir, ctx, warnings }) => {
    await Deno.writeTextFile(`${dir}/index.toml`, INDEX);
    const gh = await FakeGitHub.start();
    const dead = `${gh.origin}/index.toml`;
    await gh.close();
    assertEquals((await info("hello", [{ url: dead }, { url: `file://${dir}` }], ctx())).name, "hello");
    assertEquals(warnings.length, 1);
    const e = await code(info("nope", [{ url: dead }], ctx()), "SAM-REGISTRY-004");
    assertStringIncludes(e.reason!, dead);
  });
});

Deno.test("registry: fetchPlugin by name fetches the GitHub release at the resolved tag", async () => {
  await withEnv(async ({ ctx }) => {
    await using gh = await FakeGitHub.start();
    gh.file("/index.toml", HTTP_INDEX);
    gh.release("acme", "go-guide", "v1.0.0", {
      "samuel-plugin.toml": 'kind = "wasm"\n',
      "plugin.wasm": "one",
    });
    gh.release("acme", "go-guide", "v1.1.0", {
      "samuel-plugin.toml": 'kind = "wasm"\n',
      "plugin.wasm": "one-one",
    });
    const c = { ...ctx(gh), registries: [{ url: `${gh.origin}/index.toml` }] };
    const f = await fetchPlugin(await parseSourceSpec("go-guide@~1.0"), c);
    assertEquals(new TextDecoder().decode(f.module), "one");
    assertEquals(f.version, "1.0.0");
    assertEquals(f.tag, "v1.0.0");
    assertEquals(f.source, "go-guide@~1.0");
    assertEquals(f.pinned, "go-guide@1.0.0");
    assertEquals(f.registry, `${gh.origin}/index.toml`);
    assertEquals(f.resolvedUrl, `${gh.origin}/acme/go-guide/releases/download/v1.0.0/plugin.wasm`);
    const latest = await fetchPlugin(await parseSourceSpec("go-guide"), c);
    assertEquals(latest.version, "1.1.0");
    assertEquals(latest.source, "go-guide");
    assertEquals(gh.count(FakeGitHub.latestPath("acme", "go-guide")), 0, "registries pin a tag");
  });
});
