/**
 * `file://` sources: a plugin folder, or a skill `.tar.gz` file.
 *
 * - A folder holds `samuel-plugin.toml`. For `kind = "wasm"` the module is `[wasm].module` (default
 *   `plugin.wasm`) and the optional bundle `<module>.bundle`, both inside the folder. For `kind = "skill"`
 *   the folder itself is the skill (`skillDir`); `[skill].entry` (default `SKILL.md`) must exist. A
 *   folder skill has no single artifact, hence no module bytes and no bundle: it installs unsigned.
 * - A `.tar.gz`/`.tgz` file is a skill archive: unpacked safely into the staging folder; when its root
 *   holds a single folder and no manifest (`tar czf x.tar.gz my-skill/`), that folder is the skill. The
 *   archive bytes are the artifact, and `<archive>.bundle` next to it is its optional signature.
 *
 * Every file is read with a size limit, and files are read through the folder without following the
 * manifest anywhere outside it (`peek.ts` refuses such paths).
 */

import { basename } from "../project/paths.ts";
import { unpackTarGz } from "./archive.ts";
import { peekManifest } from "./peek.ts";
import type { FileSpec } from "./spec.ts";
import { type FetchContext, type FetchedPlugin, limitsOf } from "./types.ts";
import { stagingDirFor } from "./staging.ts";
import { samuelError } from "../errors.ts";

export const MANIFEST_FILE = "samuel-plugin.toml";

export async function fetchLocal(spec: FileSpec, ctx: FetchContext = {}): Promise<FetchedPlugin> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(spec.path);
  } catch (e) {
    throw samuelError("SAM-SOURCE-006", {
      message: `cannot read the plugin source ${spec.path}`,
      cause: e instanceof Deno.errors.NotFound ? "no such file or folder" : String(e),
      fix: "give the folder holding samuel-plugin.toml, e.g. samuel install file://$(pwd)",
    });
  }
  if (info.isFile && /\.(tar\.gz|tgz)$/i.test(spec.path)) return await fetchLocalArchive(spec, ctx);
  if (!info.isDirectory) {
    throw samuelError("SAM-SOURCE-006", {
      message: `${spec.path} is neither a plugin folder nor a skill .tar.gz`,
      fix: "give the folder holding samuel-plugin.toml, or a skill archive ending in .tar.gz",
    });
  }
  const dir = spec.path.replace(/[\\/]+$/, "") || "/";
  const source = `file://${dir}`;
  const limits = limitsOf(ctx);
  const manifestPath = `${dir}/${MANIFEST_FILE}`;
  const manifestText = await readText(manifestPath, limits.manifestBytes, true);
  const peek = await peekManifest(manifestText, manifestPath);
  const base = { manifestText, manifestName: manifestPath, resolvedUrl: source, source, pinned: source };
  if (peek.kind === "skill") {
    await requireFile(`${dir}/${peek.skillEntry}`, "skill entry", `[skill].entry (default SKILL.md)`);
    return {
      ...base,
      kind: "skill",
      moduleName: peek.skillEntry,
      bundleName: `${peek.skillEntry}.bundle`,
      skillDir: dir,
    };
  }
  if (peek.kind !== "wasm") {
    // Manifest validation owns the "kind not supported" error; there is nothing more to fetch.
    return { ...base, kind: peek.kind, moduleName: peek.module, bundleName: `${peek.module}.bundle` };
  }
  const modulePath = `${dir}/${peek.module}`;
  const module = await readBytes(
    modulePath,
    limits.moduleBytes,
    "module",
    "[wasm].module (default plugin.wasm)",
  );
  const bundleText = await readOptionalText(`${modulePath}.bundle`, limits.bundleBytes);
  return {
    ...base,
    kind: "wasm",
    module,
    moduleName: peek.module,
    bundleText,
    bundleName: `${peek.module}.bundle`,
    resolvedUrl: `file://${modulePath}`,
  };
}

async function fetchLocalArchive(spec: FileSpec, ctx: FetchContext): Promise<FetchedPlugin> {
  const limits = limitsOf(ctx);
  const archive = await readBytes(spec.path, limits.archiveBytes, "skill archive", "the file:// path");
  const bundleText = await readOptionalText(`${spec.path}.bundle`, limits.bundleBytes);
  const name = basename(spec.path);
  const staging = await stagingDirFor(ctx, "skill");
  const skillDir = await unpackSkill(archive, staging, name, ctx);
  const manifestPath = `${skillDir}/${MANIFEST_FILE}`;
  const manifestText = await readText(
    manifestPath,
    limits.manifestBytes,
    true,
    `${MANIFEST_FILE} in ${name}`,
  );
  const peek = await peekManifest(manifestText, `${name}!/${MANIFEST_FILE}`);
  await requireFile(
    `${skillDir}/${peek.skillEntry}`,
    "skill entry",
    `[skill].entry (default SKILL.md) in ${name}`,
  );
  const source = `file://${spec.path}`;
  return {
    kind: peek.kind,
    manifestText,
    manifestName: `${spec.path}!/${MANIFEST_FILE}`,
    module: archive,
    moduleName: name,
    bundleText,
    bundleName: `${name}.bundle`,
    skillDir,
    resolvedUrl: source,
    source,
    pinned: source,
  };
}

/**
 * Unpacks a skill archive into `staging` and returns the skill's root: `staging` itself, or its only
 * sub-folder when the archive wraps everything in one folder and has no manifest at the top.
 */
export async function unpackSkill(
  archive: Uint8Array,
  staging: string,
  label: string,
  ctx: FetchContext,
): Promise<string> {
  const limits = limitsOf(ctx);
  await unpackTarGz(archive, staging, label, { maxBytes: limits.unpackedBytes, maxEntries: limits.entries });
  const top: Deno.DirEntry[] = [];
  for await (const e of Deno.readDir(staging)) top.push(e);
  if (top.length === 1 && top[0].isDirectory && !top.some((e) => e.name === MANIFEST_FILE)) {
    return `${staging}/${top[0].name}`;
  }
  return staging;
}

export async function requireFile(path: string, what: string, key: string): Promise<void> {
  try {
    if ((await Deno.stat(path)).isFile) return;
  } catch { /* reported below */ }
  throw samuelError("SAM-SOURCE-008", {
    message: `the ${what} ${path} is missing`,
    fix: `build it, or point ${key} at the right file`,
  });
}

/** Reads a file up to `max` bytes, refusing bigger ones before reading them. */
async function readBytes(path: string, max: number, what: string, key: string): Promise<Uint8Array> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw samuelError("SAM-SOURCE-008", {
        message: `the ${what} ${path} is missing`,
        fix: `build it, or point ${key} at the right file`,
      });
    }
    throw samuelError("SAM-SOURCE-006", {
      message: `cannot read ${path}`,
      cause: String(e),
      fix: "check the file's permissions",
    });
  }
  try {
    const info = await file.stat();
    if (!info.isFile) {
      throw samuelError("SAM-SOURCE-008", {
        message: `the ${what} ${path} is not a file`,
        fix: `point ${key} at a file`,
      });
    }
    if (info.size > max) throw tooBig(path, what, max);
    // The size can change between stat and read; read one byte past the limit to notice.
    const buf = new Uint8Array(info.size + 1);
    let n = 0;
    for (;;) {
      const r = await file.read(buf.subarray(n));
      if (r === null) break;
      n += r;
      if (n > max) throw tooBig(path, what, max);
      if (n === buf.length) break;
    }
    return buf.slice(0, n);
  } finally {
    file.close();
  }
}

function tooBig(path: string, what: string, max: number) {
  return samuelError("SAM-SOURCE-009", {
    message: `the ${what} ${path} is larger than the ${max}-byte limit`,
    fix: "check that the right file is named; plugin files are normally a few MiB at most",
  });
}

async function readText(path: string, max: number, required: boolean, label = path): Promise<string> {
  try {
    return new TextDecoder().decode(await readBytes(path, max, "manifest", "the path"));
  } catch (e) {
    if (required && (e as { code?: string }).code === "SAM-SOURCE-008") {
      throw samuelError("SAM-SOURCE-007", {
        message: `${label} is missing: this is not a samuel plugin source`,
        fix: "add a samuel-plugin.toml (`samuel new plugin` scaffolds one), or give the folder that holds it",
      });
    }
    throw e;
  }
}

async function readOptionalText(path: string, max: number): Promise<string | undefined> {
  try {
    return new TextDecoder().decode(await readBytes(path, max, "signature bundle", "the bundle"));
  } catch (e) {
    if ((e as { code?: string }).code === "SAM-SOURCE-008") return undefined;
    throw e;
  }
}
