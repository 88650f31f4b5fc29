/** file:// sources: wasm folders, skill folders and skill archives. */

import { assert, assertEquals, assertRejects, assertStringIncludes } from "../support/assert.ts";
import { fetchPlugin, parseSourceSpec } from "../../src/source/mod.ts";
import type { FetchContext } from "../../src/source/types.ts";
import { SamuelError } from "../../src/errors.ts";
import { gzip, tar } from "./tar_helper.ts";
import { needs } from "../support/needs.ts";

const WASM = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "samuel-local-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function fetchDir(path: string, ctx: FetchContext = {}) {
  return await fetchPlugin(await parseSourceSpec(`file://${path}`), ctx);
}

async function fails(p: Promise<unknown>, code: string) {
  const e = await assertRejects(() => p);
  assert(e instanceof SamuelError, String(e));
  assertEquals(e.code, code, e.message);
  return e;
}

Deno.test("local: a wasm folder with module and bundle", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/samuel-plugin.toml`, 'name = "hello"\nkind = "wasm"\n');
    await Deno.writeFile(`${dir}/plugin.wasm`, WASM);
    await Deno.writeTextFile(`${dir}/plugin.wasm.bundle`, "{}");
    const f = await fetchDir(dir + "/");
    assertEquals(f.kind, "wasm");
    assertEquals(f.module, WASM);
    assertEquals(f.bundleText, "{}");
    assertEquals(f.source, `file://${dir}`);
    assertEquals(f.resolvedUrl, `file://${dir}/plugin.wasm`);
    assertEquals(f.manifestName, `${dir}/samuel-plugin.toml`);
  });
});

Deno.test("local: relative file:// and a module in a sub-folder, no bundle", async () => {
  await withDir(async (dir) => {
    await Deno.mkdir(`${dir}/p/build`, { recursive: true });
    await Deno.writeTextFile(`${dir}/p/samuel-plugin.toml`, '[wasm]\nmodule = "./build/x.wasm"\n');
    await Deno.writeFile(`${dir}/p/build/x.wasm`, WASM);
    const f = await fetchPlugin(await parseSourceSpec("file://./p", dir));
    assertEquals(f.moduleName, "build/x.wasm");
    assertEquals(f.bundleText, undefined);
    assertEquals(f.bundleName, "build/x.wasm.bundle");
  });
});

Deno.test("local: missing folder, manifest, module; escaping module path; oversized module", async () => {
  await withDir(async (dir) => {
    await fails(fetchDir(`${dir}/nope`), "SAM-SOURCE-006");
    const e = await fails(fetchDir(dir), "SAM-SOURCE-007");
    assertStringIncludes(e.message, "samuel-plugin.toml");
    await Deno.writeTextFile(`${dir}/samuel-plugin.toml`, 'kind = "wasm"\n');
    const m = await fails(fetchDir(dir), "SAM-SOURCE-008");
    assertStringIncludes(m.message, "plugin.wasm");
    await Deno.writeTextFile(`${dir}/samuel-plugin.toml`, '[wasm]\nmodule = "../outside.wasm"\n');
    await fails(fetchDir(dir), "SAM-SOURCE-010");
    await Deno.writeTextFile(`${dir}/samuel-plugin.toml`, "not = [toml");
    await fails(fetchDir(dir), "SAM-SOURCE-010");
    await Deno.writeTextFile(`${dir}/samuel-plugin.toml`, 'kind = "wasm"\n');
    await Deno.writeFile(`${dir}/plugin.wasm`, new Uint8Array(4096));
    await fails(fetchDir(dir, { limits: { moduleBytes: 1000 } }), "SAM-SOURCE-009");
  });
});

Deno.test("local: an unsupported kind is handed on for manifest validation to reject", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/samuel-plugin.toml`, 'kind = "oci"\n');
    const f = await fetchDir(dir);
    assertEquals(f.kind, "oci");
    assertEquals(f.module, undefined);
  });
});

Deno.test("local: a skill folder is its own skillDir; SKILL.md is required", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/samuel-plugin.toml`, 'name = "s"\nkind = "skill"\n');
    const e = await fails(fetchDir(dir), "SAM-SOURCE-008");
    assertStringIncludes(e.message, "SKILL.md");
    await Deno.writeTextFile(`${dir}/SKILL.md`, "# s\n");
    const f = await fetchDir(dir);
    assertEquals(f.kind, "skill");
    assertEquals(f.skillDir, dir);
    assertEquals(f.module, undefined);
  });
});

Deno.test("local: a skill .tar.gz (wrapped in one folder) unpacks into staging, with its bundle", async () => {
  await withDir(async (dir) => {
    const archive = await gzip(tar([
      { name: "s/", type: "5" },
      { name: "s/samuel-plugin.toml", data: 'name = "s"\nkind = "skill"\n' },
      { name: "s/SKILL.md", data: "# s\n" },
    ]));
    await Deno.writeFile(`${dir}/s.tar.gz`, archive);
    await Deno.writeTextFile(`${dir}/s.tar.gz.bundle`, "{}");
    const f = await fetchDir(`${dir}/s.tar.gz`, { stagingDir: `${dir}/staging` });
    assertEquals(f.kind, "skill");
    assertEquals(f.module, archive);
    assertEquals(f.bundleText, "{}");
    assert(f.skillDir!.startsWith(`${dir}/staging/`), f.skillDir);
    assert(f.skillDir!.endsWith("/s"));
    assertEquals(await Deno.readTextFile(`${f.skillDir}/SKILL.md`), "# s\n");
  });
});

function hasTar(): boolean {
  try {
    return new Deno.Command("tar", { args: ["--version"], stdout: "null", stderr: "null" }).outputSync()
      .success;
  } catch {
    return false;
  }
}

Deno.test({
  ...needs("local: a skill archive made by the system tar unpacks", !hasTar() && "tar not installed"),
  async fn() {
    await withDir(async (dir) => {
      await Deno.mkdir(`${dir}/src/scripts`, { recursive: true });
      await Deno.writeTextFile(`${dir}/src/samuel-plugin.toml`, 'name = "s"\nkind = "skill"\n');
      await Deno.writeTextFile(`${dir}/src/SKILL.md`, "# s\n");
      await Deno.writeTextFile(`${dir}/src/scripts/${"long-".repeat(30)}.sh`, "echo\n");
      const out = await new Deno.Command("tar", { args: ["czf", `${dir}/s.tgz`, "-C", `${dir}/src`, "."] })
        .output();
      assert(out.success);
      const f = await fetchDir(`${dir}/s.tgz`, { stagingDir: `${dir}/staging` });
      assertEquals(await Deno.readTextFile(`${f.skillDir}/scripts/${"long-".repeat(30)}.sh`), "echo\n");
    });
  },
});
