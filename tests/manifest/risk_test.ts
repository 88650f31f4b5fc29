/** Risky grants (DESIGN.md 3.2): reads outside /workspace, any write, any host, any env key. */

import { assert, assertEquals } from "../support/assert.ts";
import { insideWorkspace, riskyGrants } from "../../src/manifest/risk.ts";
import type { Capabilities } from "../../src/manifest/schema.ts";

const caps = (
  c: Partial<{ env: string[]; read: string[]; write: string[]; hosts: string[] }>,
): Capabilities => ({
  env: c.env ?? [],
  filesystem: { read: c.read ?? [], write: c.write ?? [] },
  network: { hosts: c.hosts ?? [] },
});

Deno.test("no grants, or reads inside /workspace only, are not risky", () => {
  assertEquals(riskyGrants(caps({})), []);
  assertEquals(riskyGrants(caps({ read: ["/workspace", "/workspace/src", "/workspace/a/b"] })), []);
});

Deno.test("reads outside /workspace are risky, including look-alike prefixes and the root", () => {
  const r = riskyGrants(caps({ read: ["/workspace", "/etc", "/workspace2", "/"] }));
  assertEquals(r.map((g) => [g.capability, g.value]), [
    ["filesystem.read", "/etc"],
    ["filesystem.read", "/workspace2"],
    ["filesystem.read", "/"],
  ]);
  assert(r[2].reason.includes("entire"));
});

Deno.test("any write, any host and any env key are risky, in manifest order with reasons", () => {
  const r = riskyGrants(caps({
    write: ["/workspace", "/workspace/out", "/tmp"],
    hosts: ["api.example.com", "*.cdn.example.com"],
    env: ["HOME", "GITHUB_TOKEN"],
  }));
  assertEquals(r.map((g) => `${g.capability} ${g.value}`), [
    "filesystem.write /workspace",
    "filesystem.write /workspace/out",
    "filesystem.write /tmp",
    "network.hosts api.example.com",
    "network.hosts *.cdn.example.com",
    "env HOME",
    "env GITHUB_TOKEN",
  ]);
  for (const g of r) assert(g.reason.length > 0);
  assert(r[2].reason.includes("outside the project"));
  assert(r[4].reason.includes("any subdomain of cdn.example.com"));
});

Deno.test("insideWorkspace", () => {
  assert(insideWorkspace("/workspace"));
  assert(insideWorkspace("/workspace/x"));
  assert(!insideWorkspace("/workspacex"));
  assert(!insideWorkspace("/"));
});
