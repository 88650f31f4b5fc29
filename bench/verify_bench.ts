/**
 * Time to verify a Sigstore bundle (issue 6): a real public bundle against the embedded public-good root,
 * and a bundle signed by a mock Sigstore instance against its root; cold (a fresh process: import of the
 * gate and the Sigstore libraries plus the first verification) and warm (the same verification again in
 * a process that has done one).
 *
 * `deno bench --allow-all bench/verify_bench.ts` reports whole-process cold runs against a bare `deno run`
 * and warm in-process runs. `deno run --allow-all bench/verify_bench.ts --report` prints medians measured inside
 * the process (so without Deno's own start-up): cold import+verify, and warm verify. The same file is the
 * child process of the cold runs (`--once`), so the bench needs no helper file of its own.
 */

import { emptyScript, runToEnd } from "./support/process.ts";

const SELF = new URL(import.meta.url).pathname;
const CONFIG = new URL("../deno.json", import.meta.url).pathname;
const MOD = new URL("../src/verify/mod.ts", import.meta.url).href;
const PUBLIC = new URL("../tests/fixtures/sigstore-public/", import.meta.url);
const PUBLIC_POLICY = {
  issuer: "https://token.actions.githubusercontent.com",
  identityPatterns: [
    "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/*@refs/heads/main",
  ],
};
const MOCK_POLICY = {
  issuer: "https://token.actions.githubusercontent.com",
  identityPatterns: ["https://github.com/acme/hello/.github/workflows/**@refs/tags/**"],
};

/** Files of one verification case, on disk so a child process can read them. */
interface Case {
  artifact: string;
  bundle: string;
  root?: string;
  policy: typeof PUBLIC_POLICY;
}

const publicCase: Case = {
  artifact: new URL("conformance/a.txt", PUBLIC).pathname,
  bundle: new URL("conformance/happy-path-v0.3/bundle.sigstore.json", PUBLIC).pathname,
  policy: PUBLIC_POLICY,
};

/** Signs a 1 MiB artifact with a mock Sigstore instance and writes artifact, bundle and root to a temp dir. */
async function makeMockCase(): Promise<Case> {
  const { startMockSigstore } = await import("../tests/support/sigstore_mock.ts");
  await using sigstore = await startMockSigstore();
  const artifact = crypto.getRandomValues(new Uint8Array(65536));
  const big = new Uint8Array(1 << 20);
  for (let i = 0; i < big.length; i += artifact.length) big.set(artifact, i);
  const dir = await Deno.makeTempDir({ prefix: "samuel-verify-bench-" });
  const c: Case = {
    artifact: `${dir}/plugin.wasm`,
    bundle: `${dir}/plugin.wasm.bundle`,
    root: `${dir}/trusted_root.json`,
    policy: MOCK_POLICY,
  };
  await Deno.writeFile(c.artifact, big);
  await Deno.writeTextFile(c.bundle, await sigstore.sign(big));
  await Deno.writeTextFile(c.root!, JSON.stringify(sigstore.trustedRoot));
  return c;
}

/** Inputs read once per case, so warm runs time verification rather than file reads and JSON parsing. */
const inputs = new Map<Case, { artifact: Uint8Array; bundleText: string; root?: unknown }>();

/** One verification of `c` through the public API; the import is dynamic so the first call is cold. */
async function verifyOnce(c: Case): Promise<void> {
  const { verifyArtifact } = await import(MOD);
  let input = inputs.get(c);
  if (!input) {
    input = {
      artifact: await Deno.readFile(c.artifact),
      bundleText: await Deno.readTextFile(c.bundle),
      root: c.root ? JSON.parse(await Deno.readTextFile(c.root)) : undefined,
    };
    inputs.set(c, input);
  }
  await verifyArtifact({
    artifact: input.artifact,
    bundleText: input.bundleText,
    bundleName: c.bundle,
    policy: c.policy,
    trustedRoot: input.root,
  });
}

function childArgs(c: Case): string[] {
  return ["run", "-q", "--allow-all", "--config", CONFIG, SELF, "--once", JSON.stringify(c)];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function childColdMs(c: Case): Promise<number> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: childArgs(c),
    stdout: "piped",
    stderr: "inherit",
  })
    .output();
  if (!out.success) throw new Error("cold verification child failed");
  return Number(new TextDecoder().decode(out.stdout).trim());
}

if (Deno.args[0] === "--once") {
  // Child of a cold run: time the import of the gate and the first verification, print milliseconds.
  const start = performance.now();
  await verifyOnce(JSON.parse(Deno.args[1]));
  console.log((performance.now() - start).toFixed(2));
} else if (Deno.args[0] === "--report") {
  // `deno run --allow-all bench/verify_bench.ts --report`: medians measured inside the process.
  const mockCase = await makeMockCase();
  const rounds = 11;
  for (
    const [name, c] of [["public v0.3 (Rekor v1)", publicCase], [
      "mock-signed v0.2, 1 MiB",
      mockCase,
    ]] as const
  ) {
    const cold: number[] = [];
    for (let i = 0; i < rounds; i++) cold.push(await childColdMs(c));
    await verifyOnce(c);
    const warm: number[] = [];
    for (let i = 0; i < rounds * 5; i++) {
      const t = performance.now();
      await verifyOnce(c);
      warm.push(performance.now() - t);
    }
    console.log(
      `${name}: cold (import + first verify, in-process) median ${median(cold).toFixed(1)} ms; ` +
        `warm verify median ${median(warm).toFixed(2)} ms`,
    );
  }
}

if (Deno.args.length === 0) {
  const empty = emptyScript();
  const deno = Deno.execPath();
  const mockCase = await makeMockCase();
  // Warm runs verify in this process; do one first so the imports are paid before timing.
  await verifyOnce(publicCase);
  await verifyOnce(mockCase);

  Deno.bench({
    name: "deno run empty.ts",
    group: "verify-cold",
    baseline: true,
    n: 15,
    async fn() {
      await runToEnd(deno, ["run", "-q", empty]);
    },
  });
  Deno.bench({
    name: "cold: new process, verify public v0.3 bundle",
    group: "verify-cold",
    n: 15,
    async fn() {
      await runToEnd(deno, childArgs(publicCase));
    },
  });
  Deno.bench({
    name: "cold: new process, verify mock-signed 1 MiB",
    group: "verify-cold",
    n: 15,
    async fn() {
      await runToEnd(deno, childArgs(mockCase));
    },
  });
  Deno.bench({
    name: "warm: verify public v0.3 bundle",
    group: "verify-warm",
    baseline: true,
    async fn() {
      await verifyOnce(publicCase);
    },
  });
  Deno.bench({
    name: "warm: verify mock-signed 1 MiB",
    group: "verify-warm",
    async fn() {
      await verifyOnce(mockCase);
    },
  });
}
