/**
 * Issue 17, section 3, through the real CLI with the samuel process's peak memory measured: two
 * decompression bombs (one member of 512 MiB of zeros; 512 members of 1 MiB) installed from file://, and
 * an endless download without Content-Length in 8 KiB chunks installed from a (fake) GitHub release. Each
 * is refused (nothing written) and samuel's peak RSS stays within a small multiple of the 256 MiB caps;
 * before, each bomb peaked at about twice its expanded size (1.07 GB here; the whole bomb was inflated
 * before the cap applied) and the download at 1.6 GB (every 8 KiB chunk kept a much larger buffer alive).
 */

import { assert, assertEquals } from "../support/assert.ts";
import { CAN_MEASURE_RSS, runCliPeak } from "../support/peak_rss.ts";
import { FakeGitHub } from "../support/fake_github.ts";
import { gzipBomb } from "./tar_helper.ts";
import { snapshot } from "../install/helpers.ts";

const MiB = 1024 * 1024;
/** A refused bomb holds next to nothing; the bound leaves room for Deno itself (~100 MB) and noise. */
const BOMB_BOUND = 400 * MiB;
/** An endless body is held up to the 256 MiB module cap before it is refused: cap + Deno + garbage. */
const DOWNLOAD_BOUND = 640 * MiB;

async function project(): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "samuel-memory-" });
  await Deno.writeTextFile(`${root}/samuel.toml`, "# the user's file\n");
  return root;
}

const mb = (n: number) => `${(n / MiB).toFixed(0)} MiB`;

for (const kind of ["huge", "many"] as const) {
  Deno.test({
    name:
      `a gzip bomb (${
        kind === "huge" ? "one 512 MiB member" : "512 members of 1 MiB"
      }) is refused with exit 2 ` +
      `and samuel's peak memory under ${mb(BOMB_BOUND)} (Linux/macOS: measured with /usr/bin/time or /proc)`,
    ignore: !CAN_MEASURE_RSS,
    async fn() {
      const root = await project();
      try {
        const archive = `${root}/bomb.tar.gz`;
        await Deno.writeFile(archive, await gzipBomb(kind, 512 * MiB));
        const before = await snapshot(root);
        const r = await runCliPeak(["install", `file://${archive}`, "--allow-unsigned", "--yes", "--json"], {
          cwd: root,
          env: { SAMUEL_HOME: `${root}/.home` },
        });
        assertEquals(r.code, 2, r.stdout + r.stderr);
        assertEquals(r.json.error.code, "SAM-ARCHIVE-005");
        assert(
          r.peakRssBytes < BOMB_BOUND,
          `peak RSS ${mb(r.peakRssBytes)} (${r.how}), bound ${mb(BOMB_BOUND)}: ${r.json.error.message}`,
        );
        const after = await snapshot(root);
        for (const k of Object.keys(after)) if (k.startsWith(".home")) delete after[k];
        assertEquals(after, before, "nothing written in the project");
      } finally {
        await Deno.remove(root, { recursive: true });
      }
    },
  });
}

Deno.test({
  name:
    `an endless download without Content-Length (8 KiB chunks) stops at the 256 MiB cap with samuel's peak ` +
    `memory under ${mb(DOWNLOAD_BOUND)} (Linux/macOS: measured with /usr/bin/time or /proc)`,
  ignore: !CAN_MEASURE_RSS,
  async fn() {
    await using gh = await FakeGitHub.start();
    gh.release("acme", "endless", "v1.0.0", {
      "samuel-plugin.toml": 'name = "endless"\nversion = "1.0.0"\nkind = "wasm"\nsummary = "s"\n' +
        '[wasm]\nmodule = "plugin.wasm"\nexports = ["lint"]\n',
      "plugin.wasm": { size: 64 * 1024 * MiB, contentLength: false, chunkSize: 8 * 1024 },
    });
    const root = await project();
    try {
      const before = await snapshot(root);
      const r = await runCliPeak(["install", "acme/endless@v1.0.0", "--yes", "--json"], {
        cwd: root,
        env: { ...gh.env, SAMUEL_HOME: `${root}/.home`, SAMUEL_DOWNLOAD_RETRIES: "0" },
      });
      assertEquals(r.json?.error?.code, "SAM-DOWNLOAD-004", r.stdout + r.stderr);
      assertEquals(r.code, 1);
      const sent = gh.bytesSent("/acme/endless/releases/download/v1.0.0/plugin.wasm");
      assert(sent < 300 * MiB, `the server sent ${mb(sent)}: the client went on past its cap`);
      assert(
        r.peakRssBytes < DOWNLOAD_BOUND,
        `peak RSS ${mb(r.peakRssBytes)} (${r.how}), bound ${mb(DOWNLOAD_BOUND)}`,
      );
      const after = await snapshot(root);
      for (const k of Object.keys(after)) if (k.startsWith(".home")) delete after[k];
      assertEquals(after, before, "nothing written in the project");
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});
