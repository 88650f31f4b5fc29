/**
 * Stable problem codes of `samuel-plugin.toml` validation. A code names one rule; its number never
 * changes meaning once released (scripts and CI match on them). The table lives here, in one place, so the
 * validator, the CLI and the docs agree.
 *
 * | code             | rule                                                                             |
 * |------------------|----------------------------------------------------------------------------------|
 * | SAM-MANIFEST-001 | the manifest file is missing or unreadable                                       |
 * | SAM-MANIFEST-002 | the file is not valid TOML (line and column from the parser)                     |
 * | SAM-MANIFEST-003 | a required key is missing (`name`, `version`, `kind`, `wasm.module`, exports)    |
 * | SAM-MANIFEST-004 | a value has the wrong type (string, integer, list, table)                        |
 * | SAM-MANIFEST-005 | unknown key (warning; an error under `--strict`)                                 |
 * | SAM-MANIFEST-006 | `name` does not match `[a-z0-9][a-z0-9-]{0,63}`                                  |
 * | SAM-MANIFEST-007 | `version` is not a strict semver version                                         |
 * | SAM-MANIFEST-008 | `kind` is `oci` or `meta`: known, but not supported by this build                |
 * | SAM-MANIFEST-009 | `kind` is not a known kind (`wasm`, `skill`)                                     |
 * | SAM-MANIFEST-010 | `samuel.framework` is not a semver range                                         |
 * | SAM-MANIFEST-011 | `samuel.framework` excludes this samuel's version                                |
 * | SAM-MANIFEST-012 | `samuel.protocol` is not a semver range                                          |
 * | SAM-MANIFEST-013 | `samuel.protocol` excludes the protocol this host speaks (1)                     |
 * | SAM-MANIFEST-014 | `wasm.module` / `skill.entry` is not a relative path inside the plugin folder    |
 * | SAM-MANIFEST-015 | an exports list is empty                                                         |
 * | SAM-MANIFEST-016 | an export is not an identifier (`[A-Za-z_][A-Za-z0-9_]*`)                        |
 * | SAM-MANIFEST-017 | an export is listed twice                                                        |
 * | SAM-MANIFEST-018 | an export is a reserved verb (case-insensitive) or a WASI lifecycle entry point  |
 * | SAM-MANIFEST-019 | `runtime.exports` and `wasm.exports` differ                                      |
 * | SAM-MANIFEST-020 | a duration is not `<number>ms|s|m`, not positive, or too large                   |
 * | SAM-MANIFEST-021 | `runtime.hard_timeout` is shorter than `runtime.timeout`                         |
 * | SAM-MANIFEST-022 | `runtime.max_memory` is not a whole number of MiB between 1 and 4096             |
 * | SAM-MANIFEST-023 | `runtime.fuel` is not a positive integer                                         |
 * | SAM-MANIFEST-024 | a filesystem grant is not an absolute, normalised guest path                     |
 * | SAM-MANIFEST-025 | a list entry (filesystem path, env key, host) is listed twice                    |
 * | SAM-MANIFEST-026 | an env key is not a valid name (`[A-Za-z_][A-Za-z0-9_]*`)                        |
 * | SAM-MANIFEST-027 | a network host is not an exact lowercase host, IP literal, or `*.` + host        |
 * | SAM-MANIFEST-028 | a section does not apply to this kind and is ignored (warning)                   |
 * | SAM-MANIFEST-029 | `summary` is missing or empty (warning)                                          |
 * | SAM-MANIFEST-030 | `summary` spans several lines                                                    |
 * | SAM-MANIFEST-031 | `samuel.framework` or `samuel.protocol` is missing, a default is assumed (warning) |
 * | SAM-MANIFEST-032 | the file passes a bound of src/toml/limits.ts (size, nesting, tables, array, string) |
 *
 * Under `--strict` every warning is reported as an error.
 */

export const Code = {
  fileUnreadable: "SAM-MANIFEST-001",
  syntax: "SAM-MANIFEST-002",
  missing: "SAM-MANIFEST-003",
  type: "SAM-MANIFEST-004",
  unknownKey: "SAM-MANIFEST-005",
  name: "SAM-MANIFEST-006",
  version: "SAM-MANIFEST-007",
  kindUnsupported: "SAM-MANIFEST-008",
  kindUnknown: "SAM-MANIFEST-009",
  frameworkRange: "SAM-MANIFEST-010",
  frameworkMismatch: "SAM-MANIFEST-011",
  protocolRange: "SAM-MANIFEST-012",
  protocolMismatch: "SAM-MANIFEST-013",
  pluginPath: "SAM-MANIFEST-014",
  exportsEmpty: "SAM-MANIFEST-015",
  exportName: "SAM-MANIFEST-016",
  exportDuplicate: "SAM-MANIFEST-017",
  exportReserved: "SAM-MANIFEST-018",
  exportsMismatch: "SAM-MANIFEST-019",
  duration: "SAM-MANIFEST-020",
  timeoutOrder: "SAM-MANIFEST-021",
  maxMemory: "SAM-MANIFEST-022",
  fuel: "SAM-MANIFEST-023",
  guestPath: "SAM-MANIFEST-024",
  duplicate: "SAM-MANIFEST-025",
  envKey: "SAM-MANIFEST-026",
  host: "SAM-MANIFEST-027",
  ignoredSection: "SAM-MANIFEST-028",
  summaryMissing: "SAM-MANIFEST-029",
  summaryMultiline: "SAM-MANIFEST-030",
  compatMissing: "SAM-MANIFEST-031",
  limit: "SAM-MANIFEST-032",
} as const;

export type ManifestCode = (typeof Code)[keyof typeof Code];
