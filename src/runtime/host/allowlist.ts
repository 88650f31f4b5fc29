/**
 * THE network allowlist check of `net_outbound` (DESIGN.md section 4): whether a URL may be fetched under
 * `[capabilities.network].hosts`. `net.ts` applies it to the request URL and to every redirect hop, to
 * the URL exactly as it will be fetched (the parsed, normalised `href`), so what is checked is what is
 * connected to. Pure: no I/O, no DNS.
 *
 * Rules, in order (the first failing one decides):
 * 1. The URL parses with WHATWG `new URL` (which lowercases the host, applies IDNA/punycode,
 *    percent-decodes it, and canonicalises IP literals: `0x7f.1`, `2130706433`, `127.000.000.001` all
 *    become `127.0.0.1`; `[::FFFF:127.0.0.1]` becomes `[::ffff:7f00:1]`).            → `bad_url`
 * 2. Scheme `http:` or `https:` only (no `ftp:`, `file:`, `data:`, `blob:`, `ws:` …).  → `scheme`
 * 3. No user info: `http://example.com@evil.org/` is a request to evil.org that reads like one to
 *    example.com, and credentials in URLs leak into logs; send them in a header.   → `userinfo`
 * 4. The host, with one trailing dot removed (`example.com.` is `example.com` to DNS), matches an entry:
 *    - an exact entry matches that host only;
 *    - `*.suffix` matches any subdomain at any depth (`a.suffix`, `a.b.suffix`) but not `suffix` itself
 *      and not `evilsuffix` (the match includes the dot);
 *    - an IP literal matches only an exact IP entry, compared in canonical form; a wildcard never
 *      matches an IP literal. IPv4-mapped IPv6 (`[::ffff:7f00:1]`) is not the IPv4 entry `127.0.0.1`:
 *      an address matches only an entry written in the same family.                 → `host`
 *
 * Ports (decision): an entry without a port allows every port of that host. The grant is about which
 * machine (DESIGN.md section 3.1: manifest entries carry no port), and a local test server listens on a
 * random port. An entry may carry a port (`api.example.com:8443`, `[::1]:8080`, `*.example.com:443`) to
 * allow that port only, comparing the effective port (`http://h/` is port 80, `https://h/` is 443).
 *
 * Entries are normalised once by `compileAllowlist` (lowercase, IDNA, canonical IP form, one trailing dot
 * removed). Entries that cannot mean one host or one subtree — `*`, `*.com`, a wildcard over an IP,
 * anything with a scheme, path, user info or space — are listed in `invalid` and never match.
 * Not covered here (by design): what a name resolves to. An allowed name whose DNS points at 127.0.0.1
 * is allowed; the grant names machines by the names the plugin author wrote.
 */

export type UrlCheck =
  | { ok: true; url: URL; host: string }
  | { ok: false; kind: "bad_url" | "scheme" | "userinfo" | "host"; reason: string; host?: string };

export interface Allowlist {
  /** Hosts allowed on every port. */
  readonly hosts: ReadonlySet<string>;
  /** `host:port` pairs (effective port). */
  readonly hostPorts: ReadonlySet<string>;
  /** Wildcard suffixes with their leading dot (`.example.com`), and a port or 0 for any port. */
  readonly suffixes: readonly { suffix: string; port: number }[];
  /** Entries refused (they match nothing), each with why. */
  readonly invalid: readonly { entry: string; reason: string }[];
}

const FORBIDDEN_IN_ENTRY = /[\s/?#@\\%]/;
const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/** Normalises allowlist entries once, so each check is a set lookup plus a scan of the wildcards. */
export function compileAllowlist(entries: readonly string[]): Allowlist {
  const hosts = new Set<string>();
  const hostPorts = new Set<string>();
  const suffixes: { suffix: string; port: number }[] = [];
  const invalid: { entry: string; reason: string }[] = [];
  for (const entry of entries) {
    const parsed = parseEntry(entry);
    if ("reason" in parsed) {
      invalid.push({ entry, reason: parsed.reason });
    } else if (parsed.wildcard) {
      suffixes.push({ suffix: `.${parsed.host}`, port: parsed.port });
    } else if (parsed.port === 0) {
      hosts.add(parsed.host);
    } else {
      hostPorts.add(`${parsed.host}:${parsed.port}`);
    }
  }
  return { hosts, hostPorts, suffixes, invalid };
}

/** Checks `url` against the allowlist (entries, or a compiled `Allowlist` on hot paths). */
export function checkUrl(url: string | URL, allow: readonly string[] | Allowlist): UrlCheck {
  const list = isCompiled(allow) ? allow : compileAllowlist(allow);
  let u: URL;
  try {
    u = typeof url === "string" ? new URL(url) : url;
  } catch {
    return { ok: false, kind: "bad_url", reason: "not a valid absolute URL" };
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    return { ok: false, kind: "scheme", reason: `scheme ${u.protocol} not allowed (http and https only)` };
  }
  let host = u.hostname;
  if (host.endsWith(".")) host = host.slice(0, -1);
  if (u.username !== "" || u.password !== "") {
    return {
      ok: false,
      kind: "userinfo",
      host,
      reason: "URL carries user info (user@host); send credentials in a header instead",
    };
  }
  if (host === "" || host.endsWith(".")) {
    return { ok: false, kind: "host", host: u.hostname, reason: `${u.hostname} not in allowlist` };
  }
  const port = u.port === "" ? (u.protocol === "https:" ? 443 : 80) : Number(u.port);
  if (list.hosts.has(host) || (list.hostPorts.size > 0 && list.hostPorts.has(`${host}:${port}`))) {
    return { ok: true, url: u, host };
  }
  if (!isIpLiteral(host)) {
    for (const { suffix, port: p } of list.suffixes) {
      if (host.length > suffix.length && host.endsWith(suffix) && (p === 0 || p === port)) {
        return { ok: true, url: u, host };
      }
    }
  }
  return { ok: false, kind: "host", host, reason: `${host} not in allowlist` };
}

function isCompiled(allow: readonly string[] | Allowlist): allow is Allowlist {
  return !Array.isArray(allow);
}

/** True for a canonical IP literal as `URL.hostname` gives it (bracketed IPv6 or dotted-quad IPv4). */
function isIpLiteral(host: string): boolean {
  return host.charCodeAt(0) === 0x5b /* [ */ || IPV4.test(host);
}

type Entry = { host: string; port: number; wildcard: boolean } | { reason: string };

function parseEntry(raw: string): Entry {
  if (raw === "" || FORBIDDEN_IN_ENTRY.test(raw)) {
    return { reason: "an entry is a host name or IP, with an optional `*.` prefix and `:port`" };
  }
  const wildcard = raw.startsWith("*.");
  const rest = wildcard ? raw.slice(2) : raw;
  if (rest.includes("*")) return { reason: "a wildcard is only allowed as a leading `*.`" };
  const m = rest.startsWith("[")
    ? /^(\[[^\]]*\])(?::(\d{1,5}))?$/.exec(rest)
    : /^([^:]+)(?::(\d{1,5}))?$/.exec(rest);
  if (m === null) return { reason: "not a host name, IP address or host:port" };
  const port = m[2] === undefined ? 0 : Number(m[2]);
  if (m[2] !== undefined && (port < 1 || port > 65535)) return { reason: "port out of range 1-65535" };
  let host: string;
  try {
    // The same parser as the request side, so both compare in one canonical form.
    host = new URL(`http://${m[1]}/`).hostname;
  } catch {
    return { reason: "not a valid host name or IP address" };
  }
  if (host.endsWith(".")) host = host.slice(0, -1);
  if (host === "" || host.startsWith(".") || host.endsWith(".") || host.includes("..")) {
    return { reason: "a host name must not have empty labels" };
  }
  if (wildcard) {
    if (isIpLiteral(host)) return { reason: "a wildcard cannot apply to an IP address" };
    if (!host.includes(".")) return { reason: "a wildcard needs at least two labels after `*.`" };
  }
  return { host, port, wildcard };
}
