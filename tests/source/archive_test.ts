/** Safe skill unpacking: malicious archives crafted here are refused and write nothing anywhere. */

import {
  assert,
  assertEquals,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "../support/assert.ts";
import { TarReader, unpackTarGz } from "../../src/source/archive.ts";
import { SamuelError } from "../../src/errors.ts";
import { gzip, gzipBomb, header, pax, tar, type TarEntry } from "./tar_helper.ts";

const enc = new TextEncoder();

/** Runs `fn` with a sandbox folder holding `stage/` (the target) and `outside/` (must stay empty). */
async function sandbox(fn: (stage: string, root: string) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix: "samuel-archive-" });
  try {
    await Deno.mkdir(`${root}/outside`);
    await fn(`${root}/stage`, root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

async function listAll(dir: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      out.push(e.name);
      if (e.isDirectory) out.push(...(await listAll(`${dir}/${e.name}`)).map((n) => `${e.name}/${n}`));
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return out.sort();
}

async function refused(entries: TarEntry[], code: string, includes?: string) {
  await sandbox(async (stage, root) => {
    const e = await assertRejects(async () => unpackTarGz(await gzip(tar(entries)), stage, "skill.tar.gz"));
    assert(e instanceof SamuelError, String(e));
    assertEquals(e.code, code, e.message);
    if (includes) assertStringIncludes(e.message, includes);
    assertEquals(await listAll(stage), [], "nothing written in the staging dir");
    assertEquals(await listAll(`${root}/outside`), [], "nothing written outside");
    assertEquals(await listAll(root), ["outside", ...(await exists(stage) ? ["stage"] : [])]);
  });
}

async function exists(p: string) {
  try {
    await Deno.stat(p);
    return true;
  } catch {
    return false;
  }
}

Deno.test("archive: a good skill tarball unpacks (./ prefix, folders, exec bit, ustar prefix, pax and GNU long names)", async () => {
  await sandbox(async (stage) => {
    const long = "d/" + "n".repeat(150) + ".md";
    const gnuLong = "g/" + "m".repeat(120) + ".txt";
    const archive = await gzip(tar([
      { name: "./", type: "5" },
      { name: "./SKILL.md", data: "# Skill\n" },
      { name: "./scripts/", type: "5" },
      { name: "./scripts/run.sh", data: "#!/bin/sh\necho hi\n", mode: 0o4755 },
      { name: "deep.txt", prefix: "a/b", data: "deep" },
      { name: "PaxHeader", type: "x", data: pax({ path: long }) },
      { name: "short-ignored", data: "pax" },
      { name: "././@LongLink", type: "L", data: gnuLong + "\0" },
      { name: "trunc", data: "gnu" },
    ]));
    const r = await unpackTarGz(archive, stage, "skill.tar.gz");
    assertEquals(r.files.sort(), ["SKILL.md", "a/b/deep.txt", gnuLong, long, "scripts/run.sh"].sort());
    assertEquals(await Deno.readTextFile(`${stage}/SKILL.md`), "# Skill\n");
    assertEquals(await Deno.readTextFile(`${stage}/${long}`), "pax");
    assertEquals(await Deno.readTextFile(`${stage}/${gnuLong}`), "gnu");
    assertEquals(await Deno.readTextFile(`${stage}/a/b/deep.txt`), "deep");
    if (Deno.build.os !== "windows") {
      assertEquals(
        (await Deno.stat(`${stage}/scripts/run.sh`)).mode! & 0o7777,
        0o755,
        "exec kept, setuid dropped",
      );
    }
  });
});

Deno.test("archive: '../x' is refused", () =>
  refused([{ name: "SKILL.md", data: "x" }, { name: "../x", data: "x" }], "SAM-ARCHIVE-002", ".."));
Deno.test("archive: 'a/../../x' is refused", () =>
  refused([{ name: "a/../../x", data: "x" }], "SAM-ARCHIVE-002"));
Deno.test("archive: '/abs' is refused", () =>
  refused([{ name: "/tmp/abs", data: "x" }], "SAM-ARCHIVE-002", "absolute"));
Deno.test("archive: a pax path escaping is refused", () =>
  refused(
    [{ name: "h", type: "x", data: pax({ path: "../../escape" }) }, { name: "ok", data: "x" }],
    "SAM-ARCHIVE-002",
  ));
Deno.test("archive: a GNU long name escaping is refused", () =>
  refused(
    [{ name: "././@LongLink", type: "L", data: "../../escape\0" }, { name: "ok", data: "x" }],
    "SAM-ARCHIVE-002",
  ));
Deno.test("archive: a ustar prefix that is absolute is refused", () =>
  refused([{ name: "x", prefix: "/etc", data: "x" }], "SAM-ARCHIVE-002"));
Deno.test("archive: backslash and drive-letter paths are refused", async () => {
  await refused([{ name: "..\\x", data: "x" }], "SAM-ARCHIVE-002");
  await refused([{ name: "C:/x", data: "x" }], "SAM-ARCHIVE-002");
});
Deno.test("archive: a symlink to /etc (then a file through it) is refused", () =>
  refused(
    [{ name: "etc", type: "2", link: "/etc" }, { name: "etc/passwd", data: "pwned" }],
    "SAM-ARCHIVE-003",
    "symlink",
  ));
Deno.test("archive: even an inside symlink is refused (links are never unpacked)", () =>
  refused([{ name: "a", data: "x" }, { name: "b", type: "2", link: "a" }], "SAM-ARCHIVE-003"));
Deno.test("archive: a hardlink escaping is refused", () =>
  refused([{ name: "h", type: "1", link: "../../../etc/passwd" }], "SAM-ARCHIVE-003", "hardlink"));
Deno.test("archive: device files and FIFOs are refused", async () => {
  await refused([{ name: "null", type: "3" }], "SAM-ARCHIVE-004", "character device");
  await refused([{ name: "fifo", type: "6" }], "SAM-ARCHIVE-004", "FIFO");
});
Deno.test("archive: a huge entry count is refused", async () => {
  const entries = Array.from({ length: 200 }, (_, i) => ({ name: `f${i}`, data: "" }));
  await sandbox(async (stage) => {
    const e = await assertRejects(async () =>
      unpackTarGz(await gzip(tar(entries)), stage, "skill.tar.gz", { maxEntries: 100 })
    );
    assertEquals((e as SamuelError).code, "SAM-ARCHIVE-005");
    assertEquals(await listAll(stage), []);
  });
});
Deno.test("archive: a gzip bomb is cut off while decompressing", async () => {
  await sandbox(async (stage) => {
    const archive = await gzip(tar([{ name: "zeros", data: new Uint8Array(20 * 1024 * 1024) }]));
    assert(archive.length < 200 * 1024, `compressed to ${archive.length}`);
    const e = await assertRejects(() =>
      unpackTarGz(archive, stage, "skill.tar.gz", { maxBytes: 1024 * 1024 })
    );
    assertEquals((e as SamuelError).code, "SAM-ARCHIVE-005");
    assertEquals(await listAll(stage), []);
  });
});
Deno.test("archive: duplicates and case clashes are refused", async () => {
  await refused([{ name: "a", data: "1" }, { name: "a", data: "2" }], "SAM-ARCHIVE-006");
  await refused([{ name: "Skill.md", data: "1" }, { name: "SKILL.md", data: "2" }], "SAM-ARCHIVE-006");
  await refused([{ name: "a", data: "1" }, { name: "a/b", data: "2" }], "SAM-ARCHIVE-006");
});
Deno.test("archive: not gzip, or a corrupt tar, is a clear error", async () => {
  await sandbox(async (stage) => {
    const e1 = await assertRejects(() => unpackTarGz(enc.encode("plain text"), stage, "skill.tar.gz"));
    assertEquals((e1 as SamuelError).code, "SAM-ARCHIVE-001");
    const bad = tar([{ name: "a", data: "x" }]);
    bad[0] ^= 0xff;
    const e2 = await assertRejects(async () => unpackTarGz(await gzip(bad), stage, "skill.tar.gz"));
    assertEquals((e2 as SamuelError).code, "SAM-ARCHIVE-001");
  });
});
Deno.test("archive: the target must be empty", async () => {
  await sandbox(async (stage) => {
    await Deno.mkdir(stage);
    await Deno.writeTextFile(`${stage}/x`, "");
    const e = await assertRejects(async () =>
      unpackTarGz(await gzip(tar([{ name: "a", data: "" }])), stage, "s")
    );
    assertEquals((e as SamuelError).code, "SAM-ARCHIVE-006");
  });
});

Deno.test("archive: a member announcing more than the budget is refused from its header, before its bytes", async () => {
  await sandbox(async (stage) => {
    // 2 KB of gzip whose header claims 1 GiB: only the header is ever inflated.
    const archive = await gzip(
      new Uint8Array([...header({ name: "big" }, 1024 ** 3), ...new Uint8Array(1024)]),
    );
    const e = await assertRejects(() => unpackTarGz(archive, stage, "skill.tar.gz"));
    assertEquals((e as SamuelError).code, "SAM-ARCHIVE-005");
    assertStringIncludes((e as Error).message, "unpacks to more than 268435456 bytes");
    assertEquals(await listAll(stage), []);
  });
});

Deno.test("archive: a stream expanding more than 200 times is cut off past 16 MiB, whatever the size budget", async () => {
  await sandbox(async (stage) => {
    const archive = await gzipBomb("many", 64 * 1024 * 1024);
    const e = await assertRejects(() => unpackTarGz(archive, stage, "skill.tar.gz", { maxBytes: 1024 ** 3 }));
    assertEquals((e as SamuelError).code, "SAM-ARCHIVE-005");
    assertStringIncludes((e as Error).message, "expands more than 200 times");
    assertEquals(await listAll(stage), []);
    // The same archive with the ratio bound raised unpacks: the bound is what refused it.
    const r = await unpackTarGz(archive, stage, "skill.tar.gz", { maxBytes: 1024 ** 3, maxRatio: 10_000 });
    assertEquals(r.files.length, 64);
  });
});

Deno.test("archive: the streaming tar reader gives the same entries whatever the chunking (1-byte to 64 KiB)", () => {
  const bytes = tar([
    { name: "./", type: "5" },
    { name: "PaxHeader", type: "x", data: pax({ path: "d/" + "p".repeat(200) }) },
    { name: "ignored", data: "pax-named" },
    { name: "././@LongLink", type: "L", data: "g/" + "l".repeat(150) + "\0" },
    { name: "x", data: "long-named" },
    { name: "a/b.txt", data: new Uint8Array(1500).fill(7) },
    { name: "empty", data: "" },
  ]);
  const read = (step: number) => {
    const t = new TarReader("t", 1024 * 1024, 100);
    for (let i = 0; i < bytes.length; i += step) t.push(bytes.subarray(i, i + step));
    return t.finish().map((e) => [e.path, e.type, e.data.length, e.data[0]]);
  };
  const whole = read(bytes.length);
  assertEquals(whole, [
    ["d/" + "p".repeat(200), "file", 9, 0x70],
    ["g/" + "l".repeat(150), "file", 10, 0x6c],
    ["a/b.txt", "file", 1500, 7],
    ["empty", "file", 0, undefined],
  ]);
  for (const step of [1, 7, 511, 512, 513, 4096, 65536]) assertEquals(read(step), whole, `chunks of ${step}`);
  const cut = new TarReader("t", 1024 * 1024, 100);
  cut.push(bytes.subarray(0, 5500)); // inside the data of a/b.txt
  const e = assertThrows(() => cut.finish()) as SamuelError;
  assertEquals(e.code, "SAM-ARCHIVE-001");
});
