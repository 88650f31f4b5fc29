/**
 * The bundle the single binary is compiled from (scripts/bundle.ts; `deno compile` cannot run here, so
 * this is as close to the shipped binary as this machine gets): built into a temp folder and run with
 * exactly the shipped flags and no deno.json, as a compiled binary runs. Every kind of module loading the
 * bundle must get right is exercised: a command in the entry's chunks (`version`), the run path with the
 * process wall, the sandbox Worker (a plugin granted a network host), a lazily loaded command (`install`,
 * `doctor`), the rewriter loaded on demand (`plugin exec --timeout`, a cache miss), and an error from a
 * lazily loaded module keeping its code and exit (one `SamuelError` class across chunks).
 */

import { assert, assertEquals, assertStringIncludes } from "../support/assert.ts";
import { HERMETIC_ENV, RUN_FLAGS } from "../support/cli.ts";
import { wat2wasm } from "../support/wat.ts";
import { buildBundle } from "../../scripts/bundle.ts";
import { codeCacheBytes, LAZY_RUN_FLAGS } from "../support/code_cache.ts";

const decoder = new TextDecoder();
const ROOT = new URL("../../", import.meta.url).pathname;

/** The Deno cache of this process: its npm packages are what the bundle's npm imports resolve from. */
const SHARED_DENO_DIR = await (async () => {
  const out = await new Deno.Command(Deno.execPath(), { args: ["info", "--json"], stdout: "piped" }).output();
  return JSON.parse(decoder.decode(out.stdout)).denoDir as string;
})();

/**
 * A Deno cache of the test's own (its `npm` folder links to the shared one), so that its V8 code cache holds
 * only what this test's processes wrote and no other test file's process holds its lock.
 */
async function privateDenoDir(tmp: string): Promise<string> {
  const dir = `${tmp}/deno-dir`;
  await Deno.mkdir(dir);
  await Deno.symlink(`${SHARED_DENO_DIR}/npm`, `${dir}/npm`);
  return dir;
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

const SPIN = `(module (memory (export "memory") 1) (func (export "_start") (loop $l (br $l))))`;

function manifest(name: string, hosts: string[] = []): string {
  return `name = "${name}"
version = "0.1.0"
kind = "wasm"
summary = "bundle test plugin"
[samuel]
framework = "*"
protocol = "^1.0.0"
[wasm]
module = "plugin.wasm"
exports = ["lint"]
[capabilities.filesystem]
read = ["/workspace"]
[capabilities.network]
hosts = ${JSON.stringify(hosts)}
`;
}

Deno.test("the bundle runs every kind of command under the shipped flags, like the source does", async () => {
  const tmp = await Deno.realPath(await Deno.makeTempDir({ prefix: "samuel-bundle-test-" }));
  try {
    const out = `${tmp}/bundle`;
    await buildBundle(out);
    const entry = `${out}/bundle_main.js`;
    const project = `${tmp}/project`;
    await Deno.mkdir(project);
    const denoDir = await privateDenoDir(tmp);
    const env = { NO_COLOR: "1", ...HERMETIC_ENV, DENO_DIR: denoDir, SAMUEL_HOME: `${tmp}/home`, HOME: tmp };
    const samuel = async (args: string[], main = entry, flags: readonly string[] = RUN_FLAGS) => {
      const o = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-q", "--no-config", "--lock", `${ROOT}deno.lock`, ...flags, main, ...args],
        cwd: project,
        env,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stdout = decoder.decode(o.stdout);
      let json;
      try {
        json = args.includes("--json") ? JSON.parse(stdout) : undefined;
      } catch { /* the assertion shows stdout */ }
      return { code: o.code, stdout, stderr: decoder.decode(o.stderr), json };
    };

    const version = await samuel(["version"]);
    assertEquals(version.code, 0, version.stderr);
    assertStringIncludes(version.stdout, "samuel ");

    assertEquals((await samuel(["init"])).code, 0);
    for (const [name, hosts] of [["walled", []], ["networked", ["api.example.com"]]] as const) {
      const dir = `${tmp}/${name}`;
      await Deno.mkdir(dir);
      await Deno.writeFile(`${dir}/plugin.wasm`, await wat2wasm(PLUGIN_WAT));
      await Deno.writeTextFile(`${dir}/samuel-plugin.toml`, manifest(name, [...hosts]));
      const inst = await samuel(["install", `file://${dir}`, "--allow-unsigned", "--yes", "--json"]);
      assertEquals(inst.code, 0, inst.stdout + inst.stderr);
    }
    // The first run rebuilds nothing (install filled the cache); the process wall and the Worker. A second
    // after install, so that this run's checks are recorded for the next (stamps vouch only for files
    // older than a second: ctime has whole seconds).
    await new Promise((r) => setTimeout(r, 1100));
    const walled = await samuel(["run", "walled", "lint", "--json"]);
    assertEquals(walled.code, 0, walled.stderr);
    assertEquals([walled.json.data.output, walled.json.data.timings.wall], [{ ok: true }, "process"]);
    // Deno's code cache for the run path is written even by a run that makes no asynchronous call (a hit
    // whose stamps vouch for its files, as after the run above), from an entry no process has run yet (a
    // copy of bundle_main.js beside it, so its chunks resolve the same). Without the event-loop turn
    // (main.ts `exit`) no run writes it. With it, one run's write was still missing once in a full parallel
    // run of the suite, private DENO_DIR and all (presumably a write that lost to the exit), hence up to
    // five runs.
    const cachedBy = async (main: string, flags: readonly string[]) => {
      for (let i = 0; i < 5 && codeCacheBytes(denoDir, `file://${main}`) === 0; i++) {
        const hit = await samuel(["run", "walled", "lint", "--json"], main, flags);
        assertEquals([hit.code, hit.json?.data.cache.hit], [0, true], hit.stderr);
      }
      return codeCacheBytes(denoDir, `file://${main}`);
    };
    const fresh = `${out}/fresh_main.js`;
    await Deno.copyFile(entry, fresh);
    const eager = await cachedBy(fresh, RUN_FLAGS);
    assert(eager > 0, "five runs left no V8 code cache for their entry");
    // Under the shipped `--no-lazy` that cache holds every function, not only those V8 compiles up front by
    // default (scripts/flags.ts): measured 3.2x the entry written by the same run without the flag.
    const lazyEntry = `${out}/lazy_main.js`;
    await Deno.copyFile(entry, lazyEntry);
    assert(RUN_FLAGS.join(" ") !== LAZY_RUN_FLAGS.join(" "), "the shipped flags compile eagerly");
    const lazy = await cachedBy(lazyEntry, LAZY_RUN_FLAGS);
    assert(lazy > 0 && eager > 2 * lazy, `eager code cache ${eager} B against ${lazy} B lazy`);
    const networked = await samuel(["run", "networked", "lint", "--json"]);
    assertEquals(networked.code, 0, networked.stderr);
    assertEquals([networked.json.data.output, networked.json.data.timings.wall], [{ ok: true }, "worker"]);
    // A cache miss loads the rewriter on demand.
    await Deno.remove(`${tmp}/home/cache/wasm`, { recursive: true });
    const miss = await samuel(["run", "walled", "lint", "--json"]);
    assertEquals([miss.code, miss.json?.data.cache.hit], [0, false], miss.stderr);

    const doctor = await samuel(["doctor", "--json"]);
    assert(doctor.json?.ok === true, doctor.stdout + doctor.stderr);

    await Deno.writeFile(`${tmp}/spin.wasm`, await wat2wasm(SPIN));
    const stopped = await samuel(["plugin", "exec", "--timeout", "200ms", `${tmp}/spin.wasm`]);
    assertEquals(stopped.code, 134, stopped.stderr);
    assertStringIncludes(stopped.stderr, "SAM-EXEC-007");

    // An error thrown in a lazily loaded chunk keeps its code and exit code (not an "unexpected" exit 1).
    const missing = await samuel(["run", "nope", "--json"]);
    assertEquals([missing.code, missing.json?.error?.code], [2, "SAM-RUN-001"], missing.stdout);
    const badSource = await samuel(["install", "file:///nonexistent-samuel-dir", "--json"]);
    assertEquals(badSource.code, 2, badSource.stdout + badSource.stderr);
    assert(/^SAM-/.test(badSource.json?.error?.code ?? ""), badSource.stdout);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
