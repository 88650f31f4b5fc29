/**
 * `samuel.toml`, the user's project file (DESIGN.md section 3): its model, parsing with validation errors
 * that name the file, key, line and fix, the default content `samuel init` writes, and surgical edits.
 * Validation is one reader per section (`readRegistries`, `readPlugins`, `readCacheBudget`,
 * `readSecurity`) on the shared `Checker` (src/toml/check.ts), which collects every problem before one
 * `SAM-CONFIG-003` names them; key lines are scanned only when a problem or warning needs one.
 *
 * The file belongs to the user; samuel owns only the `[[plugins]]` entries. Edits therefore never
 * re-serialise the document: `addOrReplacePlugin` / `removePlugin` change the lines of one plugin's block
 * and leave every other byte (comments, unknown tables, formatting) as it was, and each edit is checked by
 * re-parsing before it is accepted.
 */

import { parse, TomlError } from "npm:smol-toml@1.9.1";
import { isSamuelError, SamuelError, samuelError } from "../errors.ts";
import { writeFileAtomic } from "./atomic.ts";
import { projectPaths } from "./paths.ts";
import {
  atLine,
  Checker,
  MAX_PROBLEMS,
  type Path,
  quotedKeyWording,
  type Table,
  unknownKeys,
} from "../toml/check.ts";
import { keyPath } from "../toml/key_lines.ts";
import type { Problem } from "../toml/problem.ts";
import { KeyLocator, lineOfLimit, scanToml, type TomlScan, type TomlStatement } from "../toml/scan.ts";
import { tomlString } from "../toml/value.ts";
import { describeLimit, type LimitExceeded, parseWithin, readWithin, TOML_LIMITS } from "../toml/limits.ts";

/** A registry whose `index.toml` resolves plugin names (DESIGN.md section 6, step 1). */
export interface RegistryEntry {
  name: string;
  url: string;
}

/** What the user asked for: one `[[plugins]]` entry. */
export interface PluginRequest {
  name: string;
  /** `owner/repo[@tag]`, a registry name, or `file://…`, as given to `samuel install`. */
  source: string;
  /** Requested version or range, when the source does not carry one. */
  version?: string;
}

/** The `[security]` policy (DESIGN.md section 6, step 3). */
export interface SecurityPolicy {
  /** Extra anchored SAN patterns a signer may match (on top of a GitHub source's own release workflow). */
  identityPatterns: string[];
  /**
   * `add` (default): the patterns are trusted besides a GitHub source's own release workflow; `override`:
   * only the patterns are trusted.
   */
  identityMode: "add" | "override";
  /** Required certificate issuer (OIDC provider). */
  issuer: string;
  /** A trusted-root JSON file, resolved against the project root; undefined = the embedded snapshot. */
  trustedRoot?: string;
  /** Skip signature verification for every install in this project (recorded in the lock as such). */
  allowUnsigned: boolean;
  /**
   * Accept only an in-toto attestation of this predicate type (e.g. `https://slsa.dev/provenance/v1`) as a
   * plugin's signature; undefined accepts message signatures and attestations of any type.
   */
  requirePredicateType?: string;
}

export interface ProjectConfig {
  /** The file read, or where it would be when absent. */
  path: string;
  /** False when built from defaults because the project has no `samuel.toml`. */
  exists: boolean;
  registries: RegistryEntry[];
  plugins: PluginRequest[];
  wasm: { cacheBudget: number };
  security: SecurityPolicy;
  /** Non-fatal findings (unknown keys, with lines); errors under `--strict` at the caller's choice. */
  warnings: string[];
}

export const DEFAULT_ISSUER = "https://token.actions.githubusercontent.com";
export const DEFAULT_CACHE_BUDGET = 500 * 1024 * 1024;
export const DEFAULT_REGISTRIES: readonly RegistryEntry[] = Object.freeze([
  Object.freeze({ name: "samuel-plugins", url: "https://github.com/samuel-plugins/index" }),
]);

/** Plugin names, as in the manifest (DESIGN.md section 3.1). */
export const PLUGIN_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

const UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  tb: 1000 ** 4,
};

/**
 * Parses a byte size: a non-negative integer (bytes) or a string like `"500MiB"`, `"1.5 GiB"`, `"200MB"`
 * (binary KiB/MiB/GiB/TiB, decimal KB/MB/GB/TB, case-insensitive). Returns undefined when invalid.
 */
export function parseByteSize(value: unknown): number | undefined {
  if (typeof value === "bigint") value = Number(value);
  if (typeof value === "number") return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== "string") return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$/.exec(value);
  if (!m) return undefined;
  const unit = UNITS[m[2].toLowerCase()];
  if (unit === undefined) return undefined;
  const bytes = Math.round(Number(m[1]) * unit);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** Formats bytes with the largest binary unit that keeps it readable (`500 MiB`). */
export function formatByteSize(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let n = bytes;
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${Number.isInteger(n) ? n : n.toFixed(1)} ${units[i]}`;
}

/** The commented `samuel.toml` that `samuel init` writes. */
export function defaultConfigText(): string {
  return `# samuel.toml: this project's WebAssembly plugins and the policy they are installed under.
# Edit freely: samuel only ever rewrites the [[plugins]] entries and keeps everything else as written.
# Run \`samuel init --force\` to start over from these defaults.

# Registries resolve plain plugin names (\`samuel install <name>[@range]\`), searched in this order.
[[registries]]
name = "samuel-plugins"
url = "https://github.com/samuel-plugins/index"

[wasm]
# Disk budget of the shared module cache in $SAMUEL_HOME; least recently used modules are evicted past it.
# Bytes, or a number with KiB, MiB or GiB.
cache_budget = "500MiB"

[security]
# Certificate issuer a plugin's Sigstore signature must come from (GitHub Actions keyless signing).
issuer = "${DEFAULT_ISSUER}"
# A GitHub source owner/repo is trusted by default when signed by that repository's own release
# workflow at a tag (https://github.com/<owner>/<repo>/.github/workflows/*@refs/tags/**).
# Add anchored SAN patterns here to trust other signers (\`*\` = one path segment, \`**\` = anything), e.g.
#   identity_patterns = ["https://github.com/my-org/releases/.github/workflows/release.yml@refs/tags/**"]
# identity_mode = "override" trusts only these patterns, not the source repository's own workflow.
identity_patterns = []
identity_mode = "add"
# trusted_root = "sigstore-trusted-root.json"   # default: the Sigstore public-good root built into samuel
# allow_unsigned = false                        # true installs unsigned plugins without --allow-unsigned
# require_predicate_type = "https://slsa.dev/provenance/v1"   # accept only GitHub build-provenance attestations

# Plugins, added by \`samuel install\` and removed by \`samuel uninstall\` (samuel.lock pins what was installed):
# [[plugins]]
# name = "hello"
# source = "owner/repo@v1.2.0"   # or a registry name, or file://DIR
`;
}

// ---------------------------------------------------------------------------------------------------------
// Parsing and validation

/** Every problem of samuel.toml is `SAM-CONFIG-003`, worded "`wasm` must be a table, found an array". */
const INVALID = "SAM-CONFIG-003";
const NEEDED = { required: true, nonEmpty: "trim" } as const;
const OPTIONAL = { nonEmpty: "trim" } as const;

const KNOWN: Record<string, readonly string[]> = {
  "": ["registries", "plugins", "wasm", "security"],
  registries: ["name", "url"],
  plugins: ["name", "source", "version"],
  wasm: ["cache_budget"],
  security: [
    "identity_patterns",
    "identity_mode",
    "issuer",
    "trusted_root",
    "allow_unsigned",
    "require_predicate_type",
  ],
};

function syntaxError(file: string, e: unknown): SamuelError {
  const line = e instanceof TomlError ? e.line : undefined;
  const column = e instanceof TomlError ? e.column : undefined;
  const [first, ...rest] = (e instanceof Error ? e.message : String(e)).split("\n");
  const where = line ? `${file}:${line}${column ? `:${column}` : ""}` : file;
  return samuelError("SAM-CONFIG-002", {
    message: `${where} is not valid TOML: ${first.replace(/^Invalid TOML document:\s*/, "")}`,
    cause: rest.join("\n").trim() || undefined,
    fix: `fix the syntax at line ${line ?? "?"} of ${file} (see https://toml.io), or regenerate it with ` +
      "`samuel init --force`",
    details: { file, line, column },
    inner: e,
  });
}

/** A bound of src/toml/limits.ts passed: `SAM-CONFIG-010`, naming the line when there is one. */
function limitError(file: string, v: LimitExceeded, text?: string): SamuelError {
  const line = text === undefined ? undefined : lineOfLimit(text, v);
  const d = describeLimit(v, file);
  return samuelError("SAM-CONFIG-010", {
    message: `${file}${line ? `:${line}` : ""}: ${d.message}`,
    cause: d.cause,
    fix: d.fix,
    details: { file, line, limit: v.limit, max: v.max, found: v.found },
  });
}

/**
 * Parses TOML, turning syntax errors into `SAM-CONFIG-002` naming the file and line, and a document past
 * the bounds of src/toml/limits.ts into `SAM-CONFIG-010`.
 */
function parseToml(text: string, file: string): Record<string, unknown> {
  const read = parseWithin(text, TOML_LIMITS.config, (t) => {
    try {
      return parse(t) as Record<string, unknown>;
    } catch (e) {
      throw syntaxError(file, e);
    }
  });
  if ("over" in read) throw limitError(file, read.over, text);
  return read.doc;
}

/** Warns about each key of `table` samuel does not know: kept as written, listed in `warnings`. */
function warnUnknown(c: Checker, table: Table, kind: string, at: Path): void {
  for (const k of unknownKeys(table, KNOWN[kind])) {
    const path = [...at, k];
    c.warn(
      INVALID,
      path,
      `unknown key \`${keyPath(path)}\` (kept as written; samuel ignores it)` +
        (kind === "" ? "" : `; known keys of [${kind}]: ${KNOWN[kind].join(", ")}`),
      "remove it if it is a typo; samuel keeps it as written",
    );
  }
}

/**
 * The `[[kind]]` tables of `doc` (`registries`, `plugins`): one problem when it is not an array, one per
 * item that is not a table; the unknown keys of each table are warned about before `each` reads it.
 */
function eachTable(
  c: Checker,
  doc: Table,
  kind: "registries" | "plugins",
  fix: { array: string; item: string },
  each: (t: Table, at: Path) => void,
): void {
  const items = doc[kind];
  if (items === undefined) return;
  if (!Array.isArray(items)) {
    c.error(INVALID, [kind], `\`${kind}\` must be an array of tables ([[${kind}]])`, fix.array);
    return;
  }
  items.forEach((raw, i) => {
    const at = [kind, i];
    const t = c.table(raw, at, fix.item);
    if (t === undefined) return;
    warnUnknown(c, t, kind, at);
    each(t, at);
  });
}

/** `[[registries]]`: the defaults when absent, none when an empty array. */
function readRegistries(c: Checker, doc: Table): RegistryEntry[] {
  if (doc.registries === undefined) return DEFAULT_REGISTRIES.map((r) => ({ ...r }));
  const registries: RegistryEntry[] = [];
  const seen = new Set<string>();
  const fix = {
    array: "write each registry as a [[registries]] table with name and url",
    item: "write it as [[registries]] with name and url",
  };
  eachTable(c, doc, "registries", fix, (r, at) => {
    const name = c.string(
      r.name,
      [...at, "name"],
      'give the registry a name, e.g. name = "samuel-plugins"',
      NEEDED,
    );
    const url = c.string(
      r.url,
      [...at, "url"],
      'give the registry a url, e.g. url = "https://github.com/samuel-plugins/index"',
      NEEDED,
    );
    if (url !== undefined && !/^(https?|file):\/\/./.test(url)) {
      c.isNot(
        url,
        [...at, "url"],
        "an http(s):// or file:// URL",
        'write a full URL, e.g. "https://github.com/samuel-plugins/index"',
      );
    }
    if (name === undefined) return;
    if (seen.has(name)) {
      c.error(
        INVALID,
        [...at, "name"],
        `registry name ${JSON.stringify(name)} appears twice`,
        "give each [[registries]] entry a distinct name",
      );
    }
    seen.add(name);
    if (url !== undefined) registries.push({ name, url });
  });
  return registries;
}

/** `[[plugins]]`: what the user asked to install. */
function readPlugins(c: Checker, doc: Table): PluginRequest[] {
  const plugins: PluginRequest[] = [];
  const seen = new Set<string>();
  const fix = {
    array: "write each plugin as a [[plugins]] table with name and source, or let `samuel install` add it",
    item: "write it as [[plugins]] with name and source",
  };
  eachTable(c, doc, "plugins", fix, (p, at) => {
    const name = c.string(p.name, [...at, "name"], 'add the plugin\'s name, e.g. name = "hello"', NEEDED);
    const source = c.string(
      p.source,
      [...at, "source"],
      'add where it comes from, e.g. source = "owner/repo@v1.2.0"',
      NEEDED,
    );
    const version = c.string(
      p.version,
      [...at, "version"],
      'write a version or range, e.g. version = "^1.2.0", or remove the key',
      OPTIONAL,
    );
    if (name === undefined) return;
    if (!PLUGIN_NAME.test(name)) {
      c.error(
        INVALID,
        [...at, "name"],
        `plugin name ${JSON.stringify(name)} is not valid`,
        "use 1-64 characters: lowercase letters, digits and '-', starting with a letter or digit",
      );
      return;
    }
    if (seen.has(name)) {
      c.error(
        INVALID,
        [...at, "name"],
        `plugin ${JSON.stringify(name)} is listed twice`,
        "keep one [[plugins]] entry per plugin name",
      );
    }
    seen.add(name);
    if (source !== undefined) {
      plugins.push(version === undefined ? { name, source } : { name, source, version });
    }
  });
  return plugins;
}

/** `[wasm].cache_budget`: bytes, or a size with a unit. */
function readCacheBudget(c: Checker, doc: Table): number {
  const wasm = c.table(doc.wasm, ["wasm"], "write it as a [wasm] section");
  if (wasm === undefined) return DEFAULT_CACHE_BUDGET;
  warnUnknown(c, wasm, "wasm", ["wasm"]);
  if (wasm.cache_budget === undefined) return DEFAULT_CACHE_BUDGET;
  const n = parseByteSize(wasm.cache_budget);
  if (n !== undefined) return n;
  c.isNot(
    String(wasm.cache_budget),
    ["wasm", "cache_budget"],
    "a size",
    'write bytes or a number with KiB, MiB or GiB, e.g. cache_budget = "500MiB"',
  );
  return DEFAULT_CACHE_BUDGET;
}

const PREDICATE_FIX =
  'write the predicate type URI, e.g. require_predicate_type = "https://slsa.dev/provenance/v1"';

/** `[security]`: who may sign, and what else a signature must be. */
function readSecurity(c: Checker, doc: Table, root: string | undefined): SecurityPolicy {
  const security: SecurityPolicy = {
    identityPatterns: [],
    identityMode: "add",
    issuer: DEFAULT_ISSUER,
    allowUnsigned: false,
  };
  const sec = c.table(doc.security, ["security"], "write it as a [security] section");
  if (sec === undefined) return security;
  warnUnknown(c, sec, "security", ["security"]);
  readIdentity(c, sec, security);
  const at = (k: string) => ["security", k];
  const tr = c.string(
    sec.trusted_root,
    at("trusted_root"),
    "write the path of a trusted-root JSON file, or remove the key",
    OPTIONAL,
  );
  if (tr !== undefined) {
    security.trustedRoot = root && !/^([\\/]|[A-Za-z]:[\\/])/.test(tr) ? `${root}/${tr}` : tr;
  }
  const allow = c.boolean(
    sec.allow_unsigned,
    at("allow_unsigned"),
    "write allow_unsigned = false (or true), without quotes",
  );
  if (allow !== undefined) security.allowUnsigned = allow;
  const predicateType = c.string(
    sec.require_predicate_type,
    at("require_predicate_type"),
    PREDICATE_FIX,
    OPTIONAL,
  );
  if (predicateType !== undefined) {
    // An in-toto predicate type is a URI (https://slsa.dev/provenance/v1, https://spdx.dev/Document/v2.3).
    if (!/^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$/.test(predicateType)) {
      c.isNot(predicateType, at("require_predicate_type"), "a predicate type URI", PREDICATE_FIX);
    } else security.requirePredicateType = predicateType;
  }
  return security;
}

/** `identity_patterns`, `identity_mode` and `issuer` of `[security]`, into `security`. */
function readIdentity(c: Checker, sec: Table, security: SecurityPolicy): void {
  const ip = sec.identity_patterns;
  if (ip !== undefined) {
    if (!Array.isArray(ip) || ip.some((p) => typeof p !== "string" || p.trim() === "")) {
      c.error(
        INVALID,
        ["security", "identity_patterns"],
        "`security.identity_patterns` must be an array of non-empty strings",
        'write e.g. identity_patterns = ["https://github.com/my-org/*/.github/workflows/*@refs/tags/*"]',
      );
    } else security.identityPatterns = [...(ip as string[])];
  }
  const mode = sec.identity_mode;
  if (mode !== undefined) {
    if (mode !== "add" && mode !== "override") {
      c.isNot(
        mode,
        ["security", "identity_mode"],
        '"add" or "override"',
        'write identity_mode = "add" (trust the patterns besides the source\'s own workflow) or "override"',
      );
    } else security.identityMode = mode;
  }
  const issuerFix = `write an https URL, e.g. issuer = "${DEFAULT_ISSUER}"`;
  const issuer = c.string(sec.issuer, ["security", "issuer"], issuerFix, OPTIONAL);
  if (issuer !== undefined) {
    if (!/^https:\/\/[^\s/]+/.test(issuer)) {
      c.isNot(issuer, ["security", "issuer"], "an https URL", issuerFix);
    } else security.issuer = issuer;
  }
}

/** `SAM-CONFIG-003` naming the first problem, listing the first `MAX_PROBLEMS` and counting the rest. */
function invalidConfig(file: string, problems: readonly Problem[]): SamuelError {
  const first = problems[0];
  const n = problems.length;
  const more = n > 1 ? ` (and ${n - 1} more problem${n > 2 ? "s" : ""})` : "";
  const listed = problems.slice(0, MAX_PROBLEMS);
  return samuelError(INVALID, {
    message: `${atLine(first)}${more}`,
    cause: n > 1
      ? listed.map(atLine).join("; ") + (n > MAX_PROBLEMS ? `; and ${n - MAX_PROBLEMS} more` : "")
      : undefined,
    fix: first.fix,
    details: {
      file,
      problems: listed.map(({ key, line, message, fix }) => ({ key, line, message, fix })),
      omitted: Math.max(0, n - MAX_PROBLEMS),
    },
  });
}

/**
 * Parses and validates `samuel.toml` text. Throws `SAM-CONFIG-002` (syntax) or `SAM-CONFIG-003` (wrong
 * keys or values, all problems listed in `details`), exit code 2.
 */
export function parseConfig(text: string, file = "samuel.toml", root?: string): ProjectConfig {
  const doc = parseToml(text, file);
  // Scanned for positions only when a problem or warning needs one: a good samuel.toml skips the scan.
  const c = new Checker({ file, locator: new KeyLocator(text), wording: quotedKeyWording(INVALID, true) });
  warnUnknown(c, doc, "", []);
  const registries = readRegistries(c, doc);
  const plugins = readPlugins(c, doc);
  const cacheBudget = readCacheBudget(c, doc);
  const security = readSecurity(c, doc, root);
  const errors = c.problems.filter((p) => p.severity === "error");
  if (errors.length > 0) throw invalidConfig(file, errors);
  const warnings = c.problems.map(atLine);
  return { path: file, exists: true, registries, plugins, wasm: { cacheBudget }, security, warnings };
}

/** The configuration of a project without `samuel.toml`: every default. */
export function defaultConfig(path = "samuel.toml"): ProjectConfig {
  return {
    path,
    exists: false,
    registries: DEFAULT_REGISTRIES.map((r) => ({ ...r })),
    plugins: [],
    wasm: { cacheBudget: DEFAULT_CACHE_BUDGET },
    security: { identityPatterns: [], identityMode: "add", issuer: DEFAULT_ISSUER, allowUnsigned: false },
    warnings: [],
  };
}

/** Reads a file's text; undefined when missing; other I/O errors become `SAM-CONFIG-005`. */
async function readIfExists(path: string): Promise<string | undefined> {
  try {
    const read = await readWithin(path, TOML_LIMITS.config);
    if ("limit" in read) throw limitError(path, read);
    return new TextDecoder().decode(read);
  } catch (e) {
    if (isSamuelError(e)) throw e;
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw samuelError("SAM-CONFIG-005", {
      message: `cannot read ${path}`,
      cause: e instanceof Error ? e.message : String(e),
      fix: `make ${path} readable by this user`,
      inner: e,
    });
  }
}

function missingConfig(path: string): SamuelError {
  return samuelError("SAM-CONFIG-001", {
    message: `no samuel.toml at ${path}`,
    fix: "run `samuel init` in your project's root folder first (or cd into a project that has one)",
  });
}

/**
 * Loads `<root>/samuel.toml`. With `optional`, a missing file yields `defaultConfig()`; otherwise it is
 * `SAM-CONFIG-001` (exit 2, fix: `samuel init`).
 */
export async function loadConfig(root: string, options: { optional?: boolean } = {}): Promise<ProjectConfig> {
  const path = projectPaths(root).config;
  const text = await readIfExists(path);
  if (text === undefined) {
    if (options.optional) return defaultConfig(path);
    throw missingConfig(path);
  }
  return parseConfig(text, path, root);
}

// ---------------------------------------------------------------------------------------------------------
// Surgical edits of [[plugins]] entries

/** A `[[plugins]]` element's place in the text. */
interface PluginBlock {
  /** First line of the block, including comment lines directly above its header. */
  start: number;
  /** The header line. */
  header: number;
  /** Last line of the block (subtables and trailing blank/comment lines included). */
  end: number;
  /** Statements of its own table. */
  keyvals: TomlStatement[];
}

function uneditable(file: string, why: string): SamuelError {
  return samuelError("SAM-CONFIG-006", {
    message: `cannot update the plugins of ${file}: ${why}`,
    fix: "write each plugin as its own [[plugins]] table (name, source, version) and retry",
  });
}

function pluginBlocks(scan: TomlScan, file: string): PluginBlock[] {
  const st = scan.statements;
  const blocks: PluginBlock[] = [];
  const headers = st.map((s, i) => ({ s, i })).filter(({ s }) => s.kind === "header");
  for (const s of st) {
    if (s.kind === "keyval" && s.table?.length === 0 && s.key?.[0] === "plugins") {
      throw uneditable(file, `plugins are written inline at line ${s.start + 1}`);
    }
  }
  // Comment lines directly above a header (no blank line between) belong to that header.
  const attachedStart = (idx: number): number => {
    let j = idx;
    while (j > 0 && st[j - 1].kind === "comment") j--;
    return st[j].start;
  };
  for (let h = 0; h < headers.length; h++) {
    const { s, i } = headers[h];
    if (!s.key || s.key[0] !== "plugins") continue;
    if (!(s.arrayTable && s.key.length === 1)) {
      if (blocks.length === 0) {
        throw uneditable(file, `[${s.key.join(".")}] at line ${s.start + 1} precedes any [[plugins]]`);
      }
      continue; // a subtable of the current element: part of its block
    }
    // The block runs to the next header that is not a `plugins.*` subtable (or to the end).
    let next = h + 1;
    while (next < headers.length) {
      const k = headers[next].s.key!;
      if (k[0] === "plugins" && !(headers[next].s.arrayTable && k.length === 1)) next++;
      else break;
    }
    const end = next < headers.length ? attachedStart(headers[next].i) - 1 : scan.lines.length - 1;
    const keyvals: TomlStatement[] = [];
    for (let j = i + 1; j < st.length && st[j].kind !== "header"; j++) {
      if (st[j].kind === "keyval") keyvals.push(st[j]);
    }
    blocks.push({ start: attachedStart(i), header: s.start, end, keyvals });
  }
  return blocks;
}

function withoutPlugins(doc: Record<string, unknown>): string {
  const { plugins: _, ...rest } = doc;
  return JSON.stringify(rest, (_k, v) => (typeof v === "bigint" ? `${v}n` : v));
}

/** Re-parses an edited document and checks that only the plugins changed, and as intended. */
function checkEdit(before: string, after: string, file: string, expected: PluginRequest[]): void {
  const a = parseToml(before, file);
  let b: Record<string, unknown>;
  try {
    b = parse(after) as Record<string, unknown>;
  } catch (e) {
    throw samuelError("SAM-CONFIG-007", {
      message: `editing the plugins of ${file} would produce invalid TOML; the file was not changed`,
      cause: e instanceof Error ? e.message.split("\n")[0] : String(e),
      fix:
        "write the [[plugins]] entries in plain form (name, source, version) and retry; please report this",
      inner: e,
    });
  }
  const got = Array.isArray(b.plugins) ? b.plugins as Record<string, unknown>[] : [];
  const same = withoutPlugins(a) === withoutPlugins(b) && got.length === expected.length &&
    got.every((p, i) =>
      p.name === expected[i].name && p.source === expected[i].source && p.version === expected[i].version
    );
  if (!same) {
    throw samuelError("SAM-CONFIG-007", {
      message:
        `editing the plugins of ${file} would change more than the plugin entries; the file was not changed`,
      fix:
        "write the [[plugins]] entries in plain form (name, source, version) and retry; please report this",
    });
  }
}

function currentPlugins(text: string, file: string): Record<string, unknown>[] {
  const doc = parseToml(text, file);
  if (doc.plugins !== undefined && !Array.isArray(doc.plugins)) {
    throw uneditable(file, "`plugins` is not [[plugins]] tables");
  }
  return (doc.plugins as Record<string, unknown>[] | undefined) ?? [];
}

function ownedLine(indent: string, key: string, value: string, eol: string, comment = ""): string {
  return `${indent}${key} = ${tomlString(value)}${comment}${eol}`;
}

/**
 * Adds the `[[plugins]]` entry for `entry.name`, or updates `source`/`version` of the existing one in place
 * (other keys, comments and subtables of that entry are kept). Returns the new text; the rest of the
 * document is unchanged byte for byte.
 */
export function addOrReplacePlugin(text: string, entry: PluginRequest, file = "samuel.toml"): string {
  const existing = currentPlugins(text, file);
  const scan = scanToml(text);
  const blocks = pluginBlocks(scan, file);
  const lines = [...scan.lines];
  const eol = scan.eol;
  const index = existing.findIndex((p) => p?.name === entry.name);
  const expected: PluginRequest[] = existing.map((p) => ({
    name: p.name as string,
    source: p.source as string,
    version: p.version as string | undefined,
  }));

  if (index >= 0) {
    const block = blocks[index];
    const find = (k: string) => block.keyvals.find((s) => s.key?.length === 1 && s.key[0] === k);
    const nameStmt = find("name");
    const indent = nameStmt ? /^[ \t]*/.exec(lines[nameStmt.start])![0] : "";
    // Edits go bottom-up so earlier line numbers stay valid.
    const edits: { start: number; end: number; replacement: string[] }[] = [];
    let anchor = nameStmt?.end ?? block.header;
    for (const k of ["source", "version"] as const) {
      const stmt = find(k);
      const value = entry[k];
      if (stmt) {
        const lineIndent = /^[ \t]*/.exec(lines[stmt.start])![0];
        edits.push({
          start: stmt.start,
          end: stmt.end,
          replacement: value === undefined
            ? []
            : [ownedLine(lineIndent, k, value, eol, stmt.trailingComment)],
        });
        anchor = Math.max(anchor, stmt.end);
      } else if (value !== undefined) {
        edits.push({ start: anchor + 1, end: anchor, replacement: [ownedLine(indent, k, value, eol)] });
      }
    }
    // A missing final newline on the anchor line would glue an inserted line onto it.
    for (const e of edits) {
      if (e.start > e.end && !/\n$/.test(lines[e.end] ?? "\n")) lines[e.end] += eol;
    }
    edits.sort((a, b) => b.start - a.start || b.end - a.end);
    for (const e of edits) lines.splice(e.start, e.end - e.start + 1, ...e.replacement);
    expected[index] = { name: entry.name, source: entry.source, version: entry.version };
  } else {
    const block = [
      `[[plugins]]${eol}`,
      ownedLine("", "name", entry.name, eol),
      ownedLine("", "source", entry.source, eol),
      ...(entry.version !== undefined ? [ownedLine("", "version", entry.version, eol)] : []),
    ];
    let at: number;
    if (blocks.length > 0) {
      // Right after the last plugin's content, so plugins stay together.
      at = blocks[blocks.length - 1].end + 1;
      while (at > 0 && lines[at - 1].trim() === "") at--;
    } else {
      at = lines.length;
    }
    if (at > 0 && !/\n$/.test(lines[at - 1])) lines[at - 1] += eol;
    const before = at > 0 && lines[at - 1].trim() !== "" ? [eol] : [];
    const after = at < lines.length && lines[at].trim() !== "" ? [eol] : [];
    lines.splice(at, 0, ...before, ...block, ...after);
    expected.push({ name: entry.name, source: entry.source, version: entry.version });
  }
  const result = lines.join("");
  checkEdit(text, result, file, expected);
  return result;
}

/**
 * Removes the `[[plugins]]` entry named `name` (with its subtables and the comment lines directly above
 * it). Returns the text unchanged when there is no such entry.
 */
export function removePlugin(text: string, name: string, file = "samuel.toml"): string {
  const existing = currentPlugins(text, file);
  const index = existing.findIndex((p) => p?.name === name);
  if (index < 0) return text;
  const scan = scanToml(text);
  const block = pluginBlocks(scan, file)[index];
  const lines = [...scan.lines];
  let { start } = block;
  const end = block.end;
  // The block carries its trailing blank line, which separates the neighbours. A last block without one
  // instead drops the blank line above it, so the file does not end in a blank line.
  if (lines[end].trim() !== "" && end + 1 >= lines.length && start > 0 && lines[start - 1].trim() === "") {
    start--;
  }
  lines.splice(start, end - start + 1);
  const result = lines.join("");
  const expected = existing.filter((_, i) => i !== index).map((p) => ({
    name: p.name as string,
    source: p.source as string,
    version: p.version as string | undefined,
  }));
  checkEdit(text, result, file, expected);
  return result;
}

/**
 * Applies a text edit to `<root>/samuel.toml` and writes it atomically (only when it changed). The
 * caller holds the project lock. Returns the new text.
 */
export async function editConfig(
  root: string,
  edit: (text: string, file: string) => string,
): Promise<string> {
  const path = projectPaths(root).config;
  const text = await readIfExists(path);
  if (text === undefined) throw missingConfig(path);
  const next = edit(text, path);
  if (next !== text) await writeFileAtomic(path, next);
  return next;
}

/** Records `entry` in `<root>/samuel.toml` (adds or updates its `[[plugins]]` entry). */
export function savePluginRequest(root: string, entry: PluginRequest): Promise<string> {
  return editConfig(root, (text, file) => addOrReplacePlugin(text, entry, file));
}

/** Drops plugin `name` from `<root>/samuel.toml`. */
export function deletePluginRequest(root: string, name: string): Promise<string> {
  return editConfig(root, (text, file) => removePlugin(text, name, file));
}
