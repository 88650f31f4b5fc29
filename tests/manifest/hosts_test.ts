/** Host patterns: what a manifest may write, and the matcher the runtime's net_outbound uses. */

import { assert, assertEquals } from "../support/assert.ts";
import { checkHostPattern, hostAllowed } from "../../src/manifest/hosts.ts";

Deno.test("valid host patterns", () => {
  for (
    const p of [
      "api.example.com",
      "localhost",
      "a-b.example.co.uk",
      "xn--bcher-kva.example",
      "*.example.com",
      "*.cdn.example.com",
      "10.0.0.1",
      "255.255.255.255",
      "[::1]",
      "[2001:db8::1]",
      `${"a".repeat(63)}.example.com`,
    ]
  ) {
    assertEquals(checkHostPattern(p), { ok: true }, p);
  }
});

Deno.test("invalid host patterns, with a valid suggestion when one exists", () => {
  const cases: [string, string | undefined][] = [
    ["https://api.example.com", "api.example.com"],
    ["http://api.example.com:8080/x", "api.example.com"],
    ["api.example.com/v1", "api.example.com"],
    ["api.example.com?q=1", "api.example.com"],
    ["api.example.com:443", "api.example.com"],
    ["*.example.com:443", "*.example.com"],
    ["user@api.example.com", "api.example.com"],
    ["API.Example.com", "api.example.com"],
    ["*.Example.COM", "*.example.com"],
    ["api.example.com.", "api.example.com"],
    [" api.example.com", "api.example.com"],
    ["bücher.example", "xn--bcher-kva.example"],
    ["::1", "[::1]"],
    ["[0:0:0:0:0:0:0:1]", "[::1]"],
    ["", undefined],
    ["*", undefined],
    ["*.com", undefined],
    ["*.*.example.com", undefined],
    ["api.*.example.com", undefined],
    ["*example.com", undefined],
    ["*.10.0.0.1", undefined],
    ["*.[::1]", undefined],
    ["1.2.3", undefined],
    ["256.1.1.1", undefined],
    ["01.2.3.4", undefined],
    ["example..com", undefined],
    [".example.com", undefined],
    ["-bad.example.com", undefined],
    ["bad-.example.com", undefined],
    ["exa_mple.com", undefined],
    [`${"a".repeat(64)}.example.com`, undefined],
    [`${"abcdefghi.".repeat(26)}com`, undefined],
    ["[not-an-ip]", undefined],
  ];
  for (const [pattern, suggestion] of cases) {
    const r = checkHostPattern(pattern);
    assert(!r.ok, `${JSON.stringify(pattern)} should be invalid`);
    assert(r.reason.length > 0);
    assertEquals(r.suggestion, suggestion, `suggestion for ${JSON.stringify(pattern)}`);
  }
});

Deno.test("hostAllowed: exact entries match only themselves", () => {
  const patterns = ["api.example.com", "10.0.0.1", "[::1]"];
  assert(hostAllowed("api.example.com", patterns));
  assert(hostAllowed("API.Example.com", patterns), "case-insensitive, like DNS");
  assert(hostAllowed("api.example.com.", patterns), "one trailing dot is the same host");
  assert(hostAllowed("10.0.0.1", patterns));
  assert(hostAllowed("[::1]", patterns));
  assert(!hostAllowed("example.com", patterns));
  assert(!hostAllowed("a.api.example.com", patterns), "an exact entry does not grant subdomains");
  assert(!hostAllowed("api.example.com.evil.org", patterns));
  assert(!hostAllowed("10.0.0.2", patterns));
  assert(!hostAllowed("", patterns));
});

Deno.test("hostAllowed: *.suffix matches subdomains at any depth, never the bare suffix or look-alikes", () => {
  const patterns = ["*.example.com"];
  assert(hostAllowed("a.example.com", patterns));
  assert(hostAllowed("a.b.example.com", patterns));
  assert(hostAllowed("x.y.z.example.com", patterns));
  assert(!hostAllowed("example.com", patterns));
  assert(!hostAllowed("evilexample.com", patterns));
  assert(!hostAllowed("example.com.evil.org", patterns));
  assert(!hostAllowed("a.example.com.evil.org", patterns));
  assert(!hostAllowed(".example.com", patterns));
  assert(!hostAllowed("a..example.com", patterns));
  assert(!hostAllowed("example.org", patterns));
});

Deno.test("hostAllowed: no patterns deny everything", () => {
  assert(!hostAllowed("api.example.com", []));
});
