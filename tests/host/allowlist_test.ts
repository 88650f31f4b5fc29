/**
 * The network allowlist, attacked: look-alike hosts, wildcard depth and the bare suffix, user info
 * tricks, IP literal spellings, IPv6, case, trailing dots, schemes other than http(s), and ports.
 */

import { checkUrl, compileAllowlist } from "../../src/runtime/host/allowlist.ts";
import { assert, assertEquals } from "../support/assert.ts";

const LIST = ["api.example.com", "*.cdn.example.com", "*.example.org", "127.0.0.1", "[::1]", "localhost"];

function allowed(url: string, list: readonly string[] = LIST): boolean {
  return checkUrl(url, list).ok;
}

function kind(url: string, list: readonly string[] = LIST): string {
  const r = checkUrl(url, list);
  return r.ok ? "ok" : r.kind;
}

Deno.test("exact entries match only that host", () => {
  assert(allowed("https://api.example.com/v1?q=1"));
  assert(allowed("http://api.example.com:8080/"));
  assert(!allowed("https://example.com/"));
  assert(!allowed("https://www.api.example.com/"), "an exact entry grants no subdomain");
  assert(!allowed("https://api.example.com.evil.org/"));
  assert(!allowed("https://evilapi.example.com/"));
  assert(!allowed("https://api-example.com/"));
});

Deno.test("a wildcard matches subdomains at any depth, never the bare suffix or a look-alike", () => {
  assert(allowed("https://a.cdn.example.com/x"));
  assert(allowed("https://a.b.c.cdn.example.com/x"));
  assert(!allowed("https://cdn.example.com/"), "bare suffix");
  assert(!allowed("https://evilcdn.example.com/"), "look-alike without the dot");
  assert(!allowed("https://cdn.example.com.evil.org/"));
  assert(allowed("https://x.example.org/"));
  assert(!allowed("https://evilexample.org/"));
  assert(!allowed("https://example.org/"));
  const list = ["*.example.com"];
  assert(allowed("https://a.example.com/", list));
  assert(!allowed("https://evilexample.com/", list));
  assert(!allowed("https://example.com.evil.org/", list));
  assert(!allowed("https://example.com/", list));
  assert(!allowed("https://a.example.com.evil.org/", list));
});

Deno.test("user info cannot smuggle another host", () => {
  // The real host is evil.org: refused for the user info before the host is even considered.
  assertEquals(kind("http://example.com@evil.org/", ["example.com"]), "userinfo");
  assertEquals(kind("http://user:pw@api.example.com/"), "userinfo");
  assertEquals(kind("http://api.example.com:pw@evil.org/"), "userinfo");
  assertEquals(kind("http://api.example.com%40evil.org/"), "bad_url");
  // Backslashes and encoded dots are normalised by the URL parser before the check.
  assertEquals(kind("http:\\\\evil.org\\@api.example.com/"), "host");
  const r = checkUrl("http://api.example.com%2eevil.org/", LIST);
  assert(!r.ok && r.host === "api.example.com.evil.org", JSON.stringify(r));
});

Deno.test("IP literals in every spelling match only an exact IP entry", () => {
  for (
    const url of [
      "http://127.0.0.1/",
      "http://0x7f.1/",
      "http://2130706433/",
      "http://127.1/",
      "http://0177.0.0.1/",
      "http://127.000.000.001:9/",
    ]
  ) {
    const r = checkUrl(url, ["127.0.0.1"]);
    assert(r.ok && r.host === "127.0.0.1", url);
    assert(!allowed(url, ["*.0.0.1", "*.example.com"]), `wildcards never match an IP: ${url}`);
    assert(!allowed(url, ["localhost"]), url);
  }
  assert(!allowed("http://127.0.0.2/", ["127.0.0.1"]));
  assert(!allowed("http://10.0.0.1/", ["*.0.1"]));
  assert(!allowed("http://1.2.3.4/", ["*.2.3.4"]));
  const compiled = compileAllowlist(["*.0.0.1", "*.com", "*", "a/b", "u@h", "http://x.com", "ok.com"]);
  assertEquals(compiled.invalid.map((i) => i.entry), ["*.0.0.1", "*.com", "*", "a/b", "u@h", "http://x.com"]);
  assertEquals([...compiled.hosts], ["ok.com"]);
});

Deno.test("IPv6 literals: canonical comparison, mapped IPv4 is not the IPv4 entry", () => {
  assert(allowed("http://[::1]:8080/"));
  assert(allowed("http://[0:0:0:0:0:0:0:1]/"));
  assert(allowed("http://[0::1]/", ["[0:0::1]"]));
  assert(!allowed("http://[::2]/"));
  assert(!allowed("http://[::ffff:127.0.0.1]/"), "IPv4-mapped IPv6 needs its own entry");
  assert(!allowed("http://[::1]/", ["*.example.com"]));
});

Deno.test("case, trailing dots and IDNA are normalised on both sides", () => {
  assert(allowed("HTTPS://API.EXAMPLE.COM/"));
  assert(allowed("https://Api.Example.Com./"), "one trailing dot is the same host to DNS");
  assert(!allowed("https://api.example.com../"));
  assert(allowed("https://X.CDN.EXAMPLE.COM./"));
  assert(allowed("https://API.example.com/", ["Api.Example.COM."]));
  assert(allowed("https://bücher.de/", ["xn--bcher-kva.de"]));
  assert(allowed("https://shop.xn--bcher-kva.de/", ["*.bücher.de"]));
  assert(!allowed("https://xn--bcher-kva.de/", ["*.bücher.de"]));
});

Deno.test("only http and https", () => {
  for (
    const url of [
      "ftp://api.example.com/",
      "file:///etc/passwd",
      "data:text/plain,hi",
      "ws://api.example.com/",
      "blob:https://api.example.com/x",
      "javascript:alert(1)",
      "gopher://api.example.com/",
    ]
  ) {
    assertEquals(kind(url), "scheme", url);
  }
  assertEquals(kind("api.example.com/path"), "bad_url");
  assertEquals(kind(""), "bad_url");
  assertEquals(kind("http://"), "bad_url");
});

Deno.test("ports: an entry without a port allows any port; host:port allows that port only", () => {
  assert(allowed("http://127.0.0.1:41234/"));
  const list = ["api.example.com:8443", "*.example.org:443", "[::1]:8080"];
  assert(allowed("https://api.example.com:8443/", list));
  assert(!allowed("https://api.example.com/", list));
  assert(!allowed("https://api.example.com:8444/", list));
  assert(allowed("https://a.example.org/", list), "the effective port of https is 443");
  assert(!allowed("http://a.example.org/", list), "the effective port of http is 80");
  assert(allowed("http://[::1]:8080/", list));
  assert(!allowed("http://[::1]:8081/", list));
  assert(allowed("http://h.test/", ["h.test:80"]));
});

Deno.test("the reason names the host exactly as it would be fetched", () => {
  const r = checkUrl("http://EVIL.test./x", LIST);
  assert(!r.ok);
  assertEquals(r.reason, "evil.test not in allowlist");
  assertEquals(r.host, "evil.test");
});
