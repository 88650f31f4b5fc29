/**
 * A corpus of hostile and unusual skill archives, each with the one outcome samuel must give: escapes
 * through paths, links and long-name records; devices and unknown entry types; oversized records and
 * members; collisions; corrupt, truncated and ambiguous archives (read differently by different tar
 * programs); and real archives made by GNU tar in each of its formats. Every refusal is checked to write
 * nothing, anywhere. archive_test.ts holds the named cases of the reader's API; this file is the breadth
 * that any change of the tar layer (issue 16: an npm tar parser replacing the hand-written one) must keep.
 */

import { assert, assertEquals } from "../support/assert.ts";
import { needs } from "../support/needs.ts";
import { snapshot } from "../install/helpers.ts";
import { unpackTarGz } from "../../src/source/archive.ts";
import { SamuelError } from "../../src/errors.ts";
import { concat, gzip, header, pax, tar, type TarEntry } from "./tar_helper.ts";

const enc = new TextEncoder();
const MiB = 1024 * 1024;

/** One member whose header block `patch` edits (the checksum is then recomputed), then `data`, padded. */
function patched(e: TarEntry, data: Uint8Array, patch: (h: Uint8Array) => void): Uint8Array {
  const h = header(e, data.length);
  patch(h);
  h.fill(0x20, 148, 156);
  h.set(enc.encode(h.reduce((a, b) => a + b, 0).toString(8).padStart(6, "0") + "\0 "), 148);
  return concat(h, data, new Uint8Array((512 - (data.length % 512)) % 512));
}

const END = new Uint8Array(1024);

type Outcome = { refused: string[] } | { files: string[]; dirs?: string[] };
const refused = (...codes: string[]): Outcome => ({ refused: codes });
const unpacks = (files: string[], dirs?: string[]): Outcome => ({ files, dirs });

const cases: [string, Uint8Array, Outcome][] = [
  // Paths that leave the target, in every field a path can come from.
  ["'../x'", tar([{ name: "../x", data: "x" }]), refused("SAM-ARCHIVE-002")],
  ["'./../x'", tar([{ name: "./../x", data: "x" }]), refused("SAM-ARCHIVE-002")],
  ["'a/b/../../../x'", tar([{ name: "a/b/../../../x", data: "x" }]), refused("SAM-ARCHIVE-002")],
  ["a folder named '..'", tar([{ name: "../", type: "5" }]), refused("SAM-ARCHIVE-002")],
  ["an absolute ustar name", tar([{ name: "/tmp/abs", data: "x" }]), refused("SAM-ARCHIVE-002")],
  ["a ustar prefix of '..'", tar([{ name: "x", prefix: "..", data: "x" }]), refused("SAM-ARCHIVE-002")],
  [
    "an absolute pax path",
    tar([{ name: "h", type: "x", data: pax({ path: "/etc/passwd" }) }, { name: "ok", data: "x" }]),
    refused("SAM-ARCHIVE-002"),
  ],
  [
    "an absolute GNU long name",
    tar([{ name: "././@LongLink", type: "L", data: "/etc/x\0" }, { name: "ok", data: "x" }]),
    refused("SAM-ARCHIVE-002"),
  ],
  [
    "a path component over 255 bytes",
    tar([{ name: "h", type: "x", data: pax({ path: "a".repeat(300) }) }, { name: "ok", data: "x" }]),
    refused("SAM-ARCHIVE-002"),
  ],
  [
    "a path over 4096 bytes",
    tar([
      { name: "h", type: "x", data: pax({ path: ("d".repeat(200) + "/").repeat(25) + "f" }) },
      { name: "ok", data: "x" },
    ]),
    refused("SAM-ARCHIVE-002"),
  ],
  // Links, whatever their target and wherever it is written.
  [
    "a symlink whose target is a pax linkpath",
    tar([{ name: "h", type: "x", data: pax({ linkpath: "/etc/shadow" }) }, {
      name: "l",
      type: "2",
      link: "x",
    }]),
    refused("SAM-ARCHIVE-003"),
  ],
  [
    "a symlink whose target is a GNU long link name",
    tar([{ name: "././@LongLink", type: "K", data: "/" + "e".repeat(150) + "\0" }, {
      name: "l",
      type: "2",
      link: "x",
    }]),
    refused("SAM-ARCHIVE-003"),
  ],
  [
    "a hardlink to a file inside",
    tar([{ name: "a", data: "x" }, { name: "h", type: "1", link: "a" }]),
    refused("SAM-ARCHIVE-003"),
  ],
  // Devices and entry types samuel does not unpack.
  ["a block device", tar([{ name: "sda", type: "4" }]), refused("SAM-ARCHIVE-004")],
  ["a GNU sparse file", tar([{ name: "sparse", type: "S", data: "x" }]), refused("SAM-ARCHIVE-004")],
  ["a volume label", tar([{ name: "vol", type: "V" }]), refused("SAM-ARCHIVE-004")],
  ["a multi-volume continuation", tar([{ name: "cont", type: "M", data: "x" }]), refused("SAM-ARCHIVE-004")],
  ["an unknown entry type", tar([{ name: "z", type: "Z", data: "x" }]), refused("SAM-ARCHIVE-004")],
  // Oversized records and members: refused from their header, before their bytes are kept.
  [
    "a pax record of 2 MiB",
    tar([{ name: "h", type: "x", data: pax({ comment: "c".repeat(2 * MiB) }) }, { name: "ok", data: "x" }]),
    refused("SAM-ARCHIVE-005"),
  ],
  [
    "a GNU long name of 2 MiB",
    tar([{ name: "././@LongLink", type: "L", data: "n".repeat(2 * MiB) }, { name: "ok", data: "x" }]),
    refused("SAM-ARCHIVE-005"),
  ],
  [
    "a pax size announcing 1 GiB",
    concat(
      tar([{ name: "h", type: "x", data: pax({ size: String(1024 ** 3) }) }]).subarray(0, 1024),
      header({
        name: "big",
      }, 0),
      END,
    ),
    refused("SAM-ARCHIVE-005"),
  ],
  // Two entries for one path.
  [
    "a folder then a file of the same name",
    tar([{ name: "a/", type: "5" }, { name: "a", data: "2" }]),
    refused("SAM-ARCHIVE-006"),
  ],
  ["'./a' then 'a'", tar([{ name: "./a", data: "1" }, { name: "a", data: "2" }]), refused("SAM-ARCHIVE-006")],
  // Corrupt and truncated archives.
  [
    "a truncated member",
    tar([{ name: "a", data: new Uint8Array(2000) }]).subarray(0, 1500),
    refused("SAM-ARCHIVE-001"),
  ],
  [
    "a truncated pax record",
    tar([{ name: "h", type: "x", data: pax({ path: "p".repeat(900) }) }, { name: "ok", data: "x" }]).subarray(
      0,
      800,
    ),
    refused("SAM-ARCHIVE-001"),
  ],
  [
    "a size field that is not octal",
    concat(patched({ name: "a" }, enc.encode("x"), (h) => h.set(enc.encode("0000000001x\0"), 124)), END),
    refused("SAM-ARCHIVE-001"),
  ],
  // Archives that tar programs read differently: refused, or read as GNU tar reads them, so that what a
  // reviewer's `tar tf` lists is what samuel unpacks.
  [
    "a path in a global pax header (GNU tar applies it to every later entry)",
    tar([{ name: "g", type: "g", data: pax({ path: "evil/x" }) }, { name: "ok", data: "x" }]),
    refused("SAM-ARCHIVE-001"),
  ],
  [
    "a size in a global pax header",
    tar([{ name: "g", type: "g", data: pax({ size: "0" }) }, { name: "ok", data: "xyz" }]),
    refused("SAM-ARCHIVE-001"),
  ],
  [
    "a directory with a size, whose 'body' is read as headers (as GNU tar and Python read it)",
    concat(
      header({ name: "d/", type: "5" }, 1024),
      tar([{ name: "smuggled", data: "s" }]).subarray(0, 1024),
      tar([{ name: "after", data: "a" }]),
    ),
    unpacks(["after", "smuggled"], ["d"]),
  ],
  [
    "a pax path holding a NUL (read up to the NUL, as GNU tar reads it)",
    tar([{ name: "h", type: "x", data: pax({ path: "ok\0/../../x" }) }, { name: "ignored", data: "x" }]),
    unpacks(["ok"]),
  ],
  [
    "two pax headers for one entry",
    tar([
      { name: "h1", type: "x", data: pax({ path: "one" }) },
      { name: "h2", type: "x", data: pax({ path: "two" }) },
      { name: "ok", data: "x" },
    ]),
    refused("SAM-ARCHIVE-001"),
  ],
  [
    "a symlink with a body holding a header",
    concat(header({ name: "l", type: "2", link: "a" }, 1024), tar([{ name: "hidden", data: "h" }])),
    refused("SAM-ARCHIVE-001", "SAM-ARCHIVE-003"),
  ],
  ["an archive with no entry", new Uint8Array(1024), refused("SAM-ARCHIVE-001")],
  ["an entry with an empty name", tar([{ name: "", data: "x" }]), refused("SAM-ARCHIVE-001")],
  // Unusual archives that are fine.
  [
    "a contiguous file (type 7)",
    tar([{ name: "c", type: "7", data: "c" }]),
    unpacks(["c"]),
  ],
  [
    "an old V7 header (no magic, type NUL)",
    concat(
      patched({ name: "v7" }, enc.encode("v"), (h) => {
        h.fill(0, 257, 265);
        h[156] = 0;
      }),
      END,
    ),
    unpacks(["v7"]),
  ],
  [
    "a base-256 size field",
    concat(
      patched({ name: "b" }, enc.encode("bb"), (h) => {
        h.fill(0, 124, 136);
        h[124] = 0x80;
        h[135] = 2;
      }),
      END,
    ),
    unpacks(["b"]),
  ],
  [
    "a global pax header holding only a comment",
    tar([{ name: "g", type: "g", data: pax({ comment: "hi" }) }, { name: "ok", data: "x" }]),
    unpacks(["ok"]),
  ],
];

interface Unpacked {
  files: string[];
  dirs: string[];
}

async function outcome(
  archive: Uint8Array,
): Promise<{ result?: Unpacked; error?: unknown; written: string[] }> {
  const root = await Deno.makeTempDir({ prefix: "samuel-hostile-" });
  try {
    let result: Unpacked | undefined;
    let error: unknown;
    try {
      const r = await unpackTarGz(archive, `${root}/stage`, "skill.tar.gz");
      result = { files: r.files.sort(), dirs: r.dirs.sort() };
    } catch (e) {
      error = e;
    }
    return { result, error, written: Object.keys(await snapshot(root)).sort() };
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

async function check(archive: Uint8Array, want: Outcome) {
  const { result, error, written } = await outcome(archive);
  if ("refused" in want) {
    assert(
      error instanceof SamuelError,
      `not refused with a SamuelError: ${error ?? JSON.stringify(result)}`,
    );
    assert(want.refused.includes(error.code), `${error.code}: ${error.message}`);
    assert(written.every((p) => p === "stage/"), `written: ${written}`);
    return;
  }
  assertEquals(error, undefined);
  assertEquals(result!.files, [...want.files].sort());
  if (want.dirs) assertEquals(result!.dirs, [...want.dirs].sort());
}

for (const [name, bytes, want] of cases) {
  const verdict = "refused" in want ? `is refused (${want.refused.join(" or ")})` : "unpacks";
  Deno.test(`hostile corpus: ${name} ${verdict}`, async () => await check(await gzip(bytes), want));
}

Deno.test("hostile corpus: a gzip stream cut short is refused (SAM-ARCHIVE-001)", async () => {
  const full = await gzip(tar([{ name: "a", data: new Uint8Array(4000).map((_, i) => i * 7) }]));
  await check(full.subarray(0, full.length - 20), refused("SAM-ARCHIVE-001"));
});

const gnuTar = await (async () => {
  try {
    const out = await new Deno.Command("tar", { args: ["--version"], stdout: "piped", stderr: "null" })
      .output();
    return new TextDecoder().decode(out.stdout).includes("GNU tar");
  } catch {
    return false;
  }
})();

/** `files` packed by the real GNU tar in `format`, gzip-compressed. */
async function gnuArchive(format: string, files: Record<string, string>): Promise<Uint8Array> {
  const dir = await Deno.makeTempDir({ prefix: "samuel-gnutar-" });
  try {
    for (const [path, text] of Object.entries(files)) {
      await Deno.mkdir(`${dir}/src/${path}`.replace(/\/[^/]*$/, ""), { recursive: true });
      await Deno.writeTextFile(`${dir}/src/${path}`, text);
    }
    const args = [`--format=${format}`, "-czf", `${dir}/a.tar.gz`, "-C", `${dir}/src`, "."];
    const out = await new Deno.Command("tar", { args, stderr: "piped" }).output();
    assert(out.success, new TextDecoder().decode(out.stderr));
    return await Deno.readFile(`${dir}/a.tar.gz`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const LONG = "deep/" + "x".repeat(120) + "/" + "y".repeat(120) + ".md";
for (const format of ["gnu", "oldgnu", "pax", "ustar", "v7"]) {
  // ustar, oldgnu and v7 cannot hold a 250-byte path: those archives carry the short files only.
  const long = format === "gnu" || format === "pax";
  const files: Record<string, string> = { "SKILL.md": "# s\n", "scripts/run.sh": "#!/bin/sh\n" };
  if (long) files[LONG] = "long";
  Deno.test({
    ...needs(`hostile corpus: a skill packed by GNU tar --format=${format} unpacks`, !gnuTar && "no GNU tar"),
    fn: async () => await check(await gnuArchive(format, files), unpacks(Object.keys(files))),
  });
}
