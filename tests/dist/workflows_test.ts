/**
 * .github/workflows/release.yml, samuel's own release: on a `v*` tag it builds every target in
 * scripts/flags.ts with `deno task compile` (so the binary gets exactly the shipped flags, never -A) on a
 * runner of that platform, smoke-tests each binary with the committed modules, writes SHA256SUMS over
 * every asset, signs it keyless with cosign (new bundle format, OIDC token permission) and uploads the
 * assets install.sh and action.yml download. Every script in the workflow parses with `bash -n`.
 */

import { parse } from "yaml";
import { assert, assertEquals, assertStringIncludes } from "../support/assert.ts";
import { COMPILE_TARGETS } from "../../scripts/flags.ts";
import { DENO_PIN } from "../../src/version.ts";

const ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
const decoder = new TextDecoder();

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}

interface Job {
  needs?: string | string[];
  "runs-on": string;
  permissions?: Record<string, string>;
  strategy?: { matrix: { include: Record<string, string>[] } };
  steps: Step[];
}

const wf = parse(await Deno.readTextFile(`${ROOT}/.github/workflows/release.yml`)) as {
  on: { push: { tags: string[] } };
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
};
const allSteps = Object.values(wf.jobs).flatMap((j) => j.steps);
const runs = allSteps.map((s) => s.run ?? "").join("\n");
const ASSETS = COMPILE_TARGETS.map((t) => t.asset);

Deno.test("release.yml runs on version tags with read-only default permissions", () => {
  assertEquals(wf.on.push.tags, ["v*"]);
  assertEquals(wf.permissions, { contents: "read" });
  // Only the publishing job may write and mint an OIDC token.
  for (const [name, job] of Object.entries(wf.jobs)) {
    if (name === "publish") continue;
    assertEquals(job.permissions, undefined, `${name} keeps the read-only default`);
  }
});

Deno.test("release.yml builds every target with deno task compile (the shipped flags, no -A)", () => {
  const build = wf.jobs.build;
  const matrix = build.strategy!.matrix.include;
  assertEquals(
    matrix.map((m) => [m.target, m.asset]).sort(),
    COMPILE_TARGETS.map((t) => [t.triple, t.asset]).sort(),
  );
  assertEquals(new Set(matrix.map((m) => m.runner)).size, matrix.length, "one runner per target");
  const compile = build.steps.find((s) => s.run?.includes("deno task compile"));
  assertEquals(compile?.run?.trim(), "deno task compile ${{ matrix.target }}");
  // Nothing calls `deno compile` itself (it would bypass scripts/flags.ts), and nothing grants all.
  assert(!/deno\s+compile/.test(runs), "deno compile only through the task");
  // Only the test runner (`deno test`, which spawns samuel with the shipped flags) may grant everything.
  const granting = runs.split("\n").filter((l) => /(^|\s)(-A|--allow-all)(\s|$)/.test(l));
  assertEquals(granting.filter((l) => !/^\s*deno test /.test(l)), [], "no -A outside deno test");
  for (const s of allSteps.filter((s) => s.uses?.startsWith("denoland/setup-deno@"))) {
    assertEquals(s.with?.["deno-version"], DENO_PIN);
  }
  for (const s of allSteps.filter((s) => s.uses)) {
    assert(/^[\w.-]+\/[\w.-]+@v\d+$/.test(s.uses!), `${s.uses} pinned to a major version`);
  }
});

Deno.test("release.yml smoke-tests each binary: version, plugin exec on a bundled module, install + run", async () => {
  const build = wf.jobs.build.steps.map((s) => s.run ?? "").join("\n");
  assertStringIncludes(build, '"./dist/$ASSET" version');
  assertStringIncludes(build, "plugin exec tests/fixtures/prebuilt/hello.wasm");
  assertStringIncludes(build, "hello from samuel smoke");
  assertStringIncludes(build, "install file://./smoke-plugin --allow-unsigned --yes");
  assertStringIncludes(build, `run smoke lint`);
  // The files the smoke steps use are committed (and their bytes are checked by prebuilt_test.ts).
  for (const f of ["hello.wasm", "smoke_plugin.wasm", "smoke_plugin.toml"]) {
    await Deno.stat(`${ROOT}/tests/fixtures/prebuilt/${f}`);
  }
  const upload = wf.jobs.build.steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"));
  assertEquals(upload?.with?.path, "dist/${{ matrix.asset }}");
});

Deno.test("release.yml sums, signs keyless and uploads every asset", () => {
  const publish = wf.jobs.publish;
  assertEquals(publish.permissions, { contents: "write", "id-token": "write" });
  const text = publish.steps.map((s) => s.run ?? "").join("\n");
  const sums = publish.steps.find((s) => s.run?.includes("sha256sum"))!.run!;
  for (const a of [...ASSETS, "install.sh"]) assertStringIncludes(sums, a);
  assertStringIncludes(sums, "> SHA256SUMS");
  assert(publish.steps.some((s) => s.uses?.startsWith("sigstore/cosign-installer@")));
  assertStringIncludes(
    text,
    "cosign sign-blob --yes --new-bundle-format --bundle SHA256SUMS.bundle SHA256SUMS",
  );
  assertStringIncludes(text, "cosign verify-blob --bundle SHA256SUMS.bundle");
  const upload = publish.steps.find((s) => s.run?.includes("gh release upload"))!;
  for (const a of [...ASSETS, "install.sh", "SHA256SUMS", "SHA256SUMS.bundle"]) {
    assert(new RegExp(`(\\s|^)${a.replaceAll(".", "\\.")}(\\s|$)`, "m").test(upload.run!), `uploads ${a}`);
  }
  assertEquals(upload.env?.GH_TOKEN, "${{ github.token }}");
  // install.sh verifies the signature against this workflow's identity.
  assertStringIncludes(text, "--certificate-oidc-issuer https://token.actions.githubusercontent.com");
});

Deno.test("release.yml: every script parses with bash -n", async () => {
  for (const s of allSteps) {
    if (!s.run) continue;
    const script = s.run.replace(/\$\{\{[^}]*\}\}/g, "X");
    const out = await new Deno.Command("bash", { args: ["-n", "-c", script], stderr: "piped" }).output();
    assertEquals(out.code, 0, `${s.name}: ${decoder.decode(out.stderr)}`);
  }
});
