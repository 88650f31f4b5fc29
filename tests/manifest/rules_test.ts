/**
 * Every manifest rule of DESIGN.md 3.1 (and the decisions in validate.ts), each with valid and invalid
 * examples: a valid example yields a manifest and no error; an invalid one yields an error with the rule's
 * stable code at the right key.
 */

import { assert, assertEquals } from "../support/assert.ts";
import { baseSkill, baseWasm, check, DELETE, errorKeys, errors, type Patch } from "./helpers.ts";

interface Rule {
  rule: string;
  code: string;
  /** Key of the error for every invalid example (or one per example). */
  key: string | string[];
  valid: Patch[];
  invalid: Patch[];
  base?: () => Patch;
}

const long = (n: number) => "a".repeat(n);

const RULES: Rule[] = [
  {
    rule: "required keys",
    code: "SAM-MANIFEST-003",
    key: ["name", "version", "kind", "wasm.module", "wasm.exports"],
    valid: [{}],
    invalid: [
      { name: DELETE },
      { version: DELETE },
      { kind: DELETE },
      { wasm: { module: DELETE } },
      { wasm: { exports: DELETE } },
    ],
  },
  {
    rule: "types",
    code: "SAM-MANIFEST-004",
    key: [
      "name",
      "samuel",
      "wasm.exports",
      "capabilities.env",
      "wasm.exports[1]",
      "capabilities.filesystem",
      "summary",
    ],
    valid: [{}],
    invalid: [
      { name: 1 },
      { samuel: "^2.2.0" },
      { wasm: { exports: "lint" } },
      { capabilities: { env: "HOME" } },
      { wasm: { exports: ["lint", 2] } },
      { capabilities: { filesystem: ["/workspace"] } },
      { summary: true },
    ],
  },
  {
    rule: "name matches [a-z0-9][a-z0-9-]{0,63}",
    code: "SAM-MANIFEST-006",
    key: "name",
    valid: [{ name: "a" }, { name: "go-guide-wasm" }, { name: "0day" }, { name: long(64) }],
    invalid: [{ name: "My-Plugin" }, { name: "-lead" }, { name: "under_score" }, { name: long(65) }, {
      name: "",
    }, {
      name: "a.b",
    }],
  },
  {
    rule: "version is strict semver",
    code: "SAM-MANIFEST-007",
    key: "version",
    valid: [{ version: "0.1.0" }, { version: "1.2.3-rc.1" }, { version: "1.2.3+build.5" }],
    invalid: [{ version: "1.2" }, { version: "v1.2.3" }, { version: "latest" }, { version: " 1.2.3" }, {
      version: "01.2.3",
    }],
  },
  {
    rule: "kind oci/meta: not supported",
    code: "SAM-MANIFEST-008",
    key: "kind",
    valid: [{ kind: "wasm" }],
    invalid: [{ kind: "oci" }, { kind: "meta" }],
  },
  {
    rule: "kind unknown",
    code: "SAM-MANIFEST-009",
    key: "kind",
    valid: [{ kind: "wasm" }],
    invalid: [{ kind: "WASM" }, { kind: "docker" }, { kind: "" }],
  },
  {
    rule: "framework is a semver range",
    code: "SAM-MANIFEST-010",
    key: "samuel.framework",
    valid: [{ samuel: { framework: "^2.2.0" } }, { samuel: { framework: ">=2.0.0 <3.0.0" } }, {
      samuel: { framework: "*" },
    }, { samuel: { framework: "2.x" } }],
    invalid: [{ samuel: { framework: "banana" } }, { samuel: { framework: "^^2" } }],
  },
  {
    rule: "framework includes this samuel (2.2.0)",
    code: "SAM-MANIFEST-011",
    key: "samuel.framework",
    valid: [{ samuel: { framework: "~2.2.0" } }, { samuel: { framework: ">=2.1.0" } }],
    invalid: [{ samuel: { framework: "^3.0.0" } }, { samuel: { framework: "<2.2.0" } }, {
      samuel: { framework: "~2.1.0" },
    }],
  },
  {
    rule: "protocol is a semver range",
    code: "SAM-MANIFEST-012",
    key: "samuel.protocol",
    valid: [{ samuel: { protocol: "^1.0.0" } }, { samuel: { protocol: "1" } }, {
      samuel: { protocol: "1.x" },
    }],
    invalid: [{ samuel: { protocol: "one" } }],
  },
  {
    rule: "protocol includes protocol 1",
    code: "SAM-MANIFEST-013",
    key: "samuel.protocol",
    valid: [{ samuel: { protocol: ">=1.0.0 <3.0.0" } }],
    invalid: [{ samuel: { protocol: "^2.0.0" } }, { samuel: { protocol: "0.x" } }, {
      samuel: { protocol: "^1.1.0" },
    }],
  },
  {
    rule: "wasm.module is a relative path inside the plugin folder",
    code: "SAM-MANIFEST-014",
    key: "wasm.module",
    valid: [{ wasm: { module: "plugin.wasm" } }, { wasm: { module: "build/out/plugin.wasm" } }, {
      wasm: { module: "./plugin.wasm" },
    }],
    invalid: [
      { wasm: { module: "/abs/plugin.wasm" } },
      { wasm: { module: "../plugin.wasm" } },
      { wasm: { module: "build/../../plugin.wasm" } },
      { wasm: { module: "build/" } },
      { wasm: { module: "C:\\plugin.wasm" } },
      { wasm: { module: "build\\plugin.wasm" } },
      { wasm: { module: "" } },
      { wasm: { module: "." } },
    ],
  },
  {
    rule: "skill.entry is a relative path inside the plugin folder",
    code: "SAM-MANIFEST-014",
    key: "skill.entry",
    base: baseSkill,
    valid: [{ skill: { entry: "SKILL.md" } }, { skill: { entry: "docs/SKILL.md" } }, { skill: DELETE }],
    invalid: [{ skill: { entry: "../SKILL.md" } }, { skill: { entry: "/SKILL.md" } }],
  },
  {
    rule: "exports non-empty",
    code: "SAM-MANIFEST-015",
    key: ["wasm.exports", "runtime.exports"],
    valid: [{ wasm: { exports: ["lint"] } }],
    invalid: [{ wasm: { exports: [] } }, { wasm: { exports: DELETE }, runtime: { exports: [] } }],
  },
  {
    rule: "exports are identifiers",
    code: "SAM-MANIFEST-016",
    key: ["wasm.exports[0]", "wasm.exports[1]", "wasm.exports[0]", "wasm.exports[0]"],
    valid: [{ wasm: { exports: ["lint", "_private", "Check2", "snake_case"] } }],
    invalid: [
      { wasm: { exports: ["my-export"] } },
      { wasm: { exports: ["lint", "9lives"] } },
      { wasm: { exports: ["two words"] } },
      { wasm: { exports: [""] } },
    ],
  },
  {
    rule: "exports are unique",
    code: "SAM-MANIFEST-017",
    key: "wasm.exports[2]",
    valid: [{ wasm: { exports: ["lint", "Lint"] } }],
    invalid: [{ wasm: { exports: ["lint", "health", "lint"] } }],
  },
  {
    rule: "exports are not reserved verbs (case-insensitive) nor WASI entry points",
    code: "SAM-MANIFEST-018",
    key: "wasm.exports[0]",
    valid: [{ wasm: { exports: ["runner", "installer", "health", "versions"] } }],
    invalid: [
      { wasm: { exports: ["run"] } },
      { wasm: { exports: ["RUN"] } },
      { wasm: { exports: ["Install"] } },
      ...["init", "uninstall", "update", "search", "info", "ls", "list", "doctor", "sync", "version", "new"]
        .map(
          (v) => ({ wasm: { exports: [v] } }),
        ),
      { wasm: { exports: ["_start"] } },
      { wasm: { exports: ["_initialize"] } },
    ],
  },
  {
    rule: "runtime.exports equals wasm.exports",
    code: "SAM-MANIFEST-019",
    key: "runtime.exports",
    valid: [
      { runtime: { exports: ["lint", "health"] } },
      { runtime: { exports: ["health", "lint"] } },
      { wasm: { exports: DELETE }, runtime: { exports: ["lint"] } },
    ],
    invalid: [{ runtime: { exports: ["lint"] } }, { runtime: { exports: ["lint", "health", "extra"] } }],
  },
  {
    rule: "durations: number + ms|s|m, positive, bounded",
    code: "SAM-MANIFEST-020",
    key: [
      "runtime.timeout",
      "runtime.timeout",
      "runtime.timeout",
      "runtime.hard_timeout",
      "runtime.timeout",
      "runtime.timeout",
      "runtime.timeout",
    ],
    valid: [
      { runtime: { timeout: "150ms" } },
      { runtime: { timeout: "5s" } },
      { runtime: { timeout: "1.5s", hard_timeout: "2m" } },
      { runtime: { timeout: DELETE, hard_timeout: DELETE } },
    ],
    invalid: [
      { runtime: { timeout: "5" } },
      { runtime: { timeout: "5h" } },
      { runtime: { timeout: "0s" } },
      { runtime: { hard_timeout: "-1s" } },
      { runtime: { timeout: "5 s" } },
      { runtime: { timeout: "0.5ms" } },
      { runtime: { timeout: "999999m" } },
    ],
  },
  {
    rule: "durations are strings",
    code: "SAM-MANIFEST-004",
    key: "runtime.timeout",
    valid: [{ runtime: { timeout: "5s" } }],
    invalid: [{ runtime: { timeout: 5 } }],
  },
  {
    rule: "hard_timeout >= timeout",
    code: "SAM-MANIFEST-021",
    key: ["runtime.hard_timeout", "runtime.timeout"],
    valid: [{ runtime: { timeout: "5s", hard_timeout: "5s" } }, {
      runtime: { timeout: "30s", hard_timeout: DELETE },
    }],
    invalid: [{ runtime: { timeout: "10s", hard_timeout: "5s" } }, {
      runtime: { timeout: "40s", hard_timeout: DELETE },
    }],
  },
  {
    rule: "max_memory: whole MiB in 1..4096",
    code: "SAM-MANIFEST-022",
    key: "runtime.max_memory",
    valid: [{ runtime: { max_memory: 1 } }, { runtime: { max_memory: 4096 } }, {
      runtime: { max_memory: DELETE },
    }],
    invalid: [{ runtime: { max_memory: 0 } }, { runtime: { max_memory: 4097 } }, {
      runtime: { max_memory: 64.5 },
    }, {
      runtime: { max_memory: -1 },
    }],
  },
  {
    rule: "max_memory is a number",
    code: "SAM-MANIFEST-004",
    key: "runtime.max_memory",
    valid: [{ runtime: { max_memory: 128 } }],
    invalid: [{ runtime: { max_memory: "64MiB" } }],
  },
  {
    rule: "fuel: positive integer",
    code: "SAM-MANIFEST-023",
    key: "runtime.fuel",
    valid: [{ runtime: { fuel: 1 } }, { runtime: { fuel: 1_000_000_000_000 } }],
    invalid: [{ runtime: { fuel: 0 } }, { runtime: { fuel: -5 } }, { runtime: { fuel: 1.5 } }],
  },
  {
    rule: "filesystem grants are absolute normalised guest paths",
    code: "SAM-MANIFEST-024",
    key: [
      "capabilities.filesystem.read[0]",
      "capabilities.filesystem.read[0]",
      "capabilities.filesystem.read[0]",
      "capabilities.filesystem.write[0]",
      "capabilities.filesystem.write[0]",
      "capabilities.filesystem.read[0]",
      "capabilities.filesystem.read[0]",
      "capabilities.filesystem.read[0]",
    ],
    valid: [
      { capabilities: { filesystem: { read: ["/workspace", "/workspace/sub", "/", "/etc/ssl"] } } },
      { capabilities: { filesystem: { write: ["/workspace/out", "/tmp"] } } },
    ],
    invalid: [
      { capabilities: { filesystem: { read: ["workspace"] } } },
      { capabilities: { filesystem: { read: ["./src"] } } },
      { capabilities: { filesystem: { read: ["/workspace/"] } } },
      { capabilities: { filesystem: { write: ["/workspace/../etc"] } } },
      { capabilities: { filesystem: { write: ["/a//b"] } } },
      { capabilities: { filesystem: { read: ["/a/./b"] } } },
      { capabilities: { filesystem: { read: [""] } } },
      { capabilities: { filesystem: { read: ["C:\\work"] } } },
    ],
  },
  {
    rule: "list entries are unique",
    code: "SAM-MANIFEST-025",
    key: ["capabilities.filesystem.read[1]", "capabilities.env[1]", "capabilities.network.hosts[1]"],
    valid: [{ capabilities: { filesystem: { read: ["/workspace"], write: ["/workspace"] } } }],
    invalid: [
      { capabilities: { filesystem: { read: ["/workspace", "/workspace"] } } },
      { capabilities: { env: ["HOME", "HOME"] } },
      { capabilities: { network: { hosts: ["a.example.com", "a.example.com"] } } },
    ],
  },
  {
    rule: "env keys are variable names",
    code: "SAM-MANIFEST-026",
    key: "capabilities.env[0]",
    valid: [{ capabilities: { env: ["HOME", "_X1", "lower_case", "PATH"] } }, { capabilities: { env: [] } }],
    invalid: [
      { capabilities: { env: ["1X"] } },
      { capabilities: { env: ["MY-VAR"] } },
      { capabilities: { env: ["A=B"] } },
      { capabilities: { env: [""] } },
      { capabilities: { env: ["$HOME"] } },
    ],
  },
  {
    rule: "network hosts: exact lowercase host or *. + host, no scheme/path/port",
    code: "SAM-MANIFEST-027",
    key: "capabilities.network.hosts[0]",
    valid: [
      { capabilities: { network: { hosts: ["api.example.com", "*.cdn.example.com", "localhost"] } } },
      { capabilities: { network: { hosts: ["10.0.0.1", "[::1]"] } } },
      { capabilities: { network: { hosts: [] } } },
    ],
    invalid: [
      ...[
        "https://api.example.com",
        "api.example.com/v1",
        "api.example.com:443",
        "API.example.com",
        "*.com",
        "*",
        "api.*.com",
        "*.10.0.0.1",
        "",
        "user@example.com",
        "exa_mple.com",
      ].map((h) => ({ capabilities: { network: { hosts: [h] } } })),
    ],
  },
  {
    rule: "summary is one line",
    code: "SAM-MANIFEST-030",
    key: "summary",
    valid: [{ summary: "One line." }],
    invalid: [{ summary: "two\nlines" }],
  },
];

for (const r of RULES) {
  const base = r.base ?? baseWasm;
  Deno.test(`rule: ${r.rule}: valid examples`, async () => {
    for (const patch of r.valid) {
      const result = await check(patch, base());
      assertEquals(errorKeys(result), [], `valid example ${JSON.stringify(patch)}`);
      assert(result.manifest !== undefined, `manifest for ${JSON.stringify(patch)}`);
    }
  });
  Deno.test(`rule: ${r.rule}: invalid examples`, async () => {
    for (const [i, patch] of r.invalid.entries()) {
      const result = await check(patch, base());
      const key = Array.isArray(r.key) ? r.key[i] : r.key;
      const hit = errors(result).find((p) => p.code === r.code && p.key === key);
      assert(
        hit,
        `invalid example ${JSON.stringify(patch)}: expected ${r.code} at ${key}, got ${errorKeys(result)}`,
      );
      assert(hit.fix.length > 0 && hit.message.length > 0, "every problem has a message and a fix");
      assertEquals(hit.file, "samuel-plugin.toml");
      assertEquals(result.manifest, undefined, `no manifest for ${JSON.stringify(patch)}`);
    }
  });
}
