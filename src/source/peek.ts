/**
 * Reads just enough of a `samuel-plugin.toml` to know what else to fetch: the kind, the name, and the
 * artifact path (`[wasm].module`, `[skill].entry`). Full parsing and validation belong to
 * `src/manifest/`, run later by the install transaction; this stays lenient and only refuses what would
 * make fetching itself unsafe or impossible (bad TOML, an artifact path leaving the plugin folder).
 */

import { samuelError } from "../errors.ts";

export interface ManifestPeek {
  kind: string;
  name?: string;
  /** `[wasm].module`, default `plugin.wasm`; a relative path with `/` separators and no `..`. */
  module: string;
  /** `[skill].entry`, default `SKILL.md`. */
  skillEntry: string;
}

export async function peekManifest(text: string, origin: string): Promise<ManifestPeek> {
  const { parse } = await import("npm:smol-toml@1.9.1");
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (e) {
    throw samuelError("SAM-SOURCE-010", {
      message: `${origin} is not valid TOML`,
      cause: e instanceof Error ? e.message : String(e),
      fix:
        "fix the manifest syntax (see DESIGN.md section 3.1); `samuel doctor` in the plugin folder shows details",
    });
  }
  const table = (
    k: string,
  ) => (typeof doc[k] === "object" && doc[k] !== null ? doc[k] as Record<string, unknown> : {});
  const kind = typeof doc.kind === "string" ? doc.kind : "wasm";
  const name = typeof doc.name === "string" ? doc.name : undefined;
  const module = typeof table("wasm").module === "string" ? table("wasm").module as string : "plugin.wasm";
  const skillEntry = typeof table("skill").entry === "string" ? table("skill").entry as string : "SKILL.md";
  return {
    kind,
    name,
    module: safeRelative(module, "wasm.module", origin),
    skillEntry: safeRelative(skillEntry, "skill.entry", origin),
  };
}

/** A relative path inside the plugin folder, normalised to `/` separators; throws otherwise. */
export function safeRelative(path: string, key: string, origin: string): string {
  const parts = path.replaceAll("\\", "/").split("/").filter((p) => p !== "" && p !== ".");
  if (
    path.startsWith("/") || path.startsWith("\\") || /^[A-Za-z]:/.test(path) || parts.includes("..") ||
    parts.length === 0
  ) {
    throw samuelError("SAM-SOURCE-010", {
      message: `${key} = ${
        JSON.stringify(path)
      } in ${origin} is not a relative path inside the plugin folder`,
      fix: `set ${key} to a path relative to the folder holding samuel-plugin.toml, e.g. "plugin.wasm"`,
    });
  }
  return parts.join("/");
}
