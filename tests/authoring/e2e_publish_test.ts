/**
 * The plugin author's release, end to end: a plugin scaffolded with `samuel new plugin` (plus the probe
 * export, see e2e_support.ts) and built with Go is published the way its scaffolded release workflow
 * would: the tag must match the manifest's version, `plugin.wasm` is signed keyless (here with
 * `@sigstore/sign` against `@sigstore/mock`, under the certificate identity GitHub Actions gives the
 * repository's own release workflow at that tag) into `plugin.wasm.bundle`, and the assets the workflow
 * uploads are served as a release of `acme/<name>@v0.1.0` by the local GitHub-shaped server. A user then
 * installs it verified with `samuel install acme/<name>@v0.1.0 --trusted-root <mock root>`, samuel.lock
 * records the Sigstore verification (SAN, issuer, log index), and the installed plugin runs. The asset
 * names and the signing command are read from the scaffolded workflow itself, so the test follows it.
 */

import { parse as parseYaml } from "yaml";
import { assert, assertEquals, assertStringIncludes } from "../support/assert.ts";
import { runCli } from "../support/cli.ts";
import { FakeGitHub } from "../support/fake_github.ts";
import { GITHUB_ISSUER, startMockSigstore } from "../support/sigstore_mock.ts";
import { parseLockfile } from "../../src/project/lockfile.ts";
import { CAN_BUILD, countingServer, project, scaffoldAndBuild } from "./e2e_support.ts";
import { withTempDir } from "./helpers.ts";
import { needs } from "../support/needs.ts";

const NAME = "e2e-pub";
const OWNER = "acme";
const TAG = "v0.1.0";

interface Step {
  name?: string;
  run?: string;
}

/** What the scaffolded release.yml signs and uploads, read from its steps. */
function releasePlan(workflowText: string): { signed: string; bundle: string; assets: string[] } {
  const wf = parseYaml(workflowText) as { jobs: { release: { steps: Step[] } } };
  const runs = wf.jobs.release.steps.map((s) => s.run ?? "").join("\n");
  const sign = runs.match(/cosign sign-blob [^\n]*--bundle (\S+) (\S+)/);
  assert(sign, "the workflow signs with cosign sign-blob --bundle <bundle> <file>");
  assertStringIncludes(sign[0], "--new-bundle-format");
  const upload = runs.match(/gh release upload "\$GITHUB_REF_NAME" ([^\n]+?) --clobber/);
  assert(upload, "the workflow uploads with gh release upload");
  return { signed: sign[2], bundle: sign[1], assets: upload[1].split(/\s+/) };
}

Deno.test({
  ...needs(
    "e2e publish: sign as the release workflow would, serve as a GitHub release, install verified, run",
    !CAN_BUILD && "Go or make not installed",
  ),
  fn: () =>
    withTempDir(async (tmp) => {
      await using gh = await FakeGitHub.start();
      await using sigstore = await startMockSigstore();
      const env = { ...gh.env, SAMUEL_HOME: `${tmp}/home` };
      const cli = (cwd: string, args: string[], stdin?: string) => runCli(args, { cwd, env, stdin });
      const plugin = await scaffoldAndBuild(tmp, NAME, env);

      // The workflow's own rules: the tag is v<version>; it signs plugin.wasm into plugin.wasm.bundle and
      // uploads those two and the manifest.
      const plan = releasePlan(await Deno.readTextFile(`${plugin}/.github/workflows/release.yml`));
      assertEquals(plan, {
        signed: "plugin.wasm",
        bundle: "plugin.wasm.bundle",
        assets: ["plugin.wasm", "plugin.wasm.bundle", "samuel-plugin.toml"],
      });
      const manifest = await Deno.readTextFile(`${plugin}/samuel-plugin.toml`);
      assertEquals(`v${manifest.match(/^version *= *"([^"]+)"/m)![1]}`, TAG);

      const wasm = await Deno.readFile(`${plugin}/${plan.signed}`);
      const san = `https://github.com/${OWNER}/${NAME}/.github/workflows/release.yml@refs/tags/${TAG}`;
      const files: Record<string, Uint8Array<ArrayBuffer> | string> = {
        [plan.signed]: wasm as Uint8Array<ArrayBuffer>,
        // Like the workflow's cosign call (no --timestamp-server-url): Fulcio certificate and Rekor entry,
        // whose integrated time is the signing time; no RFC 3161 timestamp.
        [plan.bundle]: await sigstore.sign(wasm, { san, timestamp: false }),
        "samuel-plugin.toml": manifest,
      };
      assertEquals(JSON.parse(files[plan.bundle] as string).verificationMaterial.tlogEntries.length, 1);
      const assets = Object.fromEntries(plan.assets.map((a) => [a, files[a]]));
      gh.release(OWNER, NAME, TAG, assets, { latest: true });
      const trustedRoot = `${tmp}/trusted_root.json`;
      await Deno.writeTextFile(trustedRoot, JSON.stringify(sigstore.trustedRoot));

      const root = `${tmp}/project`;
      await project(root, env);
      const installed = await cli(root, [
        "install",
        `${OWNER}/${NAME}@${TAG}`,
        "--trusted-root",
        trustedRoot,
        "--yes",
        "--json",
      ]);
      assertEquals(installed.code, 0, installed.stdout + installed.stderr);
      assertEquals(installed.json.data.plugins[0].action, "installed");

      const lock = parseLockfile(await Deno.readTextFile(`${root}/samuel.lock`));
      assertEquals(lock.plugins.map((p) => p.name), [NAME]);
      const entry = lock.plugins[0];
      assertEquals(entry.source, `${OWNER}/${NAME}@${TAG}`);
      assertEquals(entry.resolvedUrl, `${gh.origin}/${OWNER}/${NAME}/releases/download/${TAG}/plugin.wasm`);
      assertEquals(entry.verification.method, "sigstore");
      if (entry.verification.method === "sigstore") {
        assertEquals(entry.verification.san, san);
        assertEquals(entry.verification.issuer, GITHUB_ISSUER);
        assert(Number.isInteger(entry.verification.logIndex) && entry.verification.logIndex >= 0);
      }
      assertEquals(entry.capabilities.network.hosts, ["127.0.0.1"]);
      assertEquals(
        await Deno.readTextFile(`${root}/.samuel/plugins/${NAME}/plugin.wasm.bundle`),
        files[plan.bundle],
      );

      // The verified plugin runs: health, and probe with its input on stdin.
      const health = await cli(root, ["run", NAME, "health", "--input", "-"], "{}");
      assertEquals(health.code, 0, health.stderr);
      await using granted = countingServer("served to the signed plugin");
      await using denied = countingServer("never");
      const probe = await cli(
        root,
        ["run", NAME, "probe", "--input", "-", "--json"],
        JSON.stringify({
          greeting: "signed and sealed",
          allowed: `http://127.0.0.1:${granted.port}/release`,
          denied: `http://localhost:${denied.port}/release`,
        }),
      );
      assertEquals(probe.code, 0, probe.stdout + probe.stderr);
      assertEquals(probe.json.data.output.allowed_body, "served to the signed plugin");
      assertEquals(probe.json.data.output.denied_is_denied, true);
      assertEquals(probe.json.data.report.log.map((l: { message: string }) => l.message), [
        "probe says signed and sealed",
      ]);
      assertEquals(probe.json.data.report.denials, ["denied: network.outbound localhost not in allowlist"]);
      assertEquals(granted.requests, ["GET /release"]);
      assertEquals(denied.requests, []);
    }),
});
