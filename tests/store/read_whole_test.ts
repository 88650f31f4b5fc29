/** read_whole.ts: whole files of every size read byte for byte, and a file that grew past its stat. */

import { assertEquals } from "../support/assert.ts";
import { readWholeSync } from "../../src/store/read_whole.ts";
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
