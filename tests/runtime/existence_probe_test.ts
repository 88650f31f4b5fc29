/**
 * No existence oracle, at either filesystem entry point: a guest probing outside paths through links
 * planted on the host (absolute and relative, to files and to folders) or through `..` gets exactly the
 * same answer whether the outside target exists or not, through WASI `path_open` and through the
 * upstream `samuel.fs_read` / `fs_write` host calls alike (both decide through the WASI resolver,
 * src/runtime/wasi/paths.ts). Run through the real CLI on an installed plugin; nothing is created
 * outside the grant.
 */

import { assert, assertEquals, assertNotEquals } from "../support/assert.ts";
import type { CliResult } from "../support/cli.ts";
import { exists, Project, wat2wasm, WAT_IO } from "./_helpers.ts";

/** `open`: WASI path_open (following links) from the /workspace preopen, fd 3; the errno out. `read` /
 * `write`: the upstream host calls with the absolute guest path; the negated result code out. */
const PROBE_WAT = `(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "samuel" "fs_read" (func $fs_read (param i32 i32 i32 i32) (result i32)))
  (import "samuel" "fs_write" (func $fs_write (param i32 i32 i32 i32) (result i32)))
  ${WAT_IO}
  (memory (export "memory") 4)
  (data (i32.const 1024) "PWNED")
  (func (export "open") (result i32)
    (call $open (i32.const 3) (i32.const 1) (i32.const 4096) (call $read_stdin)
      (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 32)))
  (func (export "read") (result i32) (local $rc i32)
    (local.set $rc (call $fs_read (i32.const 4096) (call $read_stdin) (i32.const 65536) (i32.const 65536)))
    (if (result i32) (i32.lt_s (local.get $rc) (i32.const 0))
      (then (i32.sub (i32.const 0) (local.get $rc))) (else (i32.const 0))))
  (func (export "write") (result i32) (local $rc i32)
    (local.set $rc (call $fs_write (i32.const 4096) (call $read_stdin) (i32.const 1024) (i32.const 5)))
    (if (result i32) (i32.lt_s (local.get $rc) (i32.const 0))
      (then (i32.sub (i32.const 0) (local.get $rc))) (else (i32.const 0)))))`;

/** Paths under /workspace in pairs: the first reaches an outside target that exists, the second not. */
const READ_PAIRS: [string, string][] = [
  ["abs-file", "abs-missing"],
  ["rel-file", "rel-missing"],
  ["abs-dir/secret.txt", "abs-dir/missing.txt"],
  ["rel-dir/secret.txt", "rel-dir/missing.txt"],
  ["rel-dir", "rel-nodir"],
  ["rel-dir/x", "rel-nodir/x"],
  ["../outside/secret.txt", "../outside/missing.txt"],
  ["sub/../../outside/secret.txt", "sub/../../outside/missing.txt"],
];

const WRITE_PAIRS: [string, string][] = [
  ["out/abs-file", "out/abs-missing"],
  ["out/rel-dir/new.txt", "out/rel-nodir/new.txt"],
  ["out/../../outside/new.txt", "out/../../no-such-dir/new.txt"],
];

async function plant(p: Project): Promise<void> {
  const o = p.outside;
  await Deno.mkdir(`${p.root}/sub`);
  await Deno.mkdir(`${p.root}/out`);
  for (const at of [p.root, `${p.root}/out`]) {
    const up = at === p.root ? ".." : "../..";
    await Deno.symlink(`${o}/secret.txt`, `${at}/abs-file`);
    await Deno.symlink(`${o}/missing.txt`, `${at}/abs-missing`);
    await Deno.symlink(`${up}/outside/secret.txt`, `${at}/rel-file`);
    await Deno.symlink(`${up}/outside/missing.txt`, `${at}/rel-missing`);
    await Deno.symlink(o, `${at}/abs-dir`);
    await Deno.symlink(`${up}/outside`, `${at}/rel-dir`);
    await Deno.symlink(`${up}/no-such-dir`, `${at}/rel-nodir`);
  }
}

/** What the guest and the report show, with the probed path taken out. */
function answer(r: CliResult, path: string) {
  return {
    code: r.code,
    rc: r.json.data.return_code,
    denials: (r.json.data.report.denials as string[]).map((d) => d.replaceAll(path, "<path>")),
  };
}

Deno.test("WASI path_open and samuel fs_read/fs_write answer alike whether an outside target exists", async () => {
  await using p = await Project.create();
  await plant(p);
  await p.installOk(await wat2wasm(PROBE_WAT), {
    name: "probe",
    exports: ["open", "read", "write"],
    read: ["/workspace"],
    write: ["/workspace/out"],
  });
  const outsideBefore = [...Deno.readDirSync(p.outside)].map((e) => e.name).sort();

  // Control: the grant itself works through both entry points.
  await Deno.writeTextFile(`${p.root}/inside.txt`, "inside\n");
  assertEquals((await p.run(["probe", "open"], { stdin: "inside.txt" })).json.data.return_code, 0);
  assertEquals((await p.run(["probe", "read"], { stdin: "/workspace/inside.txt" })).json.data.return_code, 0);
  const missingInside = await p.run(["probe", "read"], { stdin: "/workspace/no-such-file" });
  assertEquals(missingInside.json.data.return_code, 11, "NOT_FOUND inside the grant is still reported");

  for (const [yes, no] of READ_PAIRS) {
    const open = [
      await p.run(["probe", "open"], { stdin: yes }),
      await p.run(["probe", "open"], { stdin: no }),
    ];
    assertEquals(answer(open[0], yes), answer(open[1], no), `path_open ${yes} vs ${no}`);
    assertNotEquals(open[0].json.data.return_code, 0, yes);

    const [gy, gn] = [`/workspace/${yes}`, `/workspace/${no}`];
    const read = [
      await p.run(["probe", "read"], { stdin: gy }),
      await p.run(["probe", "read"], { stdin: gn }),
    ];
    assertEquals(answer(read[0], gy), answer(read[1], gn), `fs_read ${gy} vs ${gn}`);
    assertEquals(read[0].json.data.return_code, 1, `${gy}: DENIED`);
    assertEquals(read[0].json.data.report.denials.length, 1, gy);
    assert(!read[0].stdout.includes(p.secret), `${gy} leaked the secret`);
  }

  for (const [yes, no] of WRITE_PAIRS) {
    const [gy, gn] = [`/workspace/${yes}`, `/workspace/${no}`];
    const write = [
      await p.run(["probe", "write"], { stdin: gy }),
      await p.run(["probe", "write"], { stdin: gn }),
    ];
    assertEquals(answer(write[0], gy), answer(write[1], gn), `fs_write ${gy} vs ${gn}`);
    assertEquals(write[0].json.data.return_code, 1, `${gy}: DENIED`);
  }
  assertEquals([...Deno.readDirSync(p.outside)].map((e) => e.name).sort(), outsideBefore);
  assertEquals(await Deno.readTextFile(`${p.outside}/secret.txt`), p.secret + "\n");
  assert(!(await exists(`${p.base}/no-such-dir`)));
});
