/** The anchored identity glob matcher and the policy built from it. */

import { assert, assertEquals, assertThrows } from "../support/assert.ts";
import { compileIdentityPattern, githubReleaseIdentity, matchesIdentity } from "../../src/verify/identity.ts";
import { allowUnsignedFromEnv, buildPolicy, DEFAULT_ISSUER } from "../../src/verify/policy.ts";
import { isSamuelError } from "../../src/errors.ts";
import { unsignedVerification } from "../../src/verify/mod.ts";

const DEFAULT = "https://github.com/acme/hello/.github/workflows/*@refs/tags/**";
const RELEASE = "https://github.com/acme/hello/.github/workflows/release.yml@refs/tags/v0.1.0";

Deno.test("identity: literal patterns match only the whole SAN", () => {
  assert(matchesIdentity(RELEASE, RELEASE));
  assert(!matchesIdentity(`${RELEASE}x`, RELEASE));
  assert(!matchesIdentity(`x${RELEASE}`, RELEASE));
  assert(!matchesIdentity(`https://evil.example/?${RELEASE}`, RELEASE));
  assert(!matchesIdentity(RELEASE.slice(0, -1), RELEASE));
});

Deno.test("identity: unanchored look-alikes of the default pattern are refused", () => {
  assert(matchesIdentity(RELEASE, DEFAULT));
  assertEquals(githubReleaseIdentity("acme", "hello"), DEFAULT);
  for (
    const lookAlike of [
      `https://evil.example/${RELEASE}`,
      `https://evil.example/https://github.com/acme/hello/.github/workflows/x.yml@refs/tags/v1`,
      "https://github.com/acme/hello-evil/.github/workflows/release.yml@refs/tags/v1",
      "https://github.com/acme/hello/.github/workflows/release.yml@refs/heads/main",
      "https://github.com/acme/hello/.github/workflows/release.yml@refs/tags/",
      "https://github.com/acme/hello/.github/workflows/@refs/tags/v1",
      "https://github.com/acmex/hello/.github/workflows/release.yml@refs/tags/v1",
      "http://github.com/acme/hello/.github/workflows/release.yml@refs/tags/v1",
      "https://github.com/ACME/hello/.github/workflows/release.yml@refs/tags/v1",
      "https://githubXcom/acme/hello/.github/workflows/release.yml@refs/tags/v1",
      // git allows `@` in branch names: a branch must not pass for a tag.
      "https://github.com/acme/hello/.github/workflows/release.yml@refs/heads/main@refs/tags/v1",
    ]
  ) {
    assert(!matchesIdentity(lookAlike, DEFAULT), lookAlike);
  }
});

Deno.test("identity: * is one path segment, ** crosses /", () => {
  const one = "https://github.com/acme/*/.github/workflows/release.yml@refs/tags/v1";
  assert(matchesIdentity("https://github.com/acme/hello/.github/workflows/release.yml@refs/tags/v1", one));
  assert(!matchesIdentity("https://github.com/acme/a/b/.github/workflows/release.yml@refs/tags/v1", one));
  assert(!matchesIdentity("https://github.com/acme//.github/workflows/release.yml@refs/tags/v1", one));
  const tagged = "https://github.com/acme/hello/.github/workflows/release.yml@refs/tags/*";
  assert(matchesIdentity("https://github.com/acme/hello/.github/workflows/release.yml@refs/tags/v1", tagged));
  assert(
    !matchesIdentity("https://github.com/acme/hello/.github/workflows/release.yml@refs/tags/a/b", tagged),
  );
  const any = "https://github.com/acme/**";
  assert(matchesIdentity("https://github.com/acme/a/b/c", any));
  assert(!matchesIdentity("https://github.com/acme/", any));
});

Deno.test("identity: regex metacharacters are literal", () => {
  assert(!matchesIdentity("https://githubXcom/a", "https://github.com/a"));
  assert(matchesIdentity("a+b(c)[d]$^|?", "a+b(c)[d]$^|?"));
  assert(!matchesIdentity("aab", "a+b"));
  assert(compileIdentityPattern("x.y").test("x.y"));
  assert(!compileIdentityPattern("x.y").test("x\ny"));
});

Deno.test("identity: the default for a GitHub source is its own workflow at a tag", () => {
  assertEquals(githubReleaseIdentity("acme", "hello"), DEFAULT);
  assertThrows(() => githubReleaseIdentity("acme/x", "hello"));
  assertThrows(() => githubReleaseIdentity("*", "hello"));
});

Deno.test("policy: defaults, added and overriding patterns", () => {
  assertEquals(buildPolicy({ github: { owner: "acme", repo: "hello" } }), {
    issuer: DEFAULT_ISSUER,
    identityPatterns: [DEFAULT],
  });
  const extra = "https://github.com/acme/signer/.github/workflows/sign.yml@refs/heads/main";
  assertEquals(
    buildPolicy({ github: { owner: "acme", repo: "hello" }, identityPatterns: [extra] }).identityPatterns,
    [
      DEFAULT,
      extra,
    ],
  );
  assertEquals(
    buildPolicy({
      github: { owner: "acme", repo: "hello" },
      identityPatterns: [extra],
      identityMode: "override",
    })
      .identityPatterns,
    [extra],
  );
  assertEquals(buildPolicy({}).identityPatterns, []);
  assertEquals(buildPolicy({ issuer: "https://accounts.google.com" }).issuer, "https://accounts.google.com");
});

Deno.test("policy: unusable patterns are invalid input (exit 2)", () => {
  for (const bad of ["", " https://x", "*", "**"]) {
    assertThrows(() => buildPolicy({ identityPatterns: [bad] }), (e) => {
      assert(isSamuelError(e));
      assertEquals(e.code, "SAM-VERIFY-014");
      assertEquals(e.exit, 2);
    });
  }
});

Deno.test("policy: SAMUEL_VERIFY_ALLOW_UNSIGNED accepts 1, true, yes", () => {
  for (const yes of ["1", "true", "yes", "TRUE", " Yes "]) assert(allowUnsignedFromEnv(yes), yes);
  for (const no of [undefined, "", "0", "false", "no", "on"]) assert(!allowUnsignedFromEnv(no), String(no));
});

Deno.test("unsigned installs are recorded with the switch that allowed them", () => {
  assertEquals(unsignedVerification("--allow-unsigned"), {
    method: "unsigned",
    reason: "verification skipped by --allow-unsigned",
  });
});
