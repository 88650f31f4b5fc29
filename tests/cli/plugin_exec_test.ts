/**
 * `samuel plugin exec` as a user runs it: the real CLI in a subprocess (`deno run main.ts plugin exec`).
 * Exit codes (the guest's own, 0 for a returning `_start`, 134 after a trap with the trap message),
 * stdio passthrough, argv (argv[0] is the module's file name; guest args with or without `--`),
 * exactly the given environment, `--dir` / `--dir-ro` capabilities, and usage errors (SAM-EXEC-00N,
 * exit 2).
 */

import { assertEquals, assertMatch, assertStringIncludes } from "../support/assert.ts";
import { runCli } from "../support/cli.ts";
import { fixturePath, hasFixture, snapshot } from "../wasi/helpers.ts";

function cliTest(name: string, fixtures: string[], fn: () => Promise<void>) {
  const missing = fixtures.filter((f) => !hasFixture(f));
  Deno.test({
    name: missing.length ? `${name} (skipped: ${missing.join(", ")} not built)` : name,
    ignore: missing.length > 0,
    fn,
  });
}

cliTest(
  "exit code is the guest's: return → 0, proc_exit(0) → 0, proc_exit(42) → 42",
  ["exit_codes.wasm"],
  async () => {
    const m = fixturePath("exit_codes.wasm");
    assertEquals((await runCli(["plugin", "exec", m])).code, 0);
    assertEquals((await runCli(["plugin", "exec", m, "a"])).code, 0);
    const r = await runCli(["plugin", "exec", m, "--", "a", "b"]);
    assertEquals(r.code, 42);
    assertEquals(r.stdout, "");
    assertEquals(r.stderr, "");
  },
);

cliTest("a trap exits 134 and prints the trap message and wasm backtrace", ["exit_codes.wasm"], async () => {
  const m = fixturePath("exit_codes.wasm");
  let r = await runCli(["plugin", "exec", m, "a", "b", "c"]);
  assertEquals(r.code, 134);
  assertMatch(r.stderr, /^error: wasm trap: unreachable\n/);
  assertStringIncludes(r.stderr, "wasm backtrace:");
  r = await runCli(["plugin", "exec", m, "a", "b", "c", "d"]);
  assertEquals(r.code, 134);
  assertMatch(r.stderr, /^error: wasm trap: divide by zero/);
  assertStringIncludes(r.stderr, "div");
});

cliTest("argv, exactly the given env, --inherit-env, stdin passthrough", ["echo.wasm"], async () => {
  const r = await runCli(
    [
      "plugin",
      "exec",
      "--env",
      "X=1",
      "--env=Y=a=b",
      "--inherit-env",
      "FROM_HOST",
      "--inherit-env",
      "UNSET_KEY",
      fixturePath("echo.wasm"),
      "one",
      "--",
      "two",
    ],
    { stdin: "12345", env: { FROM_HOST: "yes", OTHER_SECRET: "must not leak" } },
  );
  assertEquals(r.code, 3);
  assertEquals(
    r.stdout,
    "argv[0]=echo.wasm\nargv[1]=one\nargv[2]=--\nargv[3]=two\nenv:X=1\nenv:Y=a=b\nenv:FROM_HOST=yes\nstdin:5\n",
  );
  const r2 = await runCli(["plugin", "exec", fixturePath("echo.wasm"), "--", "--flag-for-guest"]);
  assertEquals(r2.stdout.split("\n").slice(0, 2), ["argv[0]=echo.wasm", "argv[1]=--flag-for-guest"]);
});

cliTest(
  "--dir HOST::GUEST is read-write, --dir-ro refuses every mutation, nothing leaks",
  ["escape.wasm"],
  async () => {
    const base = await Deno.realPath(await Deno.makeTempDir({ prefix: "samuel-exec-" }));
    try {
      Deno.mkdirSync(`${base}/outside`);
      Deno.mkdirSync(`${base}/rw`);
      Deno.mkdirSync(`${base}/ro/dir`, { recursive: true });
      Deno.writeTextFileSync(`${base}/outside/secret.txt`, "SECRET");
      Deno.writeTextFileSync(`${base}/ro/file.txt`, "READONLY");
      Deno.symlinkSync("file.txt", `${base}/ro/link`);
      Deno.symlinkSync(`${base}/outside/secret.txt`, `${base}/rw/planted_abs`);
      Deno.symlinkSync("../outside/secret.txt", `${base}/rw/planted_rel`);
      Deno.symlinkSync("../outside", `${base}/rw/planted_dir`);
      const outside = await snapshot(`${base}/outside`);
      const ro = await snapshot(`${base}/ro`);
      const rw = await snapshot(`${base}/rw`);
      const r = await runCli(
        // "walled": behind the outer wall a guest cannot create links at all (escape.c says why).
        [
          "plugin",
          "exec",
          "--dir",
          "rw::/rw",
          "--dir-ro",
          `${base}/ro::/ro`,
          fixturePath("escape.wasm"),
          "walled",
        ],
        { cwd: base },
      );
      assertEquals(r.stderr, "");
      assertEquals(r.code, 0);
      assertEquals(await snapshot(`${base}/outside`), outside);
      assertEquals(await snapshot(`${base}/ro`), ro);
      assertEquals(await snapshot(`${base}/rw`), rw);
      assertEquals([...Deno.readDirSync(base)].map((e) => e.name).sort(), ["outside", "ro", "rw"]);
    } finally {
      await Deno.remove(base, { recursive: true });
    }
  },
);

// paths.c, fds.c, rights.c and dirfd.c create symbolic links, which no guest can behind the outer wall
// (escape.c explains): their behaviour is tested in-process in tests/wasi/, and the refusal to create
// links by escape.wasm above. misc.c (args, env, clocks, poll, random, sockets, stdio) runs as is.
cliTest("the C conformance program misc.c passes through the CLI", ["misc.wasm"], async () => {
  const r = await runCli([
    "plugin",
    "exec",
    "--env",
    "A=1",
    "--env",
    "B=x y",
    "--env",
    "C=new\nline",
    fixturePath("misc.wasm"),
    "one",
    "two",
  ]);
  assertEquals(r.stderr, "");
  assertEquals(r.stdout, "to stdout\n");
  assertEquals(r.code, 0);
});

cliTest("a Go wasip1 program runs with a directory grant", ["hello_go.wasm"], async () => {
  const dir = await Deno.makeTempDir({ prefix: "samuel-exec-" });
  try {
    const r = await runCli(
      [
        "plugin",
        "exec",
        "--dir",
        `${dir}::/data`,
        "--env",
        "GREETING=hi",
        fixturePath("hello_go.wasm"),
        "/data",
        "0",
      ],
    );
    assertEquals(r.code, 0, r.stderr);
    assertStringIncludes(r.stdout, "greeting: hi");
    assertStringIncludes(r.stdout, "outside: refused");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

cliTest("a module importing its memory runs", ["imported_memory.wasm"], async () => {
  const r = await runCli(["plugin", "exec", fixturePath("imported_memory.wasm")]);
  assertEquals(r.code, 3);
  assertEquals(r.stdout, "imported\n");
});

cliTest(
  "a module with no memory ends with its own code: proc_exit(2) exits 2, never an internal error",
  ["no_memory_exit.wasm"],
  async () => {
    const r = await runCli(["plugin", "exec", fixturePath("no_memory_exit.wasm")]);
    assertEquals(r.stderr, "");
    assertEquals(r.stdout, "");
    assertEquals(r.code, 2);
  },
);

cliTest(
  "a module with no memory: calls that need one get EFAULT in the guest, the others work",
  ["no_memory_calls.wasm"],
  async () => {
    const r = await runCli(["plugin", "exec", fixturePath("no_memory_calls.wasm")]);
    assertEquals(r.stderr, "");
    assertEquals(r.code, 0, `failed check #${r.code}`);
  },
);

Deno.test("usage and module errors are SAM-EXEC errors with exit 2", async () => {
  const dir = await Deno.makeTempDir({ prefix: "samuel-exec-" });
  try {
    Deno.writeTextFileSync(`${dir}/bad.wasm`, "not wasm");
    const cases: [string[], string][] = [
      [["--bogus", "x.wasm"], "SAM-EXEC-001"],
      [["--dir"], "SAM-EXEC-001"],
      [["--env", "NOEQUALS", "x.wasm"], "SAM-EXEC-001"],
      [["--dir", "::/x", "x.wasm"], "SAM-EXEC-001"],
      [[`${dir}/missing.wasm`], "SAM-EXEC-002"],
      [[`${dir}/bad.wasm`], "SAM-EXEC-003"],
      [["--dir", `${dir}/nope::/x`, `${dir}/bad.wasm`], "SAM-EXEC-003"],
    ];
    for (const [args, code] of cases) {
      const r = await runCli(["plugin", "exec", ...args]);
      assertEquals(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assertStringIncludes(r.stderr, code, args.join(" "));
      assertEquals(r.stdout, "");
    }
    if (hasFixture("reactor.wasm")) {
      const r = await runCli(["plugin", "exec", fixturePath("reactor.wasm")]);
      assertEquals(r.code, 2);
      assertStringIncludes(r.stderr, "SAM-EXEC-004");
    }
    if (hasFixture("echo.wasm")) {
      const r = await runCli(["plugin", "exec", "--dir", `${dir}/nope::/x`, fixturePath("echo.wasm")]);
      assertEquals(r.code, 2);
      assertStringIncludes(r.stderr, "SAM-EXEC-005");
    }
    const missingImport = `${dir}/needs.wasm`;
    Deno.writeFileSync(
      missingImport,
      await (await import("../support/wat.ts")).wat2wasm(
        `(module (import "env" "host_thing" (func (param i32))) (import "samuel" "nope" (func))
           (memory (export "memory") 1) (func (export "_start")))`,
      ),
    );
    const r = await runCli(["plugin", "exec", missingImport]);
    assertEquals(r.code, 2);
    assertStringIncludes(r.stderr, "SAM-EXEC-006");
    assertStringIncludes(r.stderr, "env.host_thing");
    assertStringIncludes(r.stderr, "samuel.nope");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
