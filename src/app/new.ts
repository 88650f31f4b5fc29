/**
 * `samuel new plugin`: scaffolds a plugin folder from the templates embedded in `scaffold_templates.gen.ts`
 * (generated from `scaffold/`), so it works from a checkout, from a URL and as a compiled binary alike.
 *
 * - The name follows the manifest rule (`[a-z0-9][a-z0-9-]{0,63}`): it becomes the manifest `name`, the
 *   Go module path and the default folder, so a name the manifest would refuse is refused here first.
 * - A new folder is written completely in a staging folder next to it and renamed into place: an
 *   interrupted run leaves either nothing or the whole plugin. An existing empty folder is replaced the
 *   same way. A non-empty folder is refused (exit 2) unless `force`; with `force` each template file
 *   is written atomically over the folder's contents and other files are kept.
 * - `lang` picks the template of a wasm plugin: `go` (default; TinyGo or Go build the same source, alias
 *   `tinygo`), `rust` (a Cargo cdylib, alias `rs`) or `assemblyscript` (an npm package built with asc and
 *   the WASI shim, alias `as`). Each has the same example exports (`lint`, `health`) and a vendored SDK
 *   over the same host imports. Other languages get a clear error naming the ones that exist.
 * - The "next" steps returned are the author guide's path: build, then `samuel install file://$(pwd)
 *   --allow-unsigned` in the plugin folder (which makes it its own test project) and `samuel doctor`.
 */

import { samuelError } from "../errors.ts";
import { VERSION } from "../version.ts";
import { makeStagingDir, replaceDirAtomic, writeFileAtomic } from "../project/atomic.ts";
import { absolute, basename, dirname, join } from "../project/paths.ts";
import type { Reporter } from "./io.ts";
import { type TemplateFile, TEMPLATES } from "./scaffold_templates.gen.ts";

/**
 * The manifest's name rule (DESIGN.md 3.1).
 * TODO: import the validator from src/manifest/ once it exports one (today the regex is private to
 * validate.ts); until then keep this in step with it.
 */
export const NAME_RULE = /^[a-z0-9][a-z0-9-]{0,63}$/;

const KINDS = ["wasm", "skill"] as const;
type Kind = (typeof KINDS)[number];
/** Languages with a template (the set is `wasm-<lang>` under scaffold/), and their other spellings. */
export const LANGS = ["go", "rust", "assemblyscript"] as const;
type Lang = (typeof LANGS)[number];
const LANG_ALIASES: Readonly<Record<string, Lang>> = { tinygo: "go", rs: "rust", as: "assemblyscript" };
/** Languages people ask for that have no template: a more specific message than "unknown". */
const PLANNED_LANGS = ["c", "c++", "cpp", "zig", "swift", "grain", "moonbit"];

/** What `new plugin` says about each language's scaffold. */
const LANG_INFO: Readonly<
  Record<Lang, { what: string; sdk: string; sdkName: string; next: readonly [string, string][] }>
> = {
  go: {
    what: "Go: builds with TinyGo or Go",
    sdk: "sdk/samuel/",
    sdkName: "the samuel Go SDK",
    next: [
      ["make wasm", "build plugin.wasm with TinyGo (make wasm GO=1: with Go 1.24+)"],
      ["make test", "the plugin's Go tests, natively"],
    ],
  },
  rust: {
    what: "Rust: builds with cargo for wasm32-wasip1",
    sdk: "src/samuel/",
    sdkName: "the samuel Rust SDK",
    next: [
      ["make wasm", "cargo build --release for wasm32-wasip1 (wasm32-wasi before Rust 1.78)"],
      ["make test", "cargo test, natively"],
    ],
  },
  assemblyscript: {
    what: "AssemblyScript: builds with asc and the WASI shim",
    sdk: "assembly/samuel/",
    sdkName: "the samuel AssemblyScript SDK",
    next: [
      ["npm install", "the AssemblyScript compiler and @assemblyscript/wasi-shim"],
      ["npm run asbuild", "build plugin.wasm with asc"],
      ["npm test", "run the exports on a sample folder with Node's WASI"],
    ],
  },
};

/** Rust keywords and built-in crate names, which Cargo refuses as package names. */
const CARGO_RESERVED = new Set(
  ("as async await break const continue crate dyn else enum extern false fn for if impl in let loop match mod " +
    "move mut pub ref return self static struct super trait true type unsafe use where while abstract become " +
    "box do final macro override priv typeof unsized virtual yield try std core alloc test proc-macro " +
    "proc_macro").split(" "),
);

/** The Cargo package name for a plugin name: itself, unless Cargo would refuse it (digit first, keyword). */
export function crateName(name: string): string {
  return /^[0-9]/.test(name) || CARGO_RESERVED.has(name) ? `plugin-${name}` : name;
}

/** The placeholder values for one plugin (see scaffold/README.md). */
export function placeholders(name: string): Record<string, string> {
  return { name, module: name, crate: crateName(name), framework: `^${VERSION}` };
}

/** Replaces `{{key}}` for the known keys only, so `${{ github.token }}` or Go's `{{Key: …}}` survive. */
export function render(text: string, values: Record<string, string>): string {
  return text.replace(/\{\{([a-z_]+)\}\}/g, (whole, key: string) => values[key] ?? whole);
}

/** Suggests a valid name for an invalid one (lower case, runs of other characters become `-`). */
function suggestName(name: string): string | undefined {
  const s = name.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+/, "").replace(/-+$/, "").slice(
    0,
    64,
  );
  return NAME_RULE.test(s) ? s : undefined;
}

function validateName(raw: unknown): string {
  if (typeof raw !== "string" || raw === "") {
    throw samuelError("SAM-NEW-001", {
      message: "--name is required",
      fix: "give the plugin a name, e.g. `samuel new plugin --kind=wasm --name=hello`",
    });
  }
  if (!NAME_RULE.test(raw)) {
    const suggestion = suggestName(raw);
    throw samuelError("SAM-NEW-002", {
      message: `plugin name "${raw}" is not valid`,
      cause:
        "a name is 1 to 64 characters of a-z, 0-9 and '-', starting with a letter or digit (the manifest rule)",
      fix: suggestion ? `use --name=${suggestion}` : "use a name like --name=my-plugin",
    });
  }
  return raw;
}

function validateKind(raw: unknown): Kind {
  const kind = raw === undefined ? "wasm" : String(raw);
  if ((KINDS as readonly string[]).includes(kind)) return kind as Kind;
  const known = kind === "oci" || kind === "meta";
  throw samuelError("SAM-NEW-003", {
    message: known
      ? `plugin kind "${kind}" is not supported by this samuel`
      : `unknown plugin kind "${kind}"`,
    cause: known ? "oci plugins need a container engine and meta plugins are not implemented yet" : undefined,
    fix: "use --kind=wasm (a WASI module run in the sandbox) or --kind=skill (text, never executed)",
  });
}

function validateLang(raw: unknown, kind: Kind, out: Reporter): Lang | undefined {
  if (kind === "skill") {
    if (raw !== undefined) {
      out.warn("--lang does not apply to skill plugins (they hold no code); ignored");
    }
    return undefined;
  }
  const given = raw === undefined ? "go" : String(raw).toLowerCase();
  const lang = LANG_ALIASES[given] ?? given;
  if ((LANGS as readonly string[]).includes(lang)) return lang as Lang;
  const planned = PLANNED_LANGS.includes(lang);
  throw samuelError("SAM-NEW-004", {
    message: planned
      ? `a ${lang} template is not available yet`
      : `unknown language "${lang}" for a wasm plugin`,
    cause: planned ? `templates exist for ${LANGS.join(", ")}` : undefined,
    fix:
      "use --lang=go (TinyGo or Go), --lang=rust (cargo) or --lang=assemblyscript (asc); any language that " +
      "builds a WASI preview1 module works with samuel if you write the manifest by hand",
  });
}

type Existing = "missing" | "empty" | "non-empty";

async function inspectTarget(dir: string): Promise<Existing> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(dir);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return "missing";
    throw e;
  }
  if (!info.isDirectory) {
    throw samuelError("SAM-NEW-006", {
      message: `${dir} exists and is not a folder`,
      fix: "choose another folder with --dir, or move the file away",
    });
  }
  for await (const _ of Deno.readDir(dir)) return "non-empty";
  return "empty";
}

async function writeTree(root: string, files: readonly TemplateFile[], values: Record<string, string>) {
  for (const f of files) {
    const path = join(root, f.path);
    await Deno.mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, render(f.content, values), { mode: f.mode ?? 0o644, fsync: false });
  }
}

/** Shows `path` relative to the working folder when it is inside it. */
function display(path: string, cwd: string): string {
  const base = cwd.endsWith("/") ? cwd : cwd + "/";
  return path.startsWith(base) ? path.slice(base.length) : path;
}

/** What `new plugin` was asked (the flag values as given; checked here). */
export interface NewPluginRequest {
  cwd: string;
  kind?: string;
  name?: string;
  lang?: string;
  /** Target folder (default: ./NAME). */
  dir?: string;
  force: boolean;
  out: Reporter;
}

/** What was scaffolded, as the `--json` envelope shows it (but `next` holds each step's reason too). */
export interface NewPluginResult {
  name: string;
  kind: Kind;
  lang?: Lang;
  dir: string;
  folder: string;
  /** True when the templates were written into an existing non-empty folder. */
  forced: boolean;
  files: string[];
  /** The commands to run next, each with why (empty for `cd`). */
  next: [string, string][];
  /** `wasm plugin NAME (Go: ...)` or `skill plugin NAME`. */
  what: string;
  /** `dir` relative to the working folder when it is inside it. */
  shown: string;
  /** The vendored SDK's folder, name and file count (wasm only). */
  sdk?: { folder: string; name: string; files: number };
}

export async function newPlugin(req: NewPluginRequest): Promise<NewPluginResult> {
  const kind = validateKind(req.kind);
  const name = validateName(req.name);
  const lang = validateLang(req.lang, kind, req.out);
  const dir =
    absolute(req.dir !== undefined && req.dir !== "" ? req.dir : name, req.cwd).replace(/\/+$/, "") ||
    "/";
  const set = kind === "skill" ? "skill" : `wasm-${lang}`;
  const files = TEMPLATES[set];
  if (!files) throw new Error(`template set ${set} is missing from scaffold_templates.gen.ts`);

  const existing = await inspectTarget(dir);
  if (existing === "non-empty" && !req.force) {
    throw samuelError("SAM-NEW-005", {
      message: `${dir} already exists and is not empty`,
      fix: `choose another folder with --dir, or add --force to write the template files into it ` +
        "(files with the same names are replaced, others are kept)",
    });
  }
  await writePlugin(dir, files, placeholders(name), existing);

  const shown = display(dir, req.cwd);
  const info = lang ? LANG_INFO[lang] : undefined;
  const inSdk = (f: TemplateFile) => info !== undefined && f.path.startsWith(info.sdk);
  return {
    name,
    kind,
    ...(lang ? { lang } : {}),
    dir,
    folder: basename(dir),
    forced: existing === "non-empty",
    files: files.map((f) => f.path),
    next: nextSteps(dir, shown, info),
    what: info ? `wasm plugin ${name} (${info.what})` : `skill plugin ${name}`,
    shown,
    ...(info ? { sdk: { folder: info.sdk, name: info.sdkName, files: files.filter(inSdk).length } } : {}),
  };
}

/** Writes the templates: into a non-empty folder file by file, else through a staging folder. */
async function writePlugin(
  dir: string,
  files: readonly TemplateFile[],
  values: Record<string, string>,
  existing: Existing,
): Promise<void> {
  if (existing === "non-empty") {
    await writeTree(dir, files, values);
    return;
  }
  // Everything lands in a staging folder first, then one rename makes the plugin appear whole.
  const staging = await makeStagingDir(dir);
  try {
    await writeTree(staging, files, values);
    await replaceDirAtomic(staging, dir);
  } catch (e) {
    await Deno.remove(staging, { recursive: true }).catch(() => {});
    throw e;
  }
}

/** The author guide's path from here: build, try it in place, release. */
function nextSteps(
  dir: string,
  shown: string,
  info: (typeof LANG_INFO)[Lang] | undefined,
): [string, string][] {
  const tryIt: [string, string][] = [
    [
      "samuel install file://$(pwd) --allow-unsigned",
      "install it here (writes samuel.toml when there is none)",
    ],
    ["samuel doctor", "checks the build and calls its health export"],
  ];
  return info
    ? [
      [`cd ${shown}`, ""],
      ...info.next,
      ...tryIt,
      ["git tag v0.1.0 && git push --tags", "the release workflow builds, signs and uploads it"],
    ]
    : [
      [`cd ${shown}`, ""],
      ["$EDITOR SKILL.md", "write the skill"],
      // Not into its own folder: a skill's install copies the whole folder, samuel's files included.
      [`samuel install file://${dir} --allow-unsigned`, "from the project to try it in"],
      ["git tag v0.1.0 && git push --tags", "the release workflow packs, signs and uploads it"],
    ];
}
