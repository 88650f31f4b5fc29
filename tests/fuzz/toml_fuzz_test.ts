/**
 * Fuzzes the readers of samuel.toml, samuel.lock and samuel-plugin.toml in-process (the bulk of the
 * cases; `cli_fuzz_test.ts` runs a sample through the real CLI): valid files mutated by byte flips,
 * truncation, duplicate keys and tables, wrong types, huge strings, deep nesting, many tables, long
 * arrays and invalid UTF-8. Every case must either succeed or fail with a SamuelError carrying a SAM code
 * and exit 2, within a time bound; anything else (a TypeError, a RangeError from a deep recursion, a
 * stall) is a bug. What succeeds must also hold together: a lock that parses serialises and parses
 * back, a config that parses accepts the plugin edits samuel makes.
 */

import { assert } from "../support/assert.ts";
import { SamuelError } from "../../src/errors.ts";
import {
  addOrReplacePlugin,
  defaultConfigText,
  parseConfig,
  removePlugin,
} from "../../src/project/config.ts";
import { type LockedPlugin, parseLockfile, serializeLockfile } from "../../src/project/lockfile.ts";
import { manifestError, MAX_PROBLEMS, parseManifest } from "../../src/manifest/mod.ts";
import { readInstalledWasm } from "../../src/manifest/installed.ts";
import { peekManifest } from "../../src/source/peek.ts";
import { caseRng, cases, FUZZ_SEED, mutateToml, SAM_CODE, saveCase } from "./mutate.ts";

/** The longest one case may take; real runs are a few ms, the biggest mutations (5 MB) tens of ms. */
const CASE_BOUND_MS = 3_000;

const enc = new TextEncoder();
const lossy = new TextDecoder();

export const BASE_CONFIG = defaultConfigText() + `
[[plugins]]
name = "smoke"   # a comment
source = "file:///plugins/smoke"

[[plugins]]
name = "hello"
source = "acme/hello@v1.0.0"
version = "1.0.0"

[[registries]]
name = "team"
url = "https://github.com/acme/index"

[tool.other]
kept = { a = [1, 2], b = "x" }
`;

const PLUGIN: LockedPlugin = {
  name: "hello",
  version: "1.0.0",
  kind: "wasm",
  source: "acme/hello@v1.0.0",
  resolvedUrl: "https://github.com/acme/hello/releases/download/v1.0.0/plugin.wasm",
  sha256: { module: "a".repeat(64), manifest: "b".repeat(64), bundle: "c".repeat(64) },
  verification: {
    method: "sigstore",
    san: "https://github.com/acme/hello/.github/workflows/release.yml@refs/tags/v1.0.0",
    issuer: "https://token.actions.githubusercontent.com",
    logIndex: 42,
  },
  capabilities: {
    env: ["HOME"],
    filesystem: { read: ["/workspace"], write: ["/workspace/out"] },
    network: { hosts: ["api.example.com"] },
    maxMemory: 64,
    timeoutMs: 5000,
    hardTimeoutMs: 30000,
    fuel: 1000,
  },
  installedAt: "2026-01-02T03:04:05Z",
};

export const BASE_LOCK = serializeLockfile({
  version: 1,
  plugins: [PLUGIN, {
    ...PLUGIN,
    name: "smoke",
    source: "file:///plugins/smoke",
    sha256: { module: "d".repeat(64), manifest: "e".repeat(64) },
    verification: { method: "unsigned", reason: "verification skipped by --allow-unsigned" },
  }],
});

export const BASE_MANIFEST = await Deno.readTextFile(
  new URL("../../examples/manifests/design/samuel-plugin.toml", import.meta.url),
);

interface Failure {
  i: number;
  steps: string[];
  error: string;
  saved?: string;
}

/** A thrown value is fine when it is a SamuelError with a SAM code and the invalid-input exit. */
function refusal(e: unknown): string | undefined {
  if (!(e instanceof SamuelError)) return `threw ${e instanceof Error ? e.stack : String(e)}`;
  if (!SAM_CODE.test(e.code)) return `threw ${e.code}: ${e.message}`;
  if (e.exit !== 2) return `${e.code} exits ${e.exit}, expected 2 for a bad input file`;
  return undefined;
}

async function fuzz(
  stream: string,
  base: string,
  count: number,
  check: (text: string) => Promise<string | undefined> | string | undefined,
  ext = "toml",
) {
  const failures: Failure[] = [];
  for (const i of cases(count)) {
    const { bytes, steps } = mutateToml(enc.encode(base), caseRng(stream, i));
    const started = performance.now();
    let error: string | undefined;
    try {
      error = await check(lossy.decode(bytes));
    } catch (e) {
      error = refusal(e);
    }
    const ms = performance.now() - started;
    if (error === undefined && ms > CASE_BOUND_MS) {
      error = `took ${ms.toFixed(0)} ms (bound ${CASE_BOUND_MS} ms)`;
    }
    if (error !== undefined) {
      failures.push({ i, steps, error, saved: await saveCase(stream, i, bytes, ext) });
      if (failures.length >= 5) break;
    }
  }
  assert(
    failures.length === 0,
    `${failures.length} failing case(s) (SAMUEL_FUZZ_SEED=${FUZZ_SEED}, replay with SAMUEL_FUZZ_CASE=<i>):\n` +
      failures.map((f) => `case ${f.i}: ${f.steps.join("; ")}\n  ${f.error}\n  input: ${f.saved}`).join("\n"),
  );
}

Deno.test("fuzz: mutated samuel.toml parses or is refused with a SAM code (exit 2), and edits of what parses hold", async () => {
  await fuzz("config", BASE_CONFIG, 300, (text) => {
    const config = parseConfig(text, "samuel.toml", "/project");
    // What samuel does to a parsed config: add a plugin, replace one, remove one.
    const added = addOrReplacePlugin(text, { name: "fz-new", source: "file:///x" });
    parseConfig(added);
    for (const p of config.plugins.slice(0, 2)) {
      parseConfig(addOrReplacePlugin(text, { name: p.name, source: "owner/repo@v9" }));
      parseConfig(removePlugin(text, p.name));
    }
    return undefined;
  });
});

Deno.test("fuzz: mutated samuel.lock parses or is refused with a SAM code (exit 2), and what parses round-trips", async () => {
  await fuzz("lock", BASE_LOCK, 300, (text) => {
    const lock = parseLockfile(text);
    const again = parseLockfile(serializeLockfile(lock));
    if (JSON.stringify(again) !== JSON.stringify(lock)) return "the lock does not survive serialise + parse";
    return undefined;
  });
});

Deno.test("fuzz: mutated samuel-plugin.toml validates to a manifest or to at most 100 problems with SAM codes", async () => {
  await fuzz("manifest", BASE_MANIFEST, 250, async (text) => {
    const result = await parseManifest(text, { file: "samuel-plugin.toml" });
    if (result.problems.length > MAX_PROBLEMS) return `${result.problems.length} problems listed`;
    const bad = result.problems.find((p) => !SAM_CODE.test(p.code));
    if (bad) return `problem without a SAM code: ${JSON.stringify(bad)}`;
    if (result.manifest === undefined) {
      const e = manifestError("samuel-plugin.toml", result.problems, undefined, result.omitted);
      const why = refusal(e);
      if (why) return why;
      if (JSON.stringify(e.toInfo()).length > 4 * 1024 * 1024) return "the error's JSON is over 4 MiB";
    }
    // The other readers of a manifest: install's peek, and the run path's trusted reading.
    await parseManifest(text, { file: "samuel-plugin.toml", trusted: true });
    readInstalledWasm(text);
    try {
      await peekManifest(text, "samuel-plugin.toml");
    } catch (e) {
      return refusal(e);
    }
    return undefined;
  });
});
