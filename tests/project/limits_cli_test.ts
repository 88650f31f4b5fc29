/**
 * Issue 17, section 2, through the real CLI: a samuel.toml or samuel.lock with a table header of 20,000
 * dotted parts (40 KB) used to make `ls`, `install` and the rest take cubic time in the position scanner
 * (55 s at 8,000 parts, still running after 10 minutes at 20,000). Now every command refuses it at once
 * with the file's limit code, the line, and exit 2, and changes nothing.
 */

import { assert, assertEquals, assertStringIncludes } from "../support/assert.ts";
import { runCli } from "../support/cli.ts";
import { defaultConfigText } from "../../src/project/config.ts";

/** A command that takes longer than this is a regression (the old scanner needed minutes). */
const BOUND_MS = 10_000;
const HEADER = `[${Array.from({ length: 20_000 }, () => "a").join(".")}]\nx = 1\n`;

async function project(config: string, lock?: string): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "samuel-limits-cli-" });
  await Deno.writeTextFile(`${root}/samuel.toml`, config);
  if (lock !== undefined) await Deno.writeTextFile(`${root}/samuel.lock`, lock);
  return root;
}

async function refusedFast(root: string, args: string[], code: string, line: number) {
  const before = [
    await Deno.readTextFile(`${root}/samuel.toml`),
    await Deno.readTextFile(`${root}/samuel.lock`).catch(() => null),
  ];
  const started = performance.now();
  const r = await runCli([...args, "--json"], {
    cwd: root,
    env: { SAMUEL_HOME: `${root}/.home` },
    timeoutMs: 6 * BOUND_MS,
  });
  const ms = performance.now() - started;
  assert(
    !r.timedOut && ms < BOUND_MS,
    `samuel ${args.join(" ")} took ${ms.toFixed(0)} ms (bound ${BOUND_MS})`,
  );
  assertEquals(r.code, 2, `samuel ${args.join(" ")}: ${r.stdout}${r.stderr}`);
  assertStringIncludes(r.stdout, code, args.join(" "));
  assertStringIncludes(r.stdout, `:${line}: too deeply nested`, args.join(" "));
  assert(!/^\s+at /m.test(r.stderr), `no stack trace: ${r.stderr}`);
  const after = [
    await Deno.readTextFile(`${root}/samuel.toml`),
    await Deno.readTextFile(`${root}/samuel.lock`).catch(() => null),
  ];
  assertEquals(after, before, "nothing changed");
}

Deno.test("a 20,000-part table header in samuel.toml: ls, install, info, doctor, update, uninstall exit 2 with SAM-CONFIG-010 in seconds; run does not read it", async () => {
  const config = defaultConfigText();
  const root = await project(config + "\n" + HEADER);
  const line = config.split("\n").length + 1;
  try {
    for (
      const args of [["ls"], ["install"], ["info", "x"], ["doctor"], ["update"], ["uninstall", "x"]]
    ) {
      await refusedFast(root, args, "SAM-CONFIG-010", line);
    }
    // `run` reads samuel.toml only when the module cache must store (its budget): before that it answers
    // from samuel.lock, here that nothing named x is installed, as fast.
    const started = performance.now();
    const r = await runCli(["run", "x", "--json"], { cwd: root, env: { SAMUEL_HOME: `${root}/.home` } });
    assert(performance.now() - started < BOUND_MS, "run took too long");
    assertEquals([r.code, r.json?.error?.code], [2, "SAM-RUN-001"], r.stdout + r.stderr);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a 20,000-part table header in samuel.lock: ls, install, doctor, run exit 2 with SAM-LOCKFILE-010 in seconds", async () => {
  const lock = "# samuel.lock\nversion = 1\n";
  const root = await project(defaultConfigText(), lock + HEADER);
  try {
    for (const args of [["ls"], ["install"], ["doctor"], ["run", "x"]]) {
      await refusedFast(root, args, "SAM-LOCKFILE-010", 3);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
