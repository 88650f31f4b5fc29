/** loadManifest: reading `<dir>/samuel-plugin.toml`, and the one SamuelError an invalid manifest becomes. */

import { assert, assertEquals, assertRejects } from "../support/assert.ts";
import { Exit, SamuelError } from "../../src/errors.ts";
import { formatProblem, loadManifest, manifestPath, type Problem } from "../../src/manifest/mod.ts";

const examples = new URL("../../examples/manifests/", import.meta.url).pathname;

Deno.test("the example manifests load without problems", async () => {
  for (const name of ["hello", "design"]) {
    const loaded = await loadManifest(`${examples}${name}`);
    assertEquals(loaded.problems, [], name);
    assertEquals(loaded.file, `${examples}${name}/samuel-plugin.toml`);
    assert(loaded.bytes.length > 0);
  }
  const hello = await loadManifest(`${examples}hello`);
  assert(hello.manifest.kind === "wasm");
  assertEquals(hello.manifest.runtime.fuel, 5_000_000_000);
  assertEquals(hello.manifest.runtime.hardTimeoutMs, 10_000);
});

Deno.test("loadManifest accepts the manifest file itself, and returns warnings", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/samuel-plugin.toml`;
    await Deno.writeTextFile(file, 'name = "w"\nversion = "1.0.0"\nkind = "skill"\nextra = 1\n');
    assertEquals(await manifestPath(dir), file);
    assertEquals(await manifestPath(`${dir}/`), file);
    assertEquals(await manifestPath(file), file);
    const loaded = await loadManifest(file);
    assertEquals(loaded.problems.map((p) => p.code), [
      "SAM-MANIFEST-029",
      "SAM-MANIFEST-031",
      "SAM-MANIFEST-005",
    ]);
    await assertRejects(() => loadManifest(dir, { strict: true }), (e) => {
      assert(e instanceof SamuelError);
      assertEquals(e.code, "SAM-MANIFEST-029");
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an invalid manifest throws one SamuelError (exit 2) with every problem in details", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/samuel-plugin.toml`,
      'name = "Bad"\nversion = "x"\nkind = "oci"\ncolour = 1\n',
    );
    const e = await assertRejects(() => loadManifest(dir));
    assert(e instanceof SamuelError);
    assertEquals(e.exit, Exit.invalidInput);
    assertEquals(e.code, "SAM-MANIFEST-006", "the code of the first error");
    assert(e.message.includes(`${dir}/samuel-plugin.toml`) && e.message.includes("3 errors"), e.message);
    const details = e.details as Problem[];
    assertEquals(details.filter((p) => p.severity === "error").map((p) => p.code), [
      "SAM-MANIFEST-006",
      "SAM-MANIFEST-007",
      "SAM-MANIFEST-008",
    ]);
    assert(details.some((p) => p.code === "SAM-MANIFEST-005" && p.severity === "warning"));
    assertEquals(e.reason, formatProblem(details.find((p) => p.severity === "error")!));
    assert(e.fix?.includes("2 more errors"), e.fix);
    assertEquals(e.toInfo().details, details);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a missing, unreadable or non-UTF-8 manifest is a SamuelError too", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const missing = await assertRejects(() => loadManifest(`${dir}/nope`));
    assert(missing instanceof SamuelError);
    assertEquals([missing.code, missing.exit], ["SAM-MANIFEST-001", Exit.invalidInput]);
    assert(missing.message.includes("not found"));

    await Deno.writeFile(`${dir}/samuel-plugin.toml`, new Uint8Array([0x6e, 0x3d, 0xff, 0xfe]));
    const binary = await assertRejects(() => loadManifest(dir));
    assert(binary instanceof SamuelError);
    assertEquals(binary.code, "SAM-MANIFEST-002");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("syntax errors become the SamuelError with line and column in the cause", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/samuel-plugin.toml`, 'name = "x"\n[wasm\n');
    const e = await assertRejects(() => loadManifest(dir));
    assert(e instanceof SamuelError);
    assertEquals(e.code, "SAM-MANIFEST-002");
    assert(e.reason?.startsWith(`${dir}/samuel-plugin.toml:2:`), e.reason);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
