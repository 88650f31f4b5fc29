/**
 * Anchored identity globs for certificate SANs. The whole SAN must match the whole pattern: `*` stands
 * for exactly one non-empty path segment (never crosses `/`), `**` for one or more characters of any kind
 * (crosses `/`), and every other character is literal (`.`, `?`, `[`… included). We do this ourselves
 * because `@sigstore/verify` turns a string policy into an unanchored substring regex, so
 * `https://github.com/acme/hello` would also accept `https://evil.example/https://github.com/acme/hello…`.
 */

/** Compiles one pattern to an anchored RegExp. */
export function compileIdentityPattern(pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === "*") {
      if (pattern[i + 1] === "*") {
        // Runs of three or more stars read as `**` followed by `*`, so no run is ever ambiguous.
        source += ".+";
        i++;
      } else {
        source += "[^/]+";
      }
    } else {
      source += ch.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
    }
  }
  return new RegExp(`^${source}$`, "s");
}

/** True when `san` matches `pattern` as a whole. */
export function matchesIdentity(san: string, pattern: string): boolean {
  return compileIdentityPattern(pattern).test(san);
}

/** The first pattern that `san` matches, or undefined. */
export function findMatchingPattern(san: string, patterns: readonly string[]): string | undefined {
  return patterns.find((p) => matchesIdentity(san, p));
}

/** Why a pattern cannot be used, or undefined when it is fine. */
export function identityPatternProblem(pattern: string): string | undefined {
  if (pattern.trim() === "") return "an identity pattern is empty";
  if (pattern !== pattern.trim()) return `identity pattern "${pattern}" has leading or trailing spaces`;
  if (/^\*+$/.test(pattern)) return `identity pattern "${pattern}" would accept any signer`;
  return undefined;
}

const GITHUB_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * The default signer for a GitHub source `<owner>/<repo>` (DESIGN.md 6.3): that repository's own
 * workflow, run at a tag. The workflow is one path segment (`*`, GitHub keeps workflows in
 * `.github/workflows/` itself): with `**` a branch named `main@refs/tags/x` could pass as a tag.
 */
export function githubReleaseIdentity(owner: string, repo: string): string {
  if (!GITHUB_NAME.test(owner) || !GITHUB_NAME.test(repo)) {
    throw new TypeError(`not a GitHub owner/repo: ${owner}/${repo}`);
  }
  return `https://github.com/${owner}/${repo}/.github/workflows/*@refs/tags/**`;
}
