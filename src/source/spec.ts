/**
 * Parses the SOURCE argument of `samuel install` into one of three forms (DESIGN.md section 6):
 *
 * - `file://<path>`: a local plugin folder, or a skill `.tar.gz`. `file:///abs/dir` is absolute (so
 *   `file://$(pwd)` works); anything else after `file://` (`file://./dir`, `file://dir`, `file://../x`) is
 *   relative to the current folder. `file://localhost/abs` is accepted as RFC 8089 allows. The path is
 *   taken literally (no percent-decoding): users type `file://$(pwd)` and paths with spaces must survive.
 * - `<owner>/<repo>[@<tag>]`: a GitHub release, by GitHub's own naming rules. `@latest` (or no tag)
 *   means the latest release.
 * - `<name>[@<range>]`: a registry name (`[a-z0-9][a-z0-9-]{0,63}`) and an optional semver range; no
 *   range, or `@latest`, means the highest non-prerelease version.
 *
 * The `semver` package is CommonJS and costs start-up time, so it is imported only when a range is given.
 */

import { absolute, isAbsolute } from "../project/paths.ts";
import { samuelError } from "../errors.ts";

/** The three source forms, for every "fix" that tells the user what a SOURCE may look like. */
export const SOURCE_FORMS_FIX =
  "use one of: samuel install file://<dir> (a local plugin folder or skill .tar.gz), " +
  "samuel install <owner>/<repo>[@<tag>] (GitHub release), samuel install <name>[@<range>] (registry name)";

export interface FileSpec {
  kind: "file";
  /** Absolute path of the folder (or `.tar.gz`), lexically normalised (`.`/`..` resolved, no links followed). */
  path: string;
  raw: string;
}

export interface GitHubSpec {
  kind: "github";
  owner: string;
  repo: string;
  /** The release tag; undefined means the latest release. */
  tag?: string;
  raw: string;
}

export interface RegistrySpec {
  kind: "registry";
  name: string;
  /** A valid semver range; undefined means any (highest non-prerelease). */
  range?: string;
  raw: string;
}

export type SourceSpec = FileSpec | GitHubSpec | RegistrySpec;

/** Plugin names, as in the manifest (DESIGN.md section 3.1). */
export const PLUGIN_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
/** GitHub user and organisation names: alphanumerics and single hyphens, not at either end, up to 39. */
const GITHUB_OWNER = /^(?=.{1,39}$)[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9]))*$/;
/** GitHub repository names: letters, digits, `.`, `_`, `-`, up to 100, not `.` or `..`. */
const GITHUB_REPO = /^[A-Za-z0-9._-]{1,100}$/;

/** Parses a SOURCE argument; throws a SamuelError (exit 2) naming the problem and the three forms. */
export async function parseSourceSpec(raw: string, cwd: string = Deno.cwd()): Promise<SourceSpec> {
  const text = raw.trim();
  if (/^file:\/\//i.test(text)) return parseFile(text, raw, cwd);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    throw samuelError("SAM-SOURCE-001", {
      message: `unsupported source ${JSON.stringify(raw)}: only file:// URLs are accepted as URLs`,
      cause:
        "plugins are installed from a local folder, a GitHub release or a registry name, not from a raw URL",
      fix: SOURCE_FORMS_FIX,
    });
  }
  const at = text.indexOf("@");
  const head = at < 0 ? text : text.slice(0, at);
  const version = at < 0 ? undefined : text.slice(at + 1);
  if (head.includes("/")) return parseGitHub(head, version, raw);
  return await parseRegistry(head, version, raw);
}

function parseFile(text: string, raw: string, cwd: string): FileSpec {
  let path = text.slice("file://".length);
  if (/^localhost\//i.test(path)) path = path.slice("localhost".length);
  // `file:///C:/x` names the Windows path `C:/x`.
  if (/^\/[A-Za-z]:[\\/]/.test(path)) path = path.slice(1);
  if (path === "") {
    throw samuelError("SAM-SOURCE-005", {
      message: `source ${JSON.stringify(raw)} has no path after file://`,
      fix: "give the plugin folder, e.g. samuel install file://$(pwd) or samuel install file://./my-plugin",
    });
  }
  return { kind: "file", path: normalise(isAbsolute(path) ? path : absolute(path, cwd)), raw };
}

/** Removes `.` segments, resolves `..` lexically and drops a trailing slash, so the lock records one spelling. */
function normalise(path: string): string {
  const root = /^([A-Za-z]:)?[\\/]/.exec(path)?.[0] ?? "";
  const out: string[] = [];
  for (const part of path.slice(root.length).split(/[\\/]+/)) {
    if (part === "" || part === ".") continue;
    if (part === ".." && out.length > 0 && out[out.length - 1] !== "..") out.pop();
    else if (part !== ".." || root === "") out.push(part);
  }
  return (root.replace(/\\/g, "/") + out.join("/")) || ".";
}

function parseGitHub(head: string, tag: string | undefined, raw: string): GitHubSpec {
  const parts = head.split("/");
  const fix = "write <owner>/<repo>[@<tag>] with GitHub names, e.g. samuel install acme/go-guide-wasm@v1.2.0";
  const local = head.startsWith(".") || head.startsWith("/") || head.startsWith("~");
  if (parts.length !== 2 || local) {
    throw samuelError("SAM-SOURCE-001", {
      message: `source ${JSON.stringify(raw)} is neither <owner>/<repo> nor a registry name`,
      cause: local ? "it looks like a path; local folders need the file:// prefix" : undefined,
      fix: local ? `for a local folder write file://${head}; ${SOURCE_FORMS_FIX}` : SOURCE_FORMS_FIX,
    });
  }
  const [owner, repo] = parts;
  if (!GITHUB_OWNER.test(owner)) {
    throw samuelError("SAM-SOURCE-002", {
      message: `invalid GitHub owner ${JSON.stringify(owner)} in source ${JSON.stringify(raw)}`,
      cause: "an owner has 1-39 letters, digits or single hyphens, and does not start or end with a hyphen",
      fix,
    });
  }
  if (!GITHUB_REPO.test(repo) || repo === "." || repo === "..") {
    throw samuelError("SAM-SOURCE-002", {
      message: `invalid GitHub repository ${JSON.stringify(repo)} in source ${JSON.stringify(raw)}`,
      cause: "a repository name has 1-100 letters, digits, '.', '_' or '-'",
      fix,
    });
  }
  if (tag === undefined || tag === "latest") return { kind: "github", owner, repo, raw };
  const bad = tagProblem(tag);
  if (bad) {
    throw samuelError("SAM-SOURCE-002", {
      message: `invalid release tag ${JSON.stringify(tag)} in source ${JSON.stringify(raw)}: ${bad}`,
      fix: `${fix}; omit @<tag> for the latest release`,
    });
  }
  return { kind: "github", owner, repo, tag, raw };
}

/** Git's ref-name rules (git-check-ref-format), as far as they matter for a tag typed on a command line. */
function tagProblem(tag: string): string | undefined {
  if (tag === "") return "the tag is empty";
  if (tag.length > 255) return "the tag is longer than 255 characters";
  // deno-lint-ignore no-control-regex
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(tag)) return "the tag contains a space, control or special character";
  if (tag.includes("..") || tag.includes("@{") || tag.includes("//")) {
    return "the tag contains '..', '@{' or '//'";
  }
  if (tag.startsWith("-") || tag.startsWith("/") || tag.endsWith("/") || tag.endsWith(".")) {
    return "the tag starts with '-' or '/', or ends with '/' or '.'";
  }
  if (tag.endsWith(".lock")) return "the tag ends with '.lock'";
  return undefined;
}

async function parseRegistry(name: string, range: string | undefined, raw: string): Promise<RegistrySpec> {
  if (!PLUGIN_NAME.test(name)) {
    const lower = name.toLowerCase();
    throw samuelError("SAM-SOURCE-003", {
      message: `invalid plugin name ${JSON.stringify(name)} in source ${JSON.stringify(raw)}`,
      cause: "a registry name is 1-64 lower-case letters, digits or '-', starting with a letter or digit",
      fix: PLUGIN_NAME.test(lower)
        ? `names are lower-case: try ${lower}; ${SOURCE_FORMS_FIX}`
        : SOURCE_FORMS_FIX,
    });
  }
  if (range === undefined || range === "latest") return { kind: "registry", name, raw };
  const semver = (await import("npm:semver@7.8.6")).default;
  if (range.trim() === "" || semver.validRange(range) === null) {
    throw samuelError("SAM-SOURCE-004", {
      message: `invalid version range ${JSON.stringify(range)} in source ${JSON.stringify(raw)}`,
      fix:
        `give a semver range, e.g. ${name}@1.2.0, ${name}@^1.2 or ${name}@">=1.0 <2"; or omit it for the latest`,
    });
  }
  return { kind: "registry", name, range: range.trim(), raw };
}

/** The canonical spelling of a spec, as recorded in `samuel.lock` (`source`). */
export function canonicalSource(spec: SourceSpec): string {
  switch (spec.kind) {
    case "file":
      return `file://${spec.path}`;
    case "github":
      return spec.tag === undefined ? `${spec.owner}/${spec.repo}` : `${spec.owner}/${spec.repo}@${spec.tag}`;
    case "registry":
      return spec.range === undefined ? spec.name : `${spec.name}@${spec.range}`;
  }
}
