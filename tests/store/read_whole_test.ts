/** read_whole.ts: whole files of every size read byte for byte, and a file that grew past its stat. */

import { assertEquals } from "../support/assert.ts";
import { readWholeInBackground, readWholeSync } from "../../src/store/read_whole.ts";
import { needs } from "../support/needs.ts";

Deno.test("readWholeSync reads empty, small, page-sized and multi-megabyte files exactly", () => {
  const path = Deno.makeTempFileSync();
  try {
    for (const n of [0, 1, 65535, 65536, 3_000_001]) {
      const data = new Uint8Array(n).map((_, i) => (i * 7) % 251);
      Deno.writeFileSync(path, data);
      assertEquals(readWholeSync(path), data, `${n} bytes`);
    }
  } finally {
    Deno.removeSync(path);
  }
});

Deno.test({
  ...needs(
    "readWholeSync reads a file of unknown size (no size in its stat) to its end",
    Deno.build.os !== "linux" && "needs Linux's /proc",
  ),
}, () => {
  // /proc files report size 0 and still have content.
  const text = new TextDecoder().decode(readWholeSync("/proc/self/status"));
  assertEquals(text.includes("VmRSS"), true);
});

Deno.test("readWholeInBackground reads the whole file with the room asked for; a short or missing file is undefined", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const data = new Uint8Array(3_000_001).map((_, i) => (i * 7) % 251);
    Deno.writeFileSync(`${dir}/m`, data);
    const read = (await readWholeInBackground(`${dir}/m`, data.length, 4096))!;
    assertEquals(read, data);
    assertEquals(read.buffer.byteLength, data.length + 4096);
    // Shorter than the size its stat gave: not the file that was stat'ed.
    assertEquals(await readWholeInBackground(`${dir}/m`, data.length + 10), undefined);
    assertEquals(await readWholeInBackground(`${dir}/missing`, 10), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
