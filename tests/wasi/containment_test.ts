/**
 * Containment: every rule of the sandbox has an attack here. The C fixture escape.c tries each escape
 * from inside the guest (`..`, absolute paths, host-planted and guest-made symlinks, chains, links into
 * the other preopen, hard links and renames across a read-only boundary, every mutation under a
 * read-only preopen) and checks the errno; this test then proves on the host that nothing outside the
 * read-write preopen changed and nothing was created, and that the read-only preopen is untouched.
 * The TypeScript tests below attack the resolver directly.
 */

import { assertEquals } from "../support/assert.ts";
import { fixturePath, hasFixture, MemorySink, MemorySource, runCommand, snapshot } from "./helpers.ts";
import { FdEntry } from "../../src/runtime/wasi/fd_table.ts";
import { Resolved, resolvePath } from "../../src/runtime/wasi/paths.ts";
import { ELOOP, ENOENT, ENOTCAPABLE, ENOTDIR } from "../../src/runtime/wasi/errno.ts";
import { WasiHost } from "../../src/runtime/wasi/mod.ts";

async function layout() {
  const base = await Deno.realPath(await Deno.makeTempDir({ prefix: "samuel-escape-" }));
  Deno.mkdirSync(`${base}/outside`);
  Deno.mkdirSync(`${base}/rw`);
  Deno.mkdirSync(`${base}/ro/dir`, { recursive: true });
  Deno.writeTextFileSync(`${base}/outside/secret.txt`, "SECRET");
  Deno.writeTextFileSync(`${base}/ro/file.txt`, "READONLY");
  Deno.symlinkSync("file.txt", `${base}/ro/link`);
  Deno.symlinkSync(`${base}/outside/secret.txt`, `${base}/rw/planted_abs`);
  Deno.symlinkSync("../outside/secret.txt", `${base}/rw/planted_rel`);
  Deno.symlinkSync("../outside", `${base}/rw/planted_dir`);
  return base;
}

Deno.test({
  name: hasFixture("escape.wasm")
    ? "escape.c: every escape and read-only mutation is refused, nothing leaks"
    : "escape.c (skipped: fixture not built)",
  ignore: !hasFixture("escape.wasm"),
  async fn() {
    const base = await layout();
    try {
      const outsideBefore = await snapshot(`${base}/outside`);
      const roBefore = await snapshot(`${base}/ro`);
      const rwBefore = await snapshot(`${base}/rw`);
      const r = await runCommand(fixturePath("escape.wasm"), {
        preopens: [
          { guestPath: "/rw", hostPath: `${base}/rw`, readOnly: false },
          { guestPath: "/ro", hostPath: `${base}/ro`, readOnly: true },
        ],
      });
      assertEquals(r.stderr, "");
      assertEquals(r.code, 0);
      assertEquals(await snapshot(`${base}/outside`), outsideBefore);
      assertEquals(await snapshot(`${base}/ro`), roBefore);
      assertEquals(await snapshot(`${base}/rw`), rwBefore);
      assertEquals([...Deno.readDirSync(base)].map((e) => e.name).sort(), ["outside", "ro", "rw"]);
      assertEquals(Deno.readTextFileSync(`${base}/outside/secret.txt`), "SECRET");
    } finally {
      await Deno.remove(base, { recursive: true });
    }
  },
});

Deno.test({
  name: hasFixture("dirfd.wasm")
    ? "dirfd.c: every directory descriptor is its own boundary for every path_* call, nothing changes"
    : "dirfd.c (skipped: fixture not built)",
  ignore: !hasFixture("dirfd.wasm"),
  async fn() {
    const base = await Deno.realPath(await Deno.makeTempDir({ prefix: "samuel-dirfd-" }));
    try {
      Deno.mkdirSync(`${base}/rw/a/victim`, { recursive: true });
      Deno.mkdirSync(`${base}/rw/a/b/dir/nested`, { recursive: true });
      Deno.writeTextFileSync(`${base}/rw/x.txt`, "ROOT-X");
      Deno.writeTextFileSync(`${base}/rw/a/x.txt`, "A-X");
      const before = await snapshot(`${base}/rw`);
      const r = await runCommand(fixturePath("dirfd.wasm"), {
        preopens: [{ guestPath: "/rw", hostPath: `${base}/rw`, readOnly: false }],
      });
      assertEquals(r.stderr, "");
      assertEquals(r.code, 0);
      // The guest works inside a/b (so its folders' times change); above a/b nothing may have changed.
      const outsideB = (snap: Record<string, string>) =>
        Object.fromEntries(Object.entries(snap).filter(([k]) => k !== "a/b" && !k.startsWith("a/b/")));
      const after = await snapshot(`${base}/rw`);
      assertEquals(outsideB(after), outsideB(before));
      assertEquals(Object.keys(after).sort(), Object.keys(before).sort());
    } finally {
      await Deno.remove(base, { recursive: true });
    }
  },
});

Deno.test("resolver: escapes are ENOTCAPABLE whether or not the outside path exists", async () => {
  const base = await layout();
  try {
    const dir = FdEntry.directory(`${base}/rw`, [], false, 0, 0);
    const r = new Resolved();
    const cases: [string, boolean, number][] = [
      ["../outside/secret.txt", false, ENOTCAPABLE],
      ["../outside/missing", false, ENOTCAPABLE],
      ["../missing/missing", false, ENOTCAPABLE],
      ["..", false, ENOTCAPABLE],
      ["/etc/passwd", false, ENOTCAPABLE],
      ["/", false, ENOTCAPABLE],
      ["planted_abs", true, ENOTCAPABLE],
      ["planted_rel", true, ENOTCAPABLE],
      ["planted_dir/secret.txt", false, ENOTCAPABLE],
      ["planted_dir/missing", false, ENOTCAPABLE],
      ["planted_dir/", false, ENOTCAPABLE],
      ["missing/x", false, ENOENT],
    ];
    for (const [path, follow, errno] of cases) {
      assertEquals(resolvePath(dir, path, follow, r), errno, path);
    }
    // Not following the last component: the link itself is inside and may be looked at.
    assertEquals(resolvePath(dir, "planted_rel", false, r), 0);
    assertEquals(r.info?.isSymlink, true);
    // A file in the middle of a path.
    Deno.writeTextFileSync(`${base}/rw/f`, "");
    assertEquals(resolvePath(dir, "f/x", false, r), ENOTDIR);
    // Loops stop.
    Deno.symlinkSync("l2", `${base}/rw/l1`);
    Deno.symlinkSync("l1", `${base}/rw/l2`);
    assertEquals(resolvePath(dir, "l1", true, r), ELOOP);
    // `..` inside stays inside and resolves through links like the kernel does.
    Deno.mkdirSync(`${base}/rw/a/b`, { recursive: true });
    Deno.symlinkSync("a/b", `${base}/rw/ab`);
    assertEquals(resolvePath(dir, "ab/../b", false, r), 0);
    assertEquals(r.host, `${base}/rw/a/b`);
    // A subdirectory descriptor is its own boundary: `..` may not climb above it, even to a place inside
    // the preopen, whether that place exists or not; `..` that stays below it is fine.
    const sub = FdEntry.directory(`${base}/rw`, ["a", "b"], false, 0, 0);
    Deno.mkdirSync(`${base}/rw/a/b/c`);
    for (const path of ["..", "../..", "../../..", "../b", "../../f", "../missing", "c/../..", "./.."]) {
      assertEquals(resolvePath(sub, path, false, r), ENOTCAPABLE, path);
    }
    assertEquals(resolvePath(sub, "c/..", false, r), 0);
    assertEquals(r.host, `${base}/rw/a/b`);
    // ... and so may not a symlink met below it whose target climbs out of it.
    Deno.symlinkSync("../../f", `${base}/rw/a/b/c/up`);
    assertEquals(resolvePath(sub, "c/up", true, r), ENOTCAPABLE);
    assertEquals(resolvePath(dir, "a/b/c/up", true, r), 0);
    assertEquals(r.host, `${base}/rw/a/f`);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("a link swapped in on the host after the guest opened a directory is still checked", async () => {
  const base = await layout();
  try {
    Deno.mkdirSync(`${base}/rw/sub`);
    const stdout = new MemorySink();
    const host = new WasiHost({
      args: ["x"],
      env: [],
      preopens: [{ guestPath: "/rw", hostPath: `${base}/rw`, readOnly: false }],
      stdin: new MemorySource(),
      stdout,
      stderr: new MemorySink(),
    });
    const w = host.imports.wasi_snapshot_preview1 as Record<string, (...a: unknown[]) => number>;
    const memory = new WebAssembly.Memory({ initial: 1 });
    host.bindMemory(memory);
    const u8 = new Uint8Array(memory.buffer);
    const put = (s: string, at: number) => {
      const b = new TextEncoder().encode(s);
      u8.set(b, at);
      return b.length;
    };
    const rights = BigInt((1 << 13) | (1 << 18) | (1 << 10));
    let n = put("sub", 100);
    assertEquals(w.path_open(3, 0, 100, n, 2, rights, rights, 0, 0), 0);
    const subFd = new DataView(memory.buffer).getUint32(0, true);
    // The host replaces the directory with a symlink pointing outside.
    Deno.removeSync(`${base}/rw/sub`);
    Deno.symlinkSync("../outside", `${base}/rw/sub`);
    n = put("secret.txt", 100);
    assertEquals(w.path_filestat_get(subFd, 0, 100, n, 200), ENOTCAPABLE);
    n = put("created.txt", 100);
    assertEquals(w.path_open(subFd, 0, 100, n, 1, 0n, 0n, 0, 0), ENOTCAPABLE);
    assertEquals([...Deno.readDirSync(`${base}/outside`)].map((e) => e.name), ["secret.txt"]);
    host.close();
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("fd_readdir and fd_filestat_get on a directory swapped for an outside link are refused", async () => {
  const base = await layout();
  try {
    Deno.mkdirSync(`${base}/rw/sub`);
    const host = new WasiHost({
      args: ["x"],
      env: [],
      preopens: [{ guestPath: "/rw", hostPath: `${base}/rw`, readOnly: false }],
      stdin: new MemorySource(),
      stdout: new MemorySink(),
      stderr: new MemorySink(),
    });
    const w = host.imports.wasi_snapshot_preview1 as Record<string, (...a: unknown[]) => number>;
    const memory = new WebAssembly.Memory({ initial: 1 });
    host.bindMemory(memory);
    new Uint8Array(memory.buffer).set(new TextEncoder().encode("sub"), 100);
    const all = BigInt(((1 << 30) - 1) & ~(1 << 6)); // everything but fd_write (EISDIR on a directory)
    assertEquals(w.path_open(3, 0, 100, 3, 2, all, all, 0, 0), 0);
    const subFd = new DataView(memory.buffer).getUint32(0, true);
    Deno.removeSync(`${base}/rw/sub`);
    Deno.symlinkSync("../outside", `${base}/rw/sub`);
    assertEquals(w.fd_readdir(subFd, 1000, 4000, 0n, 8), ENOTCAPABLE);
    assertEquals(w.fd_filestat_get(subFd, 1000), ENOTCAPABLE);
    assertEquals(w.fd_filestat_set_times(subFd, 0n, 0n, 8), ENOTCAPABLE);
    const text = new TextDecoder().decode(new Uint8Array(memory.buffer, 1000, 4000));
    assertEquals(text.includes("secret"), false);
    host.close();
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});
