/**
 * install.sh against a local release server (Deno.serve on 127.0.0.1 standing in for GitHub releases):
 * it downloads the asset for this machine and SHA256SUMS, installs the verified binary atomically, and
 * refuses, with a clear message and nothing placed, on a checksum mismatch, a missing SHA256SUMS entry
 * and a 404. It runs under `sh` (dash on Debian) and `dash` when present, so bashisms would fail here.
 */

import { assert, assertEquals, assertStringIncludes } from "../support/assert.ts";
import { needs } from "../support/needs.ts";

const SCRIPT = new URL("../../install.sh", import.meta.url).pathname;
const decoder = new TextDecoder();
const encoder = new TextEncoder();

const FAKE_BINARY = "#!/bin/sh\necho 'samuel 9.9.9 (fake)'\n";
const TAMPERED = "#!/bin/sh\necho 'not samuel'\n";

async function sha256Hex(text: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The asset install.sh picks on this machine. */
function localAsset(): string {
  const os = Deno.build.os === "windows" ? "windows" : Deno.build.os === "darwin" ? "darwin" : "linux";
  const arch = Deno.build.arch === "aarch64" ? "arm64" : "x64";
  return os === "windows" ? `samuel-${os}-${arch}.exe` : `samuel-${os}-${arch}`;
}

/** A release server: `files` maps `/<version>/<name>` to bodies; everything else is a 404. */
function releaseServer(files: Record<string, string>) {
  const requests: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const path = new URL(req.url).pathname;
    requests.push(path);
    const body = files[path];
    return body === undefined ? new Response("Not Found", { status: 404 }) : new Response(body);
  });
  return Object.assign(server, { url: `http://127.0.0.1:${server.addr.port}`, requests });
}

async function install(
  env: Record<string, string>,
  opts: { shell?: string; args?: string[] } = {},
): Promise<{ code: number; stderr: string }> {
  const out = await new Deno.Command(opts.shell ?? "sh", {
    args: [SCRIPT, ...(opts.args ?? [])],
    env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", HOME: env.HOME ?? "/nonexistent", ...env },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: decoder.decode(out.stderr) + decoder.decode(out.stdout) };
}

async function listDir(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) names.push(e.name);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return names.sort();
}

const ASSET = localAsset();
const BIN = ASSET.endsWith(".exe") ? "samuel.exe" : "samuel";

Deno.test({
  ...needs(
    "install.sh: downloads, verifies and installs; refuses mismatches and 404s with nothing placed",
    Deno.build.os === "windows" && "a POSIX shell script, not run on Windows",
  ),
  async fn(t) {
    const sums = `${await sha256Hex(FAKE_BINARY)}  ${ASSET}\n${"0".repeat(64)}  samuel-other-x64\n`;
    await using server = releaseServer({
      [`/v9.9.9/${ASSET}`]: FAKE_BINARY,
      "/v9.9.9/SHA256SUMS": sums,
      [`/v9.9.8/${ASSET}`]: TAMPERED,
      "/v9.9.8/SHA256SUMS": sums,
      [`/v9.9.7/${ASSET}`]: FAKE_BINARY,
      "/v9.9.7/SHA256SUMS": `${await sha256Hex(FAKE_BINARY)}  samuel-other-x64\n`,
      [`/v9.9.6/${ASSET}`]: FAKE_BINARY,
      "/v9.9.6/SHA256SUMS": `${(await sha256Hex(FAKE_BINARY)).toUpperCase()} *${ASSET}\n`,
    });
    const tmp = await Deno.makeTempDir({ prefix: "samuel-install-sh-" });
    try {
      const base = { HOME: tmp, SAMUEL_DOWNLOAD_URL: server.url };

      await t.step("sh -n parses it", async () => {
        const out = await new Deno.Command("sh", { args: ["-n", SCRIPT], stderr: "piped" }).output();
        assertEquals(out.code, 0, decoder.decode(out.stderr));
      });

      await t.step("success: the verified binary lands in SAMUEL_INSTALL_DIR and runs", async () => {
        const dir = `${tmp}/bin`;
        const r = await install({ ...base, SAMUEL_INSTALL_DIR: dir, SAMUEL_VERSION: "v9.9.9" });
        assertEquals(r.code, 0, r.stderr);
        assertEquals(await Deno.readTextFile(`${dir}/${BIN}`), FAKE_BINARY);
        assert(((await Deno.stat(`${dir}/${BIN}`)).mode! & 0o111) !== 0, "executable");
        assertEquals(await listDir(dir), [BIN], "no staging file left behind");
        assertStringIncludes(r.stderr, `installed ${dir}/${BIN}`);
        assertStringIncludes(r.stderr, "is not on your PATH");
        const run = await new Deno.Command(`${dir}/${BIN}`, { stdout: "piped" }).output();
        assertEquals(decoder.decode(run.stdout), "samuel 9.9.9 (fake)\n");
      });

      await t.step("version as an argument, without the v; default dir is ~/.local/bin", async () => {
        const r = await install(base, { args: ["9.9.9"] });
        assertEquals(r.code, 0, r.stderr);
        assertEquals(await Deno.readTextFile(`${tmp}/.local/bin/${BIN}`), FAKE_BINARY);
      });

      await t.step("binary-mode, upper-case SHA256SUMS lines are accepted", async () => {
        const r = await install({ ...base, SAMUEL_INSTALL_DIR: `${tmp}/bin6`, SAMUEL_VERSION: "v9.9.6" });
        assertEquals(r.code, 0, r.stderr);
      });

      await t.step("checksum mismatch: refused, nothing placed, an existing binary untouched", async () => {
        const dir = `${tmp}/bin-mismatch`;
        await Deno.mkdir(dir);
        await Deno.writeTextFile(`${dir}/${BIN}`, "old samuel");
        const r = await install({ ...base, SAMUEL_INSTALL_DIR: dir, SAMUEL_VERSION: "v9.9.8" });
        assert(r.code !== 0);
        assertStringIncludes(r.stderr, "checksum mismatch");
        assertStringIncludes(r.stderr, "nothing was installed");
        assertEquals(await Deno.readTextFile(`${dir}/${BIN}`), "old samuel");
        assertEquals(await listDir(dir), [BIN]);
        const fresh = `${tmp}/bin-mismatch-fresh`;
        const r2 = await install({ ...base, SAMUEL_INSTALL_DIR: fresh, SAMUEL_VERSION: "v9.9.8" });
        assert(r2.code !== 0);
        assertEquals(await listDir(fresh), []);
      });

      await t.step("no SHA256SUMS entry for the asset: refused", async () => {
        const dir = `${tmp}/bin-noentry`;
        const r = await install({ ...base, SAMUEL_INSTALL_DIR: dir, SAMUEL_VERSION: "v9.9.7" });
        assert(r.code !== 0);
        assertStringIncludes(r.stderr, `has no entry for ${ASSET}`);
        assertEquals(await listDir(dir), []);
      });

      await t.step("404: a clear message naming the URL, nothing placed", async () => {
        const dir = `${tmp}/bin-404`;
        const r = await install({ ...base, SAMUEL_INSTALL_DIR: dir, SAMUEL_VERSION: "v0.0.1" });
        assert(r.code !== 0);
        assertStringIncludes(r.stderr, "not found (HTTP 404)");
        assertStringIncludes(r.stderr, `${server.url}/v0.0.1/`);
        assertStringIncludes(r.stderr, "fix:");
        assertEquals(await listDir(dir), []);
      });

      await t.step(
        "SAMUEL_TARGET picks another asset; a bad version is refused before any download",
        async () => {
          const r = await install({
            ...base,
            SAMUEL_INSTALL_DIR: `${tmp}/bin-target`,
            SAMUEL_VERSION: "v9.9.9",
            SAMUEL_TARGET: "other-x64",
          });
          assert(r.code !== 0);
          assertStringIncludes(r.stderr, "samuel-other-x64");
          const before = server.requests.length;
          const bad = await install({ ...base, SAMUEL_VERSION: "main; rm -rf /" });
          assert(bad.code !== 0);
          assertStringIncludes(bad.stderr, "is not a release tag");
          assertEquals(server.requests.length, before);
        },
      );

      await t.step("SAMUEL_VERIFY_SIGNATURE=1 without cosign refuses", async () => {
        const dir = `${tmp}/bin-sig`;
        const r = await install({
          ...base,
          PATH: "/usr/bin:/bin",
          SAMUEL_INSTALL_DIR: dir,
          SAMUEL_VERSION: "v9.9.9",
          SAMUEL_VERIFY_SIGNATURE: "1",
        });
        const hasCosign =
          (await new Deno.Command("sh", { args: ["-c", "command -v cosign"] }).output()).success;
        if (!hasCosign) {
          assert(r.code !== 0);
          assertStringIncludes(r.stderr, "needs cosign");
          assertEquals(await listDir(dir), []);
        }
      });

      const dash = (await new Deno.Command("sh", { args: ["-c", "command -v dash"] }).output()).success;
      await t.step({
        ...needs("runs under dash (strict POSIX)", !dash && "dash not installed"),
        async fn() {
          const dir = `${tmp}/bin-dash`;
          const r = await install({ ...base, SAMUEL_INSTALL_DIR: dir, SAMUEL_VERSION: "v9.9.9" }, {
            shell: "dash",
          });
          assertEquals(r.code, 0, r.stderr);
          assertEquals(await Deno.readTextFile(`${dir}/${BIN}`), FAKE_BINARY);
        },
      });
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
