/**
 * The typed plugin manifest (`samuel-plugin.toml`, DESIGN.md 3.1) as the rest of samuel sees it: every
 * field validated and every default applied, so consumers never re-check or re-default anything. (The
 * `Problem` shape validation reports is src/toml/problem.ts.) Types and constants only; no logic, no imports.
 */

/** Plugin kinds this build runs or installs. `oci` and `meta` exist upstream and are refused. */
export const SUPPORTED_KINDS = ["wasm", "skill"] as const;
export type PluginKind = (typeof SUPPORTED_KINDS)[number];

/** Kinds known from upstream Samuel that this build deliberately does not support. */
export const UNSUPPORTED_KINDS = ["oci", "meta"] as const;

/** Command verbs an export may not be named (case-insensitive), so `samuel run <plugin> <export>` and
 * the CLI's own verbs can never be confused. */
export const RESERVED_EXPORTS = [
  "init",
  "install",
  "uninstall",
  "update",
  "search",
  "info",
  "ls",
  "list",
  "run",
  "doctor",
  "sync",
  "version",
  "new",
] as const;

/** WASI lifecycle entry points: the host calls them itself, so declaring them as exports is a mistake. */
export const LIFECYCLE_EXPORTS = ["_start", "_initialize"] as const;

/** Defaults applied when a key is omitted (DESIGN.md 3.1). */
export const DEFAULTS = {
  maxMemoryMiB: 64,
  timeoutMs: 5_000,
  hardTimeoutMs: 30_000,
  skillEntry: "SKILL.md",
  framework: "*",
  protocol: "^1.0.0",
} as const;

/** Bounds of `[runtime] max_memory`, in MiB (4096 MiB is the wasm32 address space). */
export const MAX_MEMORY_RANGE = { min: 1, max: 4096 } as const;

/** What the plugin may touch. Omitted sections are empty lists: deny by default. */
export interface Capabilities {
  /** Host environment variable names passed through (only when set on the host). */
  env: string[];
  filesystem: {
    /** Absolute, normalised guest paths granted read-only (subpaths included). */
    read: string[];
    /** Absolute, normalised guest paths granted read-write (subpaths included). */
    write: string[];
  };
  network: {
    /** Exact host names / IP literals and `*.suffix` patterns (see hosts.ts). */
    hosts: string[];
  };
}

interface ManifestBase {
  /** `[a-z0-9][a-z0-9-]{0,63}`. */
  name: string;
  /** Strict semver, e.g. `0.1.0` (no `v` prefix). */
  version: string;
  kind: PluginKind;
  /** One line; empty when omitted. */
  summary: string;
  samuel: {
    /** Semver range the running samuel must satisfy (`*` when omitted). */
    framework: string;
    /** Semver range of plugin ABI protocols; this host speaks protocol 1 (`^1.0.0` when omitted). */
    protocol: string;
  };
  capabilities: Capabilities;
}

export interface WasmManifest extends ManifestBase {
  kind: "wasm";
  wasm: {
    /** Path of the module relative to the plugin folder, normalised (no `./`, no `..`). */
    module: string;
    /** Callable exports: non-empty, unique, identifiers, not reserved. */
    exports: string[];
  };
  runtime: {
    maxMemoryMiB: number;
    /** Soft deadline, surfaced to the guest through `deadline_ms`. */
    timeoutMs: number;
    /** Absolute kill; always >= timeoutMs. */
    hardTimeoutMs: number;
    /** Same list as `wasm.exports` (the manifest may give either or both). */
    exports: string[];
    /** Optional deterministic fuel budget (a positive integer). */
    fuel?: number;
  };
}

export interface SkillManifest extends ManifestBase {
  kind: "skill";
  skill: {
    /** Entry document relative to the plugin folder, normalised (`SKILL.md` when omitted). */
    entry: string;
  };
}

/** A valid manifest with defaults applied; narrow on `kind`. */
export type Manifest = WasmManifest | SkillManifest;
