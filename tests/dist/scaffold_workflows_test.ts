/**
 * The release workflows of the Rust and AssemblyScript scaffolds (scaffold/wasm-rust,
 * scaffold/wasm-assemblyscript), as `samuel new plugin` writes them: on a `v*` tag they check the tag
 * against the manifest, set up their toolchain, test and build plugin.wasm, sign it the way the Go
 * scaffold does (cosign keyless with the new bundle format unless the repository variable SAMUEL_SIGNING
 * is `attestation`, else actions/attest-build-provenance whose bundle becomes plugin.wasm.bundle), and
 * upload the three assets. Every script parses with `bash -n`; every action is pinned to a major version.
 */

import { parse } from "yaml";
import { run } from "../../src/cli/commands/new_plugin.ts";
import { assert, assertEquals, assertStringIncludes } from "../support/assert.ts";
import { invocation, withTempDir } from "../authoring/helpers.ts";

interface Step {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}

interface Workflow {
  on: { push: { tags: string[] } };
  permissions: Record<string, string>;
  jobs: Record<string, { "runs-on": string; steps: Step[] }>;
}

const decoder = new TextDecoder();

/** The workflow a scaffold of `lang` gets, parsed. */
function workflow(lang: string): Promise<Workflow> {
  let wf: Workflow | undefined;
  return withTempDir(async (cwd) => {
    await run(invocation(cwd, { name: "rel", lang }));
    wf = parse(await Deno.readTextFile(`${cwd}/rel/.github/workflows/release.yml`)) as Workflow;
  }).then(() => wf!);
}

/** The build steps each language must run, in order, before signing. */
const BUILD: Record<string, (string | RegExp)[]> = {
  rust: ["rustup target add wasm32-wasip1", "make test", "make wasm TARGET=wasm32-wasip1"],
  assemblyscript: [/^actions\/setup-node@v\d+$/, "npm install", "npm run asbuild", "npm test"],
};

for (const lang of ["rust", "assemblyscript"]) {
  Deno.test(`the ${lang} scaffold's release workflow builds, signs (cosign or attestation) and uploads`, async () => {
    const wf = await workflow(lang);
    assertEquals(wf.on.push.tags, ["v*"]);
    assertEquals(wf.permissions, { contents: "write", "id-token": "write", attestations: "write" });
    const jobs = Object.values(wf.jobs);
    assertEquals(jobs.length, 1);
    const steps = jobs[0].steps;
    const at = (pred: (s: Step) => boolean, what: string) => {
      const i = steps.findIndex(pred);
      assert(i >= 0, `release.yml has no ${what} step`);
      return i;
    };
    const checkout = at((s) => /^actions\/checkout@v\d+$/.test(s.uses ?? ""), "checkout");
    const tag = at((s) => s.run?.includes(`"v$version" != "$GITHUB_REF_NAME"`) ?? false, "tag check");
    const build = BUILD[lang].map((b) =>
      at((s) => typeof b === "string" ? s.run?.includes(b) ?? false : b.test(s.uses ?? ""), String(b))
    );
    const installCosign = at(
      (s) => s.uses?.startsWith("sigstore/cosign-installer@") ?? false,
      "cosign installer",
    );
    const sign = at((s) => s.run?.includes("cosign sign-blob") ?? false, "cosign sign-blob");
    const attest = at((s) => s.uses?.startsWith("actions/attest-build-provenance@") ?? false, "attestation");
    const copy = at((s) => s.run?.includes("bundle-path") ?? false, "attestation bundle copy");
    const upload = at((s) => s.run?.includes("gh release upload") ?? false, "upload");
    const order = [checkout, tag, ...build, installCosign, sign, attest, copy, upload];
    assertEquals(order, [...order].sort((a, b) => a - b), "step order");

    // Signing exactly as the Go scaffold: cosign unless SAMUEL_SIGNING is attestation.
    for (const i of [installCosign, sign]) assertEquals(steps[i].if, "vars.SAMUEL_SIGNING != 'attestation'");
    assertEquals(
      steps[sign].run,
      "cosign sign-blob --yes --new-bundle-format --bundle plugin.wasm.bundle plugin.wasm",
    );
    for (const i of [attest, copy]) assertEquals(steps[i].if, "vars.SAMUEL_SIGNING == 'attestation'");
    assertEquals(steps[attest].uses, "actions/attest-build-provenance@v2");
    assertEquals(steps[attest].with, { "subject-path": "plugin.wasm" });
    assertEquals(steps[attest].id, "attest");
    assertEquals(steps[copy].run?.trim(), 'cp "${{ steps.attest.outputs.bundle-path }}" plugin.wasm.bundle');
    assertEquals(steps[upload].if, undefined, "the upload runs for both kinds of signature");
    assertStringIncludes(
      steps[upload].run!,
      `gh release upload "$GITHUB_REF_NAME" plugin.wasm plugin.wasm.bundle samuel-plugin.toml --clobber`,
    );
    assertEquals(steps[upload].env?.GH_TOKEN, "${{ github.token }}");

    for (const s of steps.filter((s) => s.uses)) {
      assert(/^[\w.-]+\/[\w.-]+@v\d+$/.test(s.uses!), `${s.uses} pinned to a major version`);
    }
    for (const s of steps.filter((s) => s.run)) {
      const script = s.run!.replace(/\$\{\{[^}]*\}\}/g, "X");
      const out = await new Deno.Command("bash", { args: ["-n", "-c", script], stderr: "piped" }).output();
      assertEquals(out.code, 0, `${s.name}: ${decoder.decode(out.stderr)}`);
    }
  });
}
