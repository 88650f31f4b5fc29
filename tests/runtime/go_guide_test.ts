/**
 * The Go reference plugin (examples/go-guide-wasm, a ~4 MB Go wasip1 reactor) through the real CLI:
 * installed from a folder with its own manifest, `samuel run go-guide-wasm lint --json` on a copy of
 * tests/fixtures/go-projects/dirty reports exactly the marked findings as JSON output and exits 6 (lint
 * returns 1 when it finds something), on the clean project it exits 0 with no finding, and `health`
 * exits 0. The plugin only has read access to /workspace: the project is left untouched.
 */

import { assertEquals } from "../support/assert.ts";
import { findingKeys, GO, sh, wantedFindings } from "../authoring/helpers.ts";
import { GO_GUIDE_WASM, GO_PROJECTS, Project } from "./_helpers.ts";
import { needs } from "../support/needs.ts";

const EXAMPLE = new URL("../../examples/go-guide-wasm/", import.meta.url).pathname;

let built: Promise<void> | undefined;
function ensureBuilt(): Promise<void> {
  built ??= (async () => {
    const env = { PATH: `${GO!.replace(/\/go$/, "")}:${Deno.env.get("PATH") ?? ""}` };
    const r = await sh("bash", [`${EXAMPLE}build.sh`], { env });
    if (r.code !== 0) throw new Error(`examples/go-guide-wasm/build.sh failed:\n${r.stderr}`);
  })();
  return built;
}

/** A project holding a copy of one Go fixture project, with go-guide-wasm installed. */
async function goProject(fixture: "dirty" | "clean"): Promise<Project> {
  await ensureBuilt();
  const p = await Project.create();
  await sh("cp", ["-R", `${GO_PROJECTS}${fixture}/.`, p.root]);
  const src = `${p.base}/src-go-guide`;
  await Deno.mkdir(src);
  await Deno.copyFile(`${EXAMPLE}samuel-plugin.toml`, `${src}/samuel-plugin.toml`);
  await Deno.copyFile(GO_GUIDE_WASM, `${src}/plugin.wasm`);
  await p.installDir(src);
  return p;
}

Deno.test({
  ...needs(
    "go-guide-wasm via samuel run: findings on the dirty project (exit 6), none on the clean one (exit 0)",
    GO === undefined && "Go not installed",
  ),
  fn: async () => {
    {
      await using p = await goProject("dirty");
      const r = await p.run(["go-guide-wasm", "lint"]);
      assertEquals(r.code, 6, r.stderr);
      assertEquals(r.json.data.outcome, "plugin_error");
      assertEquals(r.json.data.return_code, 1);
      assertEquals(findingKeys(r.json.data.output.findings), wantedFindings(p.root));
      assertEquals(r.json.data.output.truncated, false);
      assertEquals(r.json.data.report.denials, []);
      // The envelope's timings, per phase.
      const t = r.json.data.timings;
      assertEquals(Object.keys(t), [
        "sandbox_ms",
        "load_ms",
        "narrow_ms",
        "instantiate_ms",
        "init_ms",
        "call_ms",
        "total_ms",
        "wall",
      ]);
      // No network grant and the shipped flags: the process narrowed itself, no Worker was started.
      assertEquals(t.wall, "process");
      for (const [k, v] of Object.entries(t)) {
        if (k !== "wall") assertEquals(typeof v === "number" && v >= 0, true, k);
      }
      assertEquals(r.json.data.report.peak_memory_bytes > 0, true);
      const health = await p.run(["go-guide-wasm", "health"]);
      assertEquals(health.code, 0, health.stdout);
    }
    {
      await using p = await goProject("clean");
      const r = await p.run(["go-guide-wasm", "lint"]);
      assertEquals(r.code, 0, r.stdout);
      assertEquals(r.json.data.output, { findings: [], files: 3, truncated: false });
      // Human mode prints the plugin's JSON on stdout.
      const human = await p.cli(["run", "go-guide-wasm", "lint"]);
      assertEquals(human.code, 0);
      assertEquals(JSON.parse(human.stdout).findings, []);
    }
  },
});
