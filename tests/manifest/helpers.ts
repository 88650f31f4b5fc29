/**
 * Builds manifests for the validation tests: a known-valid base document, deep-patched per test (a key set
 * to `DELETE` is removed), rendered with smol-toml and validated through the public `parseManifest`.
 */

import { stringify } from "smol-toml";
import {
  parseManifest,
  type ParseOptions,
  type Problem,
  type ValidationResult,
} from "../../src/manifest/mod.ts";

export const DELETE = Symbol("delete");

// deno-lint-ignore no-explicit-any
export type Patch = Record<string, any>;

/** A valid wasm manifest using every section. */
export function baseWasm(): Patch {
  return {
    name: "ok-plugin",
    version: "1.0.0",
    kind: "wasm",
    summary: "A plugin for tests.",
    samuel: { framework: "^2.2.0", protocol: "^1.0.0" },
    wasm: { module: "plugin.wasm", exports: ["lint", "health"] },
    runtime: { max_memory: 64, timeout: "5s", hard_timeout: "30s" },
    capabilities: {
      env: ["HOME"],
      filesystem: { read: ["/workspace"], write: [] },
      network: { hosts: ["api.example.com"] },
    },
  };
}

/** A valid skill manifest. */
export function baseSkill(): Patch {
  return {
    name: "ok-skill",
    version: "1.0.0",
    kind: "skill",
    summary: "A skill for tests.",
    samuel: { framework: "^2.2.0" },
    skill: { entry: "SKILL.md" },
  };
}

function merge(target: Patch, patch: Patch): Patch {
  for (const [k, v] of Object.entries(patch)) {
    if (v === DELETE) delete target[k];
    else if (
      typeof v === "object" && v !== null && !Array.isArray(v) && typeof target[k] === "object" &&
      target[k] !== null && !Array.isArray(target[k])
    ) {
      merge(target[k], v);
    } else target[k] = v;
  }
  return target;
}

/** TOML text of `base` with `patch` applied. */
export function render(patch: Patch = {}, base: Patch = baseWasm()): string {
  return stringify(merge(base, patch));
}

export function check(
  patch: Patch = {},
  base: Patch = baseWasm(),
  opts: ParseOptions = {},
): Promise<ValidationResult> {
  return parseManifest(render(patch, base), { file: "samuel-plugin.toml", ...opts });
}

export const errors = (r: ValidationResult): Problem[] => r.problems.filter((p) => p.severity === "error");
export const warnings = (r: ValidationResult): Problem[] =>
  r.problems.filter((p) => p.severity === "warning");

/** `code key` of every error, for compact assertions. */
export function errorKeys(r: ValidationResult): string[] {
  return errors(r).map((p) => `${p.code} ${p.key}`);
}
