/**
 * Shared set-up for the install end-to-end tests: real wasm modules assembled from WAT, manifests, a
 * fake GitHub (`FakeGitHub`) serving release assets on 127.0.0.1, a mock Sigstore instance signing for
 * real, a fresh project folder with a user-edited `samuel.toml`, and a byte-for-byte snapshot of a
 * project's files. Every CLI run gets its own `$SAMUEL_HOME` so the module cache starts empty.
 */

import { FakeGitHub } from "../support/fake_github.ts";
import { type MockAttestOptions, type MockSigstore, startMockSigstore } from "../support/sigstore_mock.ts";
import { wat2wasm } from "../support/wat.ts";
import { type CliResult, runCli } from "../support/cli.ts";
import { defaultConfigText } from "../../src/project/config.ts";

export const OWNER = "acme";
export const REPO = "hello";
export const releaseSan = (owner = OWNER, repo = REPO, tag = "v0.1.0", wf = "release.yml") =>
  `https://github.com/${owner}/${repo}/.github/workflows/${wf}@refs/tags/${tag}`;

/** A reactor module exporting `exports` as `() -> i32`, with `extra` WAT spliced in. */
export function moduleWat(
  opts: { exports?: string[]; memoryPages?: number; imports?: string; extra?: string; protocol?: number } =
    {},
): string {
  const exports = opts.exports ?? ["lint"];
  return `(module
  ${
    opts.imports ?? `(import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))`
  }
  (memory (export "memory") ${opts.memoryPages ?? 1})
  ${exports.map((e) => `(func (export "${e}") (result i32) i32.const 0)`).join("\n  ")}
  ${
    opts.protocol === undefined
      ? ""
      : `(func (export "samuel_protocol_version") (result i32) i32.const ${opts.protocol})`
  }
  ${opts.extra ?? ""}
)`;
}

export function wasm(opts: Parameters<typeof moduleWat>[0] = {}): Promise<Uint8Array> {
  return wat2wasm(moduleWat(opts));
}

export interface ManifestOptions {
  name?: string;
  version?: string;
  exports?: string[];
  maxMemory?: number;
  read?: string[];
  write?: string[];
  hosts?: string[];
  env?: string[];
}

export function manifest(o: ManifestOptions = {}): string {
  const list = (xs: string[] = []) => `[${xs.map((x) => JSON.stringify(x)).join(", ")}]`;
  return `name = "${o.name ?? REPO}"
version = "${o.version ?? "0.1.0"}"
kind = "wasm"
summary = "a test plugin"
[samuel]
framework = "*"
protocol = "^1.0.0"
[wasm]
module = "plugin.wasm"
exports = ${list(o.exports ?? ["lint"])}
[runtime]
max_memory = ${o.maxMemory ?? 64}
[capabilities]
env = ${list(o.env)}
[capabilities.filesystem]
read = ${list(o.read ?? ["/workspace"])}
write = ${list(o.write)}
[capabilities.network]
hosts = ${list(o.hosts)}
`;
}

/** Servers shared by one test file: fake GitHub, mock Sigstore, the trusted root as a file. */
export interface World extends AsyncDisposable {
  gh: FakeGitHub;
  sigstore: MockSigstore;
  trustedRoot: string;
  tmp: string;
  /**
   * Signs `bytes` as `san` with the mock instance and returns the bundle, checked against the mock's own
   * root (re-signed on a timestamp failure), so a failing install test is about install, not the mock.
   */
  sign(bytes: Uint8Array, san: string): Promise<string>;
  /** Attests `bytes` (an in-toto statement about them, SLSA provenance by default), checked the same way. */
  attest(bytes: Uint8Array, san: string, options?: MockAttestOptions): Promise<string>;
  /** Publishes a signed (unless `bundle: null`) release; returns the asset bytes. */
  publish(o: PublishOptions): Promise<{ wasm: Uint8Array; manifest: string; bundle?: string }>;
  /** A fresh project with `samuel.toml` (user comment and a foreign plugin entry). */
  project(extraToml?: string): Promise<string>;
  /** Runs the CLI in `cwd` against these servers with a private `$SAMUEL_HOME`. */
  cli(
    cwd: string,
    args: string[],
    opts?: { env?: Record<string, string>; stdin?: string },
  ): Promise<CliResult>;
}

export interface PublishOptions {
  owner?: string;
  repo?: string;
  tag?: string;
  manifest?: ManifestOptions;
  wasm?: Uint8Array;
  /** Sign with this SAN (default: the repo's release workflow at the tag); null publishes no bundle. */
  san?: string | null;
  /** Replace the bundle text (legacy, tampered). */
  bundle?: string;
  /** Serve these module bytes instead of the signed ones (tampering after signing). */
  servedWasm?: Uint8Array;
}

export const USER_COMMENT = "# my team's note: keep this comment\n";
export const FOREIGN_PLUGIN = `
[[plugins]]
name = "other"   # installed by a colleague
source = "other/tool@v2.0.0"
`;

export async function world(): Promise<World> {
  const gh = await FakeGitHub.start();
  const sigstore = await startMockSigstore();
  const tmp = await Deno.makeTempDir({ prefix: "samuel-install-test-" });
  const trustedRoot = `${tmp}/trusted_root.json`;
  await Deno.writeTextFile(trustedRoot, JSON.stringify(sigstore.trustedRoot));
  let n = 0;
  const { verifyArtifact } = await import("../../src/verify/mod.ts");
  // Signs with `make`, checks the bundle against the mock's own root, and re-signs on a timestamp
  // failure, so a failing install test is about install, not the mock.
  const checked = async (bytes: Uint8Array, san: string, make: () => Promise<string>) => {
    for (let attempt = 1;; attempt++) {
      const bundle = await make();
      try {
        await verifyArtifact({
          artifact: bytes,
          bundleText: bundle,
          bundleName: "plugin.wasm.bundle",
          policy: { issuer: "https://token.actions.githubusercontent.com", identityPatterns: [san] },
          trustedRoot: sigstore.trustedRoot,
        });
        return bundle;
      } catch (e) {
        if (attempt >= 5 || (e as { code?: string }).code !== "SAM-VERIFY-012") throw e;
      }
    }
  };
  const w: World = {
    gh,
    sigstore,
    trustedRoot,
    tmp,
    sign(bytes, san) {
      return checked(bytes, san, () => sigstore.sign(bytes, { san }));
    },
    attest(bytes, san, options = {}) {
      return checked(bytes, san, () => sigstore.attest(bytes, { ...options, san }));
    },
    async publish(o) {
      const owner = o.owner ?? OWNER;
      const repo = o.repo ?? REPO;
      const tag = o.tag ?? "v0.1.0";
      const bytes = o.wasm ?? await wasm({ exports: o.manifest?.exports });
      const text = manifest({ name: repo, ...o.manifest });
      const assets: Record<string, string | Uint8Array<ArrayBuffer>> = {
        "samuel-plugin.toml": text,
        "plugin.wasm": (o.servedWasm ?? bytes) as Uint8Array<ArrayBuffer>,
      };
      let bundle: string | undefined;
      if (o.bundle !== undefined) bundle = o.bundle;
      else if (o.san !== null) {
        bundle = await w.sign(bytes, o.san ?? releaseSan(owner, repo, tag));
      }
      if (bundle !== undefined) assets["plugin.wasm.bundle"] = bundle;
      gh.release(owner, repo, tag, assets);
      return { wasm: bytes, manifest: text, bundle };
    },
    async project(extraToml = "") {
      const root = `${tmp}/project-${n++}`;
      await Deno.mkdir(root, { recursive: true });
      await Deno.writeTextFile(
        `${root}/samuel.toml`,
        USER_COMMENT + defaultConfigText() + FOREIGN_PLUGIN + extraToml,
      );
      return root;
    },
    cli(cwd, args, opts = {}) {
      return runCli(args, {
        cwd,
        env: { ...gh.env, SAMUEL_HOME: `${tmp}/home`, SAMUEL_LOCK_WAIT_MS: "20000", ...opts.env },
        stdin: opts.stdin,
      });
    },
    async [Symbol.asyncDispose]() {
      await gh.close();
      await sigstore.close();
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
    },
  };
  return w;
}

/**
 * Every file of the project that an install may touch, with its bytes (as text or a digest): samuel.toml,
 * samuel.lock and everything under .samuel/ except the advisory lock file (whose holder record changes by
 * design) and the (possibly empty) state folders `.samuel/` and `.samuel/plugins/` themselves.
 */
export async function snapshot(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: string, rel: string) => {
    for await (const e of Deno.readDir(dir)) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (r === ".samuel/lock") continue;
      if (e.isDirectory) {
        // samuel's own state folders appear with the first lock taken; they hold nothing of the project.
        if (r !== ".samuel" && r !== ".samuel/plugins") out[r + "/"] = "dir";
        await walk(`${dir}/${e.name}`, r);
      } else {
        const bytes = await Deno.readFile(`${dir}/${e.name}`);
        const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
        out[r] = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
      }
    }
  };
  await walk(root, "");
  return out;
}

export async function sha256(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

export async function readLock(root: string): Promise<string> {
  return await Deno.readTextFile(`${root}/samuel.lock`);
}

export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes the committed smoke-test plugin (tests/fixtures/prebuilt: manifest and module) into `dir` as a
 * `file://` source, at `version`.
 */
export async function smokePlugin(dir: string, version = "0.1.0"): Promise<void> {
  const prebuilt = new URL("../fixtures/prebuilt/", import.meta.url);
  await Deno.mkdir(dir, { recursive: true });
  const manifest = await Deno.readTextFile(new URL("smoke_plugin.toml", prebuilt));
  await Deno.writeTextFile(
    `${dir}/samuel-plugin.toml`,
    manifest.replace('version = "0.1.0"', `version = "${version}"`),
  );
  await Deno.copyFile(new URL("smoke_plugin.wasm", prebuilt), `${dir}/plugin.wasm`);
}
