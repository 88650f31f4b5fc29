/**
 * `deno run <flags> https://…/main.ts <args>` must work: no deno.json next to a URL, so every import must
 * be relative, `node:` or a pinned `npm:` specifier, and nothing may read files next to the source except
 * through `import` (DESIGN.md: "also runnable with `deno run` from a URL"). These tests serve a tree over
 * HTTP on 127.0.0.1 and run samuel from it with exactly the shipped flags and `--no-config`:
 * - always: a copy of the tree after scripts/pin-imports.ts (proves the rewrite is sufficient and that
 *   the sandbox Worker, JSON imports and lazy command imports all load over HTTP), plus unit tests of the
 *   checker and the rewriter, plus a scan for source files read from next to the code;
 * - always: the working tree itself (scripts/check-imports.ts names any bare specifier that creeps in).
 */

import { assert, assertEquals, assertStringIncludes } from "../support/assert.ts";
import { wat2wasm } from "../support/wat.ts";
import { HERMETIC_ENV } from "../support/cli.ts";
import { RUN_FLAGS } from "../../scripts/flags.ts";
import { checkImports, classify, parseNpm, pinnedFor } from "../../scripts/check-imports.ts";
import { pinText } from "../../scripts/pin-imports.ts";
import { FakeGitHub } from "../support/fake_github.ts";
import { startMockSigstore } from "../support/sigstore_mock.ts";

const ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
const decoder = new TextDecoder();

/**
 * The Deno cache of this test process. Tests give samuel a private HOME; without this, Deno would look
 * for its cache under that HOME and try to download the npm packages again (slow, or failing offline).
 */
const DENO_DIR = await (async () => {
  const out = await new Deno.Command(Deno.execPath(), { args: ["info", "--json"], stdout: "piped" }).output();
  return JSON.parse(new TextDecoder().decode(out.stdout)).denoDir as string;
})();

/**
 * Serves `root` read-only over HTTP on 127.0.0.1, the way raw.githubusercontent.com serves a repository:
 * every file as `text/plain` (Deno then goes by the file extension, for `.ts` and `.json` alike).
 */
function serve(root: string): Deno.HttpServer<Deno.NetAddr> & { base: string } {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = decodeURIComponent(new URL(req.url).pathname);
    if (path.split("/").includes("..")) return new Response("bad path", { status: 400 });
    try {
      const body = await Deno.readFile(root + path);
      return new Response(body, { headers: { "content-type": "text/plain; charset=utf-8" } });
    } catch {
      return new Response("404: Not Found", { status: 404 });
    }
  });
  return Object.assign(server, { base: `http://127.0.0.1:${server.addr.port}` });
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `deno run <shipped flags> --no-config <url> args` from `cwd` (outside the repository). */
async function runUrl(url: string, args: string[], cwd: string, env: Record<string, string>): Promise<Run> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-q", "--no-config", ...RUN_FLAGS, url, ...args],
    cwd,
    env: { NO_COLOR: "1", DENO_DIR, ...HERMETIC_ENV, ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

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

const MANIFEST = `name = "fromurl"
version = "0.1.0"
kind = "wasm"
summary = "url test plugin"
[samuel]
framework = "*"
protocol = "^1.0.0"
[wasm]
module = "plugin.wasm"
exports = ["lint"]
[capabilities.filesystem]
read = ["/workspace"]
`;

/** Runs the user-visible commands from `base/main.ts`; every one must succeed. */
async function exerciseFromUrl(base: string): Promise<void> {
  const tmp = await Deno.makeTempDir({ prefix: "samuel-url-run-" });
  try {
    const env = { SAMUEL_HOME: `${tmp}/home`, HOME: tmp };
    const main = `${base}/main.ts`;
    let r = await runUrl(main, ["version", "--json"], tmp, env);
    assertEquals(r.code, 0, r.stderr);
    assertEquals(JSON.parse(r.stdout).ok, true);

    r = await runUrl(main, ["--help"], tmp, env);
    assertEquals(r.code, 0, r.stderr);
    assertStringIncludes(r.stdout, "install");

    const project = `${tmp}/project`;
    const plugin = `${tmp}/plugin`;
    await Deno.mkdir(project);
    await Deno.mkdir(plugin);
    await Deno.writeFile(`${plugin}/plugin.wasm`, await wat2wasm(PLUGIN_WAT));
    await Deno.writeTextFile(`${plugin}/samuel-plugin.toml`, MANIFEST);

    r = await runUrl(main, ["plugin", "exec", `${ROOT}/tests/fixtures/prebuilt/hello.wasm`], tmp, env);
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.stdout, "hello from samuel smoke\n");

    r = await runUrl(main, ["init"], project, env);
    assertEquals(r.code, 0, r.stderr);
    r = await runUrl(main, ["install", `file://${plugin}`, "--allow-unsigned", "--yes"], project, env);
    assertEquals(r.code, 0, r.stdout + r.stderr);
    // The sandbox Worker is loaded from `new URL("./sandbox_worker.ts", import.meta.url)`: over HTTP here.
    r = await runUrl(main, ["run", "fromurl", "lint", "--json"], project, env);
    assertEquals(r.code, 0, r.stdout + r.stderr);
    assertEquals(JSON.parse(r.stdout).ok, true);

    // A signed install: the Sigstore npm packages and the node:crypto patch, loaded lazily from the URL.
    await using gh = await FakeGitHub.start();
    await using sigstore = await startMockSigstore();
    const bytes = await wat2wasm(PLUGIN_WAT);
    gh.release("acme", "fromurl", "v0.1.0", {
      "samuel-plugin.toml": MANIFEST,
      "plugin.wasm": bytes as Uint8Array<ArrayBuffer>,
      "plugin.wasm.bundle": await sigstore.sign(bytes, {
        san: "https://github.com/acme/fromurl/.github/workflows/release.yml@refs/tags/v0.1.0",
      }),
    });
    await Deno.writeTextFile(`${tmp}/trusted_root.json`, JSON.stringify(sigstore.trustedRoot));
    const signedProject = `${tmp}/signed`;
    await Deno.mkdir(signedProject);
    r = await runUrl(main, ["init"], signedProject, env);
    assertEquals(r.code, 0, r.stderr);
    r = await runUrl(
      main,
      ["install", "acme/fromurl@v0.1.0", "--yes", "--trusted-root", `${tmp}/trusted_root.json`],
      signedProject,
      { ...env, ...gh.env },
    );
    assertEquals(r.code, 0, r.stdout + r.stderr);
    assertStringIncludes(await Deno.readTextFile(`${signedProject}/samuel.lock`), "sigstore");

    // The embedded public-good trusted root is a JSON import, so it comes over HTTP as well.
    const probe = await new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        "--no-config",
        `const m = await import("${base}/src/verify/trust_root.ts");` +
        "console.log((await m.embeddedTrustedRoot()).mediaType);",
      ],
      cwd: tmp,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(probe.code, 0, decoder.decode(probe.stderr));
    assertStringIncludes(decoder.decode(probe.stdout), "application/vnd.dev.sigstore.trustedroot");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

/** A copy of what `deno run` fetches (main.ts, src/) plus deno.json and deno.lock for the pinning step. */
async function copyTree(to: string): Promise<void> {
  const copy = async (from: string, dest: string) => {
    const info = await Deno.stat(from);
    if (info.isDirectory) {
      await Deno.mkdir(dest, { recursive: true });
      for await (const e of Deno.readDir(from)) await copy(`${from}/${e.name}`, `${dest}/${e.name}`);
    } else {
      await Deno.copyFile(from, dest);
    }
  };
  for (const name of ["main.ts", "src", "deno.json", "deno.lock"]) {
    await copy(`${ROOT}/${name}`, `${to}/${name}`);
  }
}

Deno.test("check-imports classifies specifiers", () => {
  assertEquals(classify("./a.ts"), "ok");
  assertEquals(classify("../a.ts"), "ok");
  assertEquals(classify("node:crypto"), "ok");
  assertEquals(classify("npm:smol-toml@1.9.1"), "ok");
  assertEquals(classify("npm:@sigstore/bundle@5.0.1/dist/x.js"), "ok");
  assertEquals(classify("npm:smol-toml"), "unpinned-npm");
  assertEquals(classify("npm:smol-toml@^1.9.1"), "unpinned-npm");
  assertEquals(classify("npm:@sigstore/verify@4"), "unpinned-npm");
  assertEquals(classify("smol-toml"), "bare");
  assertEquals(classify("@sigstore/verify"), "bare");
  assertEquals(classify("jsr:@std/path@1.0.0"), "remote");
  assertEquals(classify("https://deno.land/x/y.ts"), "remote");
  assertEquals(parseNpm("npm:@a/b@1.2.3/sub/x.js"), { name: "@a/b", version: "1.2.3", subpath: "/sub/x.js" });
  assertEquals(parseNpm("npm:a"), { name: "a", version: "", subpath: "" });
  const imports = { "smol-toml": "npm:smol-toml@1.9.1", "@sigstore/bundle": "npm:@sigstore/bundle@5.0.1" };
  assertEquals(pinnedFor("smol-toml", imports), "npm:smol-toml@1.9.1");
  assertEquals(pinnedFor("@sigstore/bundle/x", imports), "npm:@sigstore/bundle@5.0.1/x");
  assertEquals(pinnedFor("other", imports), undefined);
});

Deno.test("pin-imports rewrites mapped bare specifiers only, in every import form", () => {
  const imports = { "smol-toml": "npm:smol-toml@1.9.1", "semver": "npm:semver@7.8.6" };
  const before = [
    `import { parse } from "smol-toml";`,
    `import type { X } from 'semver';`,
    `export { parse } from "smol-toml";`,
    `import "semver";`,
    `const s = await import("semver");`,
    `const t = await import( "smol-toml" );`,
    `import { a } from "./local.ts";`,
    `import nodeCrypto from "node:crypto";`,
    `import { y } from "npm:semver@7.8.6";`,
    `import { z } from "unmapped";`,
    `const text = "from the project";`,
  ].join("\n");
  const { text, changes, unmapped } = pinText(before, imports);
  assertEquals(
    text,
    [
      `import { parse } from "npm:smol-toml@1.9.1";`,
      `import type { X } from 'npm:semver@7.8.6';`,
      `export { parse } from "npm:smol-toml@1.9.1";`,
      `import "npm:semver@7.8.6";`,
      `const s = await import("npm:semver@7.8.6");`,
      `const t = await import( "npm:smol-toml@1.9.1" );`,
      `import { a } from "./local.ts";`,
      `import nodeCrypto from "node:crypto";`,
      `import { y } from "npm:semver@7.8.6";`,
      `import { z } from "unmapped";`,
      `const text = "from the project";`,
    ].join("\n"),
  );
  assertEquals(changes.map((c) => c.line), [1, 2, 3, 4, 5, 6]);
  assertEquals(unmapped, ["unmapped"]);
});

Deno.test("nothing reads files next to the source at run time (only code_url.ts knows where modules are)", async () => {
  const offenders: string[] = [];
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(dir)) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory) await walk(path);
      else if (e.name.endsWith(".ts")) scan(path, await Deno.readTextFile(path));
    }
  };
  const scan = (path: string, text: string) => {
    text.split("\n").forEach((line, i) => {
      const uses = line.includes("import.meta.url") || line.includes("import.meta.dirname") ||
        line.includes("import.meta.filename") || line.includes("import.meta.resolve");
      // The allowed uses: src/code_url.ts, the one module that knows where samuel's own modules are (for
      // the Worker and the modules loaded on demand, all loaded by Deno like imports), and the bundle's
      // entry telling it.
      const allowed = path.endsWith("/src/code_url.ts") || path.endsWith("/src/bundle_main.ts");
      if (uses && !allowed) offenders.push(`${path.slice(ROOT.length + 1)}:${i + 1}: ${line.trim()}`);
    });
  };
  scan(`${ROOT}/main.ts`, await Deno.readTextFile(`${ROOT}/main.ts`));
  await walk(`${ROOT}/src`);
  assertEquals(offenders, []);
  // And every URL code_url.ts makes is imported or handed to `new Worker`, never read as a file.
  let uses = 0;
  const collect = async (dir: string) => {
    for await (const e of Deno.readDir(dir)) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory) await collect(path);
      else if (e.name.endsWith(".ts") && !path.endsWith("/src/code_url.ts")) {
        const code = (await Deno.readTextFile(path)).replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
        const all = code.match(/codeUrl\(/g)?.length ?? 0;
        const loaded = code.match(/(import\(|new Worker\()\s*codeUrl\(/g)?.length ?? 0;
        assertEquals(loaded, all, `${path}: a codeUrl() that is not imported or started as a Worker`);
        uses += all;
      }
    }
  };
  await collect(`${ROOT}/src`);
  assert(uses >= 5, `only ${uses} uses of codeUrl found`);
});

Deno.test("after pin-imports, a copy of the tree runs from a URL with the shipped flags", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "samuel-url-pinned-" });
  try {
    await copyTree(tmp);
    const pin = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-read",
        "--allow-write",
        "--allow-run",
        "--allow-env",
        `${ROOT}/scripts/pin-imports.ts`,
      ],
      cwd: tmp,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(pin.code, 0, decoder.decode(pin.stderr));
    assertEquals(await checkImports(tmp, ["main.ts"]), []);
    // Nothing but main.ts and src/ is served: no deno.json, no lock next to the URL.
    await Deno.remove(`${tmp}/deno.json`);
    await Deno.remove(`${tmp}/deno.lock`);
    await using server = serve(tmp);
    await exerciseFromUrl(server.base);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("the working tree runs from a URL: deno run --no-config http://…/main.ts", async () => {
  assertEquals(await checkImports(ROOT, ["main.ts"]), []);
  await using server = serve(ROOT);
  await exerciseFromUrl(server.base);
});
