/**
 * `Problem`: one thing wrong with an input file samuel reads (`samuel-plugin.toml`, `samuel.toml`,
 * `samuel.lock`, and a plugin's module checked against its manifest), at a key and a line. The one
 * definition: the schema checks (`./check.ts`) produce them, manifest/ and project/ report them, the CLI
 * renders them. Every problem of a file is reported at once. Types only.
 */

import type { SamCode } from "../errors.ts";

export type Severity = "error" | "warning";

/** One thing wrong with a file. */
export interface Problem {
  /** The file as the user named it (path or display name). */
  file: string;
  /** Key path, e.g. `capabilities.network.hosts[1]`; empty for whole-file problems. */
  key: string;
  /** 1-based line, when the key is written in the file (or the parser reported one). */
  line?: number;
  /** 1-based column, only for syntax errors (the TOML parser reports it). */
  column?: number;
  /** What is wrong. */
  message: string;
  /** How to fix it, concretely. */
  fix: string;
  severity: Severity;
  /** Stable code of the rule: `SAM-MANIFEST-NNN`, `SAM-CONFIG-003`, ... (src/errors/catalogue.ts). */
  code: SamCode;
}
