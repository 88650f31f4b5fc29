/**
 * The two facts `samuel run` needs from an installed wasm plugin's manifest copy: the module's path and
 * the declared exports. Install validated this file in full and samuel.lock pins its digest, so the run
 * path reads it with the TOML parser alone instead of the validator (which costs ~5 ms of start-up).
 * Nothing security-relevant comes from here: grants and limits come from samuel.lock, and the module is
 * checked against samuel.lock's digest before it is ever pre-processed.
 */

import { parse } from "npm:smol-toml@1.9.1";

export interface InstalledWasm {
  kind: string;
  /** `[wasm].module`, relative to the plugin folder. */
  module: string;
  /** `[wasm].exports`, else `[runtime].exports` (install made sure they agree when both are given). */
  exports: string[];
}

const strings = (v: unknown): string[] | undefined =>
  Array.isArray(v) && v.every((x) => typeof x === "string") ? v as string[] : undefined;

/** Reads an installed manifest; undefined when it is not a readable wasm manifest (reinstall fixes it). */
export function readInstalledWasm(text: string): InstalledWasm | undefined {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const table = (key: string) => (doc[key] ?? {}) as Record<string, unknown>;
  const kind = typeof doc.kind === "string" ? doc.kind : "";
  const exports = strings(table("wasm").exports) ?? strings(table("runtime").exports);
  const module = table("wasm").module;
  if (kind !== "wasm" || !exports || typeof module !== "string") {
    return kind ? { kind, module: "", exports: [] } : undefined;
  }
  return { kind, module: module.replace(/^(\.\/)+/, ""), exports };
}
