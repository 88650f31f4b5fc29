/**
 * `samuel doctor` in a plugin's own folder (src/app/doctor_source.ts): after `samuel install
 * file://$(pwd)` there, the `source.*` checks say the manifest and the built module are valid and that the
 * installed copy is the current build; a rebuild since the install, a module not built yet and an install
 * from elsewhere are warnings (exit 0), an invalid manifest or a module install would refuse fail with
 * exit 2; a folder without samuel-plugin.toml gets no source checks at all.
 */

import { assert, assertEquals, assertStringIncludes } from "../support/assert.ts";
import { runCli } from "../support/cli.ts";
import { wat2wasm } from "../support/wat.ts";
import { manifestToml, pluginSource, printerWat } from "../cache/helpers.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const sourceChecks = (json: Json) =>
  Object.fromEntries(
    json.data.checks.filter((c: Json) => c.id.startsWith("source.")).map((c: Json) => [c.id, c]),
  );

Deno.test("doctor in a plugin's folder checks its manifest, its build and the installed copy", async () => {
  const dir = await pluginSource("selfie");
  const home = await Deno.makeTempDir({ prefix: "samuel-home-" });
  const cli = (args: string[], cwd = dir) => runCli(args, { cwd, env: { SAMUEL_HOME: home } });
  try {
    // Before the install: no samuel.toml, so the project check fails, and the plugin is not installed.
    let r = await cli(["doctor", "--json"]);
    assertEquals(r.code, 2, r.stderr);
    let s = sourceChecks(r.json);
    assertEquals(s["source.manifest"].status, "ok");
    assertEquals(s["source.manifest"].message, "samuel-plugin.toml: wasm plugin selfie 0.1.0 is valid");
    assertEquals(s["source.module"].status, "ok");
    assertStringIncludes(s["source.module"].message, "reactor) passes install's checks");
    assertEquals(s["source.installed"].status, "warn");
    assertEquals(
      s["source.installed"].fix,
      `run \`samuel install file://${dir} --allow-unsigned\` to try it here (then \`samuel run selfie\`)`,
    );

    const installed = await cli(["install", `file://${dir}`, "--allow-unsigned"]);
    assertEquals(installed.code, 0, installed.stderr);
    r = await cli(["doctor", "--json"]);
    assertEquals(r.code, 0, r.stdout + r.stderr);
    s = sourceChecks(r.json);
    assertEquals(Object.keys(s), ["source.manifest", "source.module", "source.installed"]);
    for (const c of Object.values(s) as Json[]) assertEquals(c.status, "ok", JSON.stringify(c));
    assertEquals(s["source.installed"].message, "the installed selfie 0.1.0 is this folder's current build");
    assertEquals(r.json.data.checks.find((c: Json) => c.id === "plugin.selfie.health").status, "ok");

    // For humans, the source checks sit between the plugin checks and the runtime's.
    const human = await cli(["doctor"]);
    assertEquals(human.code, 0, human.stderr);
    const ids = human.stdout.split("\n").map((l) => l.trim().split(/\s+/)[1]).filter(Boolean);
    assert(ids.indexOf("plugin.selfie.health") < ids.indexOf("source.manifest"), human.stdout);
    assert(ids.indexOf("source.installed") < ids.indexOf("runtime.deno"), human.stdout);

    // Rebuilt since the install: a warning naming the file, with the install command as the fix.
    await Deno.writeFile(`${dir}/plugin.wasm`, await wat2wasm(printerWat({ text: "a newer build!!" })));
    r = await cli(["doctor", "--json"]);
    assertEquals(r.code, 0, r.stderr);
    s = sourceChecks(r.json);
    assertEquals(s["source.installed"].status, "warn");
    assertEquals(
      s["source.installed"].message,
      "plugin.wasm changed since selfie was installed from this folder",
    );
    assertEquals(
      s["source.installed"].fix,
      `run \`samuel install file://${dir} --allow-unsigned\` again to install the current build`,
    );

    // A module install would refuse (a declared export is missing): fail, exit 2.
    await Deno.writeFile(`${dir}/plugin.wasm`, await wat2wasm(printerWat({ withHealth: false })));
    r = await cli(["doctor", "--json"]);
    assertEquals(r.code, 2, r.stderr);
    s = sourceChecks(r.json);
    assertEquals(s["source.module"].status, "fail");
    assertEquals(s["source.module"].exit, 2);
    assertStringIncludes(s["source.module"].message, "plugin.wasm would be refused by install: 1 error");
    assertStringIncludes(s["source.module"].message, "health");

    // Not built: a warning with the build command.
    await Deno.remove(`${dir}/plugin.wasm`);
    r = await cli(["doctor", "--json"]);
    s = sourceChecks(r.json);
    assertEquals([s["source.module"].status, s["source.module"].message], [
      "warn",
      "plugin.wasm is not built yet",
    ]);

    // An invalid manifest: fail, exit 2, and nothing more is checked about the source.
    await Deno.writeTextFile(`${dir}/samuel-plugin.toml`, manifestToml({ name: "Bad Name" }));
    r = await cli(["doctor", "--json"]);
    assertEquals(r.code, 2, r.stderr);
    s = sourceChecks(r.json);
    assertEquals(Object.keys(s), ["source.manifest"]);
    assertEquals([s["source.manifest"].status, s["source.manifest"].exit], ["fail", 2]);
    assertStringIncludes(s["source.manifest"].message, "samuel-plugin.toml is not valid: 1 error");

    // The project's own root holds no plugin folder checks when doctor runs elsewhere in it.
    await Deno.mkdir(`${dir}/sub`);
    r = await cli(["doctor", "--json"], `${dir}/sub`);
    assertEquals(sourceChecks(r.json), {});
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("doctor in a plugin's folder warns when the installed copy comes from another folder", async () => {
  const dir = await pluginSource("twin");
  const other = await pluginSource("twin");
  const home = await Deno.makeTempDir({ prefix: "samuel-home-" });
  try {
    const cli = (args: string[]) => runCli(args, { cwd: dir, env: { SAMUEL_HOME: home } });
    assertEquals((await cli(["install", `file://${other}`, "--allow-unsigned"])).code, 0);
    const r = await cli(["doctor", "--json"]);
    assertEquals(r.code, 0, r.stderr);
    const s = sourceChecks(r.json);
    assertEquals(s["source.installed"].status, "warn");
    assertEquals(
      s["source.installed"].message,
      `the installed twin 0.1.0 comes from file://${other}, not from this folder`,
    );
  } finally {
    for (const d of [dir, other, home]) await Deno.remove(d, { recursive: true });
  }
});
