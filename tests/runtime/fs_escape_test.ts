/**
 * Issue 4, filesystem and env rules, proven by trying to break them through the real CLI: a C program
 * (wasi-libc, tests/fixtures/runtime/probe.c) and a WAT module using the upstream `samuel.fs_read` /
 * `fs_write` imports try to read `/etc/passwd`, climb out of `/workspace` with `..`, follow symlinks to a
 * secret outside the project, write, create, rename, unlink and truncate under a read-only grant, write
 * through a link out of a writable grant, and read env keys that were not granted. Each attempt must fail
 * (exit 6: the probe returns 1) AND leave no trace: the secret is in no output, the read-only file is
 * unchanged, nothing was created outside, the unset key is absent.
 */

import { assert, assertEquals, assertStringIncludes } from "../support/assert.ts";
import { assertNoLeak, exists, probeWasm, Project, wat2wasm, WAT_IO } from "./_helpers.ts";
import { needs } from "../support/needs.ts";

/** The C probe (tests/fixtures/runtime/probe.c), built once; undefined without clang and wasi-libc. */
const PROBE = await probeWasm();
const withProbe = (name: string) => needs(name, !PROBE && "clang/wasi-libc missing");

const RO_CONTENT = "read-only original\n";

async function setUp(p: Project): Promise<void> {
  await Deno.writeTextFile(`${p.root}/ro.txt`, RO_CONTENT);
  await Deno.mkdir(`${p.root}/out`);
  await Deno.mkdir(`${p.root}/sub`);
  await Deno.symlink(p.outside, `${p.root}/link-dir`);
  await Deno.symlink(`${p.outside}/secret.txt`, `${p.root}/link-secret`);
  await Deno.symlink("../../outside/secret.txt", `${p.root}/sub/rel-link`);
  await Deno.symlink("/etc/passwd", `${p.root}/link-passwd`);
  await Deno.symlink(p.outside, `${p.root}/out/link-dir`);
  await Deno.symlink(`${p.outside}/secret.txt`, `${p.root}/out/link-secret`);
}

const passwd = await Deno.readTextFile("/etc/passwd").catch(() => "root:x:0:0");
const PASSWD_MARK = passwd.split("\n")[0];

Deno.test(withProbe("C guest: reads outside /workspace fail and leak nothing"), async () => {
  const probe = PROBE!;
  await using p = await Project.create();
  await setUp(p);
  await p.installOk(probe, {
    name: "probe",
    exports: ["fs_read", "fs_op", "env_dump", "env_get", "malloc_bomb", "health"],
    read: ["/workspace"],
    write: ["/workspace/out"],
    env: ["SAMUEL_RT_GRANTED"],
  });

  // Control: the grant itself works, so the refusals below are the rule, not a broken setup.
  const ok = await p.run(["probe", "fs_read"], { stdin: "/workspace/ro.txt" });
  assertEquals(ok.code, 0, ok.stdout);
  assertEquals(ok.json.data.output, RO_CONTENT);

  const attempts = [
    "/etc/passwd",
    `${p.outside}/secret.txt`,
    "/workspace/../outside/secret.txt",
    "/workspace/sub/../../outside/secret.txt",
    "/workspace/out/../../outside/secret.txt",
    "/workspace/link-secret",
    "/workspace/link-dir/secret.txt",
    "/workspace/sub/rel-link",
    "/workspace/link-passwd",
    "/workspace/out/link-secret",
    "/workspace/out/link-dir/secret.txt",
    "/workspace/out/../link-dir/secret.txt",
  ];
  const results = await Promise.all(attempts.map((path) => p.run(["probe", "fs_read"], { stdin: path })));
  attempts.forEach((path, i) => {
    const r = results[i];
    assertEquals(r.code, 6, `${path}: expected exit 6, got ${r.code}: ${r.stdout}`);
    assertEquals(r.json.data.outcome, "plugin_error", path);
    assertEquals(r.json.data.return_code, 1, path);
    assertStringIncludes(r.json.data.stdout, "ERR ", path);
    assertNoLeak(r, p.secret, PASSWD_MARK);
  });
});

const RO_WRITES = "C guest: writes under a read-only grant and out of a writable one fail and change nothing";
Deno.test(withProbe(RO_WRITES), async () => {
  const probe = PROBE!;
  await using p = await Project.create();
  await setUp(p);
  await p.installOk(probe, {
    name: "probe",
    exports: ["fs_read", "fs_op", "health"],
    read: ["/workspace"],
    write: ["/workspace/out"],
  });
  const before = await snapshot(p.outside);

  const attempts: string[][] = [
    ["write", "/workspace/ro.txt", "PWNED"],
    ["append", "/workspace/ro.txt", "PWNED"],
    ["truncate", "/workspace/ro.txt"],
    ["unlink", "/workspace/ro.txt"],
    ["rename", "/workspace/ro.txt", "/workspace/out/stolen.txt"],
    ["rename", "/workspace/ro.txt", "/workspace/moved.txt"],
    ["create", "/workspace/new.txt"],
    ["mkdir", "/workspace/newdir"],
    ["symlink", "/etc/passwd", "/workspace/new-link"],
    ["rmdir", "/workspace/sub"],
    // Out of the writable grant: `..`, links to the outside, and absolute host paths.
    ["write", "/workspace/out/../escaped.txt", "PWNED"],
    ["write", "/workspace/out/../../outside/escaped.txt", "PWNED"],
    ["write", "/workspace/out/link-dir/escaped.txt", "PWNED"],
    ["write", "/workspace/out/link-secret", "PWNED"],
    ["append", "/workspace/out/link-secret", "PWNED"],
    ["write", `${p.outside}/escaped.txt`, "PWNED"],
    ["symlink", "../../outside/secret.txt", "/workspace/out/new-link"],
    ["rename", "/workspace/out/link-secret", "/workspace/out/renamed"],
  ];
  // Run in order (not in parallel): later attempts must see what earlier ones did (nothing).
  for (const a of attempts) {
    const r = await p.run(["probe", "fs_op"], { stdin: a.join("\n") });
    if (a[0] === "rename" && a[1] === "/workspace/out/link-secret") {
      // Renaming a link inside the writable grant is allowed (it moves the link, not the secret); it
      // must not touch the target. Put it back for the checks below.
      assertEquals(r.code, 0, r.stdout);
      await Deno.rename(`${p.root}/out/renamed`, `${p.root}/out/link-secret`);
      continue;
    }
    if (a[0] === "symlink" && a[2].startsWith("/workspace/out/")) {
      // Creating a link inside the writable grant may be allowed; following it must not be.
      if (r.code === 0) {
        const follow = await p.run(["probe", "fs_read"], { stdin: a[2] });
        assertEquals(follow.code, 6, follow.stdout);
        assertNoLeak(follow, p.secret);
        await Deno.remove(`${p.root}/out/new-link`);
      }
      continue;
    }
    assertEquals(r.code, 6, `${a.join(" ")}: expected exit 6, got ${r.code}: ${r.stdout}`);
    assertStringIncludes(r.json.data.stdout, "ERR ", a.join(" "));
    assertNoLeak(r, p.secret);
  }

  assertEquals(await Deno.readTextFile(`${p.root}/ro.txt`), RO_CONTENT);
  for (const f of ["new.txt", "newdir", "new-link", "moved.txt", "escaped.txt", "out/stolen.txt"]) {
    assert(!(await exists(`${p.root}/${f}`)), `${f} was created`);
  }
  assert(!(await exists(`${p.base}/escaped.txt`)), "escaped.txt created next to the project");
  assert(await exists(`${p.root}/sub`), "sub was removed");
  assertEquals(await snapshot(p.outside), before, "the outside folder changed");

  // Control: the writable grant does work.
  const ok = await p.run(["probe", "fs_op"], { stdin: "write\n/workspace/out/ok.txt\nfine" });
  assertEquals(ok.code, 0, ok.stdout);
  assertEquals(await Deno.readTextFile(`${p.root}/out/ok.txt`), "fine");
});

Deno.test(withProbe("C guest: only granted env keys, and only when set"), async () => {
  const probe = PROBE!;
  await using p = await Project.create();
  await p.installOk(probe, {
    name: "probe",
    exports: ["env_dump", "env_get"],
    env: ["SAMUEL_RT_GRANTED", "SAMUEL_RT_GRANTED_UNSET"],
  });
  const env = {
    SAMUEL_RT_GRANTED: "granted-value",
    SAMUEL_RT_SECRET: "env-secret-value",
    HOME: "/home/secret-home",
  };
  const dump = await p.run(["probe", "env_dump"], { env });
  assertEquals(dump.code, 0, dump.stderr);
  assertEquals(dump.json.data.stdout, "SAMUEL_RT_GRANTED=granted-value\n");
  assertNoLeak(dump, "env-secret-value", "secret-home");

  for (const key of ["SAMUEL_RT_SECRET", "HOME", "PATH", "SAMUEL_RT_GRANTED_UNSET"]) {
    const r = await p.run(["probe", "env_get"], { env, stdin: key });
    assertEquals(r.json.data.stdout, "UNSET\n", key);
    assertNoLeak(r, "env-secret-value", "secret-home");
  }
});

/** Upstream `samuel.fs_read` / `fs_write`: the path comes from stdin, the result (or -code) out. */
const UPSTREAM_FS_WAT = `(module
  (import "samuel" "fs_read" (func $fs_read (param i32 i32 i32 i32) (result i32)))
  (import "samuel" "fs_write" (func $fs_write (param i32 i32 i32 i32) (result i32)))
  ${WAT_IO}
  (memory (export "memory") 4)
  (data (i32.const 1024) "PWNED")
  (func (export "read") (result i32) (local $len i32) (local $rc i32)
    (local.set $len (call $read_stdin))
    (local.set $rc (call $fs_read (i32.const 4096) (local.get $len) (i32.const 65536) (i32.const 65536)))
    (if (i32.lt_s (local.get $rc) (i32.const 0)) (then (return (i32.sub (i32.const 0) (local.get $rc)))))
    (drop (call $write_out (i32.const 1) (i32.const 65536) (local.get $rc)))
    (i32.const 0))
  (func (export "write") (result i32) (local $len i32) (local $rc i32)
    (local.set $len (call $read_stdin))
    (local.set $rc (call $fs_write (i32.const 4096) (local.get $len) (i32.const 1024) (i32.const 5)))
    (if (i32.lt_s (local.get $rc) (i32.const 0)) (then (return (i32.sub (i32.const 0) (local.get $rc)))))
    (i32.const 0)))`;

Deno.test("upstream fs_read/fs_write: the same grants as WASI, denials in the report", async () => {
  await using p = await Project.create();
  await setUp(p);
  await p.installOk(await wat2wasm(UPSTREAM_FS_WAT), {
    name: "upfs",
    exports: ["read", "write"],
    read: ["/workspace"],
    write: ["/workspace/out"],
  });
  const ok = await p.run(["upfs", "read"], { stdin: "/workspace/ro.txt" });
  assertEquals(ok.code, 0, ok.stdout);
  assertEquals(ok.json.data.stdout, RO_CONTENT);

  const reads = [
    "/etc/passwd",
    `${p.outside}/secret.txt`,
    "/workspace/../outside/secret.txt",
    "/workspace/link-secret",
    "/workspace/link-dir/secret.txt",
    "/workspace/sub/rel-link",
    "/workspace/link-passwd",
  ];
  for (const path of reads) {
    const r = await p.run(["upfs", "read"], { stdin: path });
    assertEquals(r.code, 6, `${path}: ${r.stdout}`);
    assertEquals(r.json.data.return_code, 1, `${path}: DENIED is -1`);
    assertEquals(r.json.data.report.denials.length, 1, path);
    assertStringIncludes(r.json.data.report.denials[0], `denied: filesystem.read ${path}`);
    assertNoLeak(r, p.secret, PASSWD_MARK);
  }
  const before = await snapshot(p.outside);
  const writes = [
    "/workspace/ro.txt",
    "/workspace/new.txt",
    "/workspace/out/../escaped.txt",
    "/workspace/out/link-secret",
    "/workspace/out/link-dir/escaped.txt",
    `${p.outside}/escaped.txt`,
  ];
  for (const path of writes) {
    const r = await p.run(["upfs", "write"], { stdin: path });
    assertEquals(r.code, 6, `${path}: ${r.stdout}`);
    assertEquals(r.json.data.return_code, 1, path);
    assertStringIncludes(r.json.data.report.denials[0] ?? "", `denied: filesystem.write ${path}`);
  }
  assertEquals(await Deno.readTextFile(`${p.root}/ro.txt`), RO_CONTENT);
  assert(!(await exists(`${p.root}/new.txt`)));
  assert(!(await exists(`${p.root}/escaped.txt`)));
  assertEquals(await snapshot(p.outside), before);
});

/** Every file under `dir` with its content (links as `-> target`). */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string, rel: string) => {
    for await (const e of Deno.readDir(d)) {
      const path = `${d}/${e.name}`;
      const key = rel + e.name;
      if (e.isSymlink) out[key] = `-> ${await Deno.readLink(path)}`;
      else if (e.isDirectory) await walk(path, key + "/");
      else out[key] = await Deno.readTextFile(path);
    }
  };
  await walk(dir, "");
  return out;
}

const EDITED_LOCK = "a hand-edited samuel.lock granting /workspace/.. is refused before anything runs";
Deno.test(withProbe(EDITED_LOCK), async () => {
  const probe = PROBE!;
  await using p = await Project.create();
  await p.installOk(probe, { name: "probe", exports: ["fs_read"], read: ["/workspace"] });
  const lock = await Deno.readTextFile(`${p.root}/samuel.lock`);
  assert(lock.includes('read = ["/workspace"]'), lock);
  await Deno.writeTextFile(
    `${p.root}/samuel.lock`,
    lock.replace('read = ["/workspace"]', 'read = ["/workspace/.."]'),
  );
  const r = await p.run(["probe", "fs_read"], { stdin: "/workspace/../outside/secret.txt" });
  assertEquals(r.code, 2, r.stdout);
  assertEquals(r.json.error.code, "SAM-RUN-016");
  assertNoLeak(r, p.secret);
});

/**
 * Raw WASI, without libc's path resolution: the path from stdin goes to `path_open` on fd 3 (the
 * /workspace preopen) exactly as given, with symlinks followed (dirflags 1) and only the fd_read right; the
 * export returns the errno, or 0 after printing what it read.
 */
const RAW_WASI_WAT = `(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  ${WAT_IO}
  (memory (export "memory") 4)
  (func (export "open_read") (result i32) (local $len i32) (local $err i32) (local $n i32)
    (local.set $len (call $read_stdin))
    (local.set $err (call $open (i32.const 3) (i32.const 1) (i32.const 4096) (local.get $len)
      (i32.const 0) (i64.const 2) (i64.const 2) (i32.const 0) (i32.const 32)))
    (if (local.get $err) (then (return (local.get $err))))
    (i32.store (i32.const 40) (i32.const 65536))
    (i32.store (i32.const 44) (i32.const 65536))
    (local.set $err (call $fd_read (i32.load (i32.const 32)) (i32.const 40) (i32.const 1) (i32.const 48)))
    (if (local.get $err) (then (return (local.get $err))))
    (drop (call $write_out (i32.const 1) (i32.const 65536) (i32.load (i32.const 48))))
    (i32.const 0))
  ;; O_CREAT|O_TRUNC (oflags 9) with write rights, then one write: on a read-only preopen this must fail.
  (func (export "open_write") (result i32) (local $len i32) (local $err i32)
    (local.set $len (call $read_stdin))
    (local.set $err (call $open (i32.const 3) (i32.const 1) (i32.const 4096) (local.get $len)
      (i32.const 9) (i64.const 0x1fffffff) (i64.const 0x1fffffff) (i32.const 0) (i32.const 32)))
    (if (local.get $err) (then (return (local.get $err))))
    (call $write_out (i32.load (i32.const 32)) (i32.const 4096) (local.get $len))))`;

Deno.test("raw WASI path_open from the /workspace preopen cannot leave it", async () => {
  await using p = await Project.create();
  await setUp(p);
  await p.installOk(await wat2wasm(RAW_WASI_WAT), {
    name: "raw",
    exports: ["open_read", "open_write"],
    read: ["/workspace"],
  });
  const ok = await p.run(["raw", "open_read"], { stdin: "ro.txt" });
  assertEquals(ok.code, 0, ok.stdout);
  assertEquals(ok.json.data.stdout, RO_CONTENT);
  const reads = [
    "/etc/passwd",
    `${p.outside}/secret.txt`,
    "..",
    "../outside/secret.txt",
    "sub/../../outside/secret.txt",
    "./../outside/secret.txt",
    "link-secret",
    "link-dir/secret.txt",
    "sub/rel-link",
    "link-passwd",
    "out/link-secret",
    "ro.txt/../../outside/secret.txt",
  ];
  for (const path of reads) {
    const r = await p.run(["raw", "open_read"], { stdin: path });
    assertEquals(r.code, 6, `${path}: ${r.stdout}`);
    assert(r.json.data.return_code > 0, `${path}: errno ${r.json.data.return_code}`);
    assertNoLeak(r, p.secret, PASSWD_MARK);
  }
  for (const path of ["ro.txt", "new.txt", "../escaped.txt", "out/link-secret", "link-dir/escaped.txt"]) {
    const r = await p.run(["raw", "open_write"], { stdin: path });
    assertEquals(r.code, 6, `${path}: ${r.stdout}`);
  }
  assertEquals(await Deno.readTextFile(`${p.root}/ro.txt`), RO_CONTENT);
  assertEquals(await Deno.readTextFile(`${p.outside}/secret.txt`), p.secret + "\n");
  for (const f of [`${p.root}/new.txt`, `${p.base}/escaped.txt`, `${p.outside}/escaped.txt`]) {
    assert(!(await exists(f)), `${f} was created`);
  }
});

Deno.test("a granted folder that does not exist: exit 2 naming it, before any sandbox starts", async () => {
  await using p = await Project.create();
  await p.installOk(await wat2wasm(RAW_WASI_WAT), {
    name: "raw",
    exports: ["open_read", "open_write"],
    read: ["/workspace"],
    write: ["/workspace/out"],
  });
  const r = await p.run(["raw", "open_read"], { stdin: "x" });
  assertEquals(r.code, 2, r.stdout);
  assertEquals(r.json.error.code, "SAM-RUN-017");
  assertStringIncludes(r.json.error.message, "/workspace/out");
  assert(!(await exists(`${p.root}/out`)), "the folder was created");
});
