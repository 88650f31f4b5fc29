/** SOURCE argument parsing: the three forms, valid and invalid. */

import { assertEquals, assertRejects, assertStringIncludes } from "../support/assert.ts";
import { canonicalSource, parseSourceSpec } from "../../src/source/spec.ts";
import { SamuelError } from "../../src/errors.ts";

async function fails(raw: string, code: string, includes?: string) {
  const e = await assertRejects(() => parseSourceSpec(raw, "/proj"));
  if (!(e instanceof SamuelError)) throw e;
  assertEquals(e.code, code, `${raw}: ${e.message}`);
  assertEquals(e.exit, 2);
  if (includes) assertStringIncludes(`${e.message} ${e.fix}`, includes);
  return e;
}

Deno.test("spec: file:// absolute, relative, localhost", async () => {
  assertEquals(await parseSourceSpec("file:///abs/dir", "/proj"), {
    kind: "file",
    path: "/abs/dir",
    raw: "file:///abs/dir",
  });
  assertEquals((await parseSourceSpec("file://./rel", "/proj")).kind, "file");
  assertEquals(((await parseSourceSpec("file://./rel", "/proj")) as { path: string }).path, "/proj/rel");
  assertEquals(((await parseSourceSpec("file://rel/x", "/proj")) as { path: string }).path, "/proj/rel/x");
  assertEquals(((await parseSourceSpec("file://localhost/abs", "/proj")) as { path: string }).path, "/abs");
  assertEquals(((await parseSourceSpec("file://../up/", "/proj/sub")) as { path: string }).path, "/proj/up");
  assertEquals(((await parseSourceSpec("file:///a/../../b", "/proj")) as { path: string }).path, "/b");
  assertEquals(
    ((await parseSourceSpec("file:///with space/x", "/proj")) as { path: string }).path,
    "/with space/x",
  );
  await fails("file://", "SAM-SOURCE-005");
});

Deno.test("spec: owner/repo with and without tag", async () => {
  assertEquals(await parseSourceSpec("acme/go-guide-wasm"), {
    kind: "github",
    owner: "acme",
    repo: "go-guide-wasm",
    raw: "acme/go-guide-wasm",
  });
  assertEquals(await parseSourceSpec("Acme-Corp/my.repo_1@v1.2.0"), {
    kind: "github",
    owner: "Acme-Corp",
    repo: "my.repo_1",
    tag: "v1.2.0",
    raw: "Acme-Corp/my.repo_1@v1.2.0",
  });
  assertEquals((await parseSourceSpec("acme/x@latest")).kind, "github");
  assertEquals(((await parseSourceSpec("acme/x@latest")) as { tag?: string }).tag, undefined);
  assertEquals(((await parseSourceSpec("acme/x@release/1.0")) as { tag?: string }).tag, "release/1.0");
});

Deno.test("spec: invalid GitHub names and tags", async () => {
  await fails("-acme/x", "SAM-SOURCE-002", "owner");
  await fails("ac--me/x", "SAM-SOURCE-002");
  await fails(`${"a".repeat(40)}/x`, "SAM-SOURCE-002");
  await fails("acme/..", "SAM-SOURCE-002", "repository");
  await fails("acme/x y", "SAM-SOURCE-002");
  await fails("acme/x@", "SAM-SOURCE-002", "empty");
  await fails("acme/x@v1..2", "SAM-SOURCE-002");
  await fails("acme/x@v1 2", "SAM-SOURCE-002");
  await fails("acme/x@-v1", "SAM-SOURCE-002");
  await fails("acme/x@v1.lock", "SAM-SOURCE-002");
  await fails("a/b/c", "SAM-SOURCE-001", "file://");
});

Deno.test("spec: registry names and ranges", async () => {
  assertEquals(await parseSourceSpec("go-guide"), { kind: "registry", name: "go-guide", raw: "go-guide" });
  assertEquals(await parseSourceSpec("go-guide@^1.2"), {
    kind: "registry",
    name: "go-guide",
    range: "^1.2",
    raw: "go-guide@^1.2",
  });
  assertEquals(((await parseSourceSpec("x@>=1.0.0 <2")) as { range?: string }).range, ">=1.0.0 <2");
  assertEquals(((await parseSourceSpec("x@latest")) as { range?: string }).range, undefined);
  await fails("Go-Guide", "SAM-SOURCE-003", "go-guide");
  await fails("-x", "SAM-SOURCE-003");
  await fails("a".repeat(65), "SAM-SOURCE-003");
  await fails("x@not a range", "SAM-SOURCE-004");
  await fails("x@", "SAM-SOURCE-004");
});

Deno.test("spec: other forms are refused with the three forms in the fix", async () => {
  const e = await fails("https://example.com/plugin.wasm", "SAM-SOURCE-001");
  assertStringIncludes(e.fix!, "file://<dir>");
  assertStringIncludes(e.fix!, "<owner>/<repo>[@<tag>]");
  assertStringIncludes(e.fix!, "<name>[@<range>]");
  await fails("./plugin", "SAM-SOURCE-001", "file://");
  await fails("", "SAM-SOURCE-003");
});

Deno.test("spec: canonical strings", async () => {
  assertEquals(canonicalSource(await parseSourceSpec("file://./p", "/proj")), "file:///proj/p");
  assertEquals(canonicalSource(await parseSourceSpec("acme/x@v1")), "acme/x@v1");
  assertEquals(canonicalSource(await parseSourceSpec("acme/x")), "acme/x");
  assertEquals(canonicalSource(await parseSourceSpec("x@^1")), "x@^1");
});
