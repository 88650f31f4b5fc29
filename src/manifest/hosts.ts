/**
 * Network host patterns of `[capabilities.network].hosts`: validation of what a manifest may write, and
 * the matcher the runtime's `net_outbound` applies to every request and redirect hop (DESIGN.md 4).
 * This module imports nothing, so the run path can load it for free.
 *
 * A pattern is either
 * - an exact host name: lowercase ASCII labels (`[a-z0-9]`, inner `-`, 1 to 63 characters each), 253
 *   characters at most, no trailing dot (`api.example.com`, `localhost`); or
 * - `*.` followed by such a host name of at least two labels (`*.cdn.example.com`): it matches any
 *   subdomain, at any depth (`a.cdn.example.com`, `a.b.cdn.example.com`), but NOT the bare suffix
 *   (`cdn.example.com` needs its own entry), so granting the subdomains never grants the apex by accident.
 *   `*.com` and a bare `*` are refused: a wildcard over a whole top-level domain is "allow the internet".
 *
 * No scheme, path, query, port or user info: the grant is about which machine, and the runtime already
 * limits schemes to http and https. Internationalised names must be written in their ASCII (punycode)
 * form, which is what `URL.hostname` gives the runtime, so a pattern and a request compare byte for byte.
 *
 * IP literals (decision): allowed as exact entries only, in the canonical form `URL.hostname` produces:
 * dotted-quad IPv4 without leading zeros (`10.0.0.1`), and bracketed, compressed IPv6 (`[::1]`,
 * `[2001:db8::1]`). Never under a wildcard (`*.0.0.10` has no meaning: addresses have no subdomains), and
 * the last label of a host name may not be all digits (WHATWG URL parsing would read `1.2.3` as an IPv4
 * address, so such a "name" would silently mean a different machine).
 */

/** Outcome of checking one pattern: fine, or why not plus (when one exists) the corrected pattern. */
export type HostCheck = { ok: true } | { ok: false; reason: string; suggestion?: string };

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const MAX_HOST_LENGTH = 253;

/** Checks one `[capabilities.network].hosts` entry against the rules in the module doc. */
export function checkHostPattern(pattern: string): HostCheck {
  const verdict = diagnose(pattern);
  if (verdict.ok || verdict.suggestion === undefined) return verdict;
  // Only offer a suggestion that is itself valid, so following the fix never leads to a second error.
  return diagnose(verdict.suggestion).ok ? verdict : { ok: false, reason: verdict.reason };
}

function diagnose(pattern: string): HostCheck {
  const whole = checkWhole(pattern);
  if (whole !== undefined) return whole;
  const wildcard = pattern.startsWith("*.");
  const rest = wildcard ? pattern.slice(2) : pattern;
  const prefix = wildcard ? "*." : "";
  if (rest.includes("*")) {
    return { ok: false, reason: "a wildcard is only allowed as a leading `*.` followed by a host name" };
  }
  const urlPart = checkUrlParts(rest, prefix);
  if (urlPart !== undefined) return urlPart;
  if (rest.startsWith("[") || (rest.match(/:/g)?.length ?? 0) >= 2) return checkIpv6(rest, wildcard);
  return checkSpelling(pattern, rest, prefix) ?? checkName(pattern, rest, wildcard);
}

/** Refusals about the pattern as a whole, before any wildcard prefix is taken off. */
function checkWhole(pattern: string): HostCheck | undefined {
  if (pattern.trim() === "") return { ok: false, reason: "a host must not be empty" };
  if (pattern !== pattern.trim()) {
    return { ok: false, reason: "a host must not contain spaces", suggestion: pattern.trim() };
  }
  if (pattern.includes("://")) {
    return { ok: false, reason: "a host must not include a scheme", suggestion: hostOfUrl(pattern) };
  }
  if (pattern === "*") return { ok: false, reason: "`*` would allow every host; list the hosts instead" };
  return undefined;
}

/** Pieces of a URL other than the host (path, query, fragment, user info) pasted into the pattern. */
function checkUrlParts(rest: string, prefix: string): HostCheck | undefined {
  const cut = rest.search(/[/?#]/);
  if (cut >= 0) {
    return {
      ok: false,
      reason: "a host must not include a path, query or fragment",
      suggestion: prefix + rest.slice(0, cut),
    };
  }
  if (rest.includes("@")) {
    return {
      ok: false,
      reason: "a host must not include user info",
      suggestion: prefix + rest.slice(rest.lastIndexOf("@") + 1),
    };
  }
  return undefined;
}

/** A name written in a form `URL.hostname` never gives: with a port, non-ASCII, uppercase, a trailing dot. */
function checkSpelling(pattern: string, rest: string, prefix: string): HostCheck | undefined {
  if (rest.includes(":")) {
    return {
      ok: false,
      reason: "a host must not include a port",
      suggestion: prefix + rest.slice(0, rest.indexOf(":")),
    };
  }
  // deno-lint-ignore no-control-regex
  if (/[^\x00-\x7f]/.test(rest)) {
    return {
      ok: false,
      reason: "a host must be ASCII (write internationalised names in punycode)",
      suggestion: prefix + hostOfUrl(`http://${rest}/`),
    };
  }
  if (rest !== rest.toLowerCase()) {
    return { ok: false, reason: "a host must be lowercase", suggestion: pattern.toLowerCase() };
  }
  if (rest.endsWith(".") && rest.length > 1) {
    return {
      ok: false,
      reason: "a host must not end with a dot",
      suggestion: prefix + rest.replace(/\.+$/, ""),
    };
  }
  return undefined;
}

/** The labels themselves: an IPv4 address (exact only) or host-name labels, and the wildcard's breadth. */
function checkName(pattern: string, rest: string, wildcard: boolean): HostCheck {
  const labels = rest.split(".");
  if (/^\d+$/.test(labels[labels.length - 1])) {
    if (wildcard) {
      return { ok: false, reason: "a wildcard cannot apply to an IP address; list the address exactly" };
    }
    if (isCanonicalIpv4(rest)) return { ok: true };
    return {
      ok: false,
      reason: "not a valid IPv4 address (four numbers 0-255 without leading zeros) or host name",
    };
  }
  if (rest.length > MAX_HOST_LENGTH) {
    return { ok: false, reason: `a host name must be at most ${MAX_HOST_LENGTH} characters` };
  }
  const bad = labels.find((label) => !LABEL.test(label));
  if (bad !== undefined) {
    return {
      ok: false,
      reason: bad === ""
        ? "a host name must not have empty labels (`..`, or a leading or trailing dot)"
        : `label "${bad}" is not valid: use a-z, 0-9 and inner '-', 1 to 63 characters`,
    };
  }
  if (wildcard && labels.length < 2) {
    return {
      ok: false,
      reason: `\`${pattern}\` is too broad: a wildcard needs at least two labels after \`*.\``,
    };
  }
  return { ok: true };
}

function checkIpv6(rest: string, wildcard: boolean): HostCheck {
  if (wildcard) {
    return { ok: false, reason: "a wildcard cannot apply to an IP address; list the address exactly" };
  }
  const bracketed = rest.startsWith("[") ? rest : `[${rest}]`;
  const canonical = hostOfUrl(`http://${bracketed}/`);
  if (canonical === undefined || !canonical.startsWith("[")) {
    return {
      ok: false,
      reason: "not a valid IPv6 address (write it in brackets without a port, e.g. [::1])",
    };
  }
  if (canonical !== rest) {
    return {
      ok: false,
      reason: "an IPv6 address must be written bracketed and in canonical form",
      suggestion: canonical,
    };
  }
  return { ok: true };
}

function isCanonicalIpv4(text: string): boolean {
  const parts = text.split(".");
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

function hostOfUrl(url: string): string | undefined {
  try {
    const host = new URL(url).hostname;
    return host === "" ? undefined : host;
  } catch {
    return undefined;
  }
}

/**
 * True when `host` (a request's `URL.hostname`) is allowed by `patterns` (validated manifest entries):
 * equal to an exact entry, or a strict subdomain of a `*.` entry's suffix. Case and one trailing dot on
 * `host` are ignored, because DNS ignores them too; anything malformed is denied.
 */
export function hostAllowed(host: string, patterns: readonly string[]): boolean {
  let h = host.toLowerCase();
  if (h.endsWith(".")) h = h.slice(0, -1);
  if (h === "" || h.startsWith(".") || h.includes("..")) return false;
  const isIp = h.startsWith("[") || /\.\d+$|^\d+$/.test(h);
  for (const raw of patterns) {
    const p = raw.toLowerCase();
    if (p.startsWith("*.")) {
      // The suffix keeps its leading dot, so `evilexample.com` can never match `*.example.com`.
      const suffix = p.slice(1);
      if (!isIp && suffix.length > 1 && h.length > suffix.length && h.endsWith(suffix)) return true;
    } else if (h === p) {
      return true;
    }
  }
  return false;
}
