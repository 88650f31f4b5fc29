import {
  acquireProjectLock,
  DEFAULT_LOCK_WAIT_MS,
  lockWaitMs,
  readLockHolder,
  withProjectLock,
} from "../../src/project/file_lock.ts";
import { isSamuelError, type SamuelError } from "../../src/errors.ts";
import {
  assert,
  assertEquals,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "../support/assert.ts";

const HOLDER = new URL("./support/lock_holder.ts", import.meta.url).pathname;

interface Holder {
  child: Deno.ChildProcess;
  /** Resolves with the next stdout line. */
  nextLine(): Promise<string>;
  /** Everything the child printed, once it exited. */
  done(): Promise<{ code: number; lines: string[] }>;
}

function spawnHolder(root: string, hold: string, wait?: number, env: Record<string, string> = {}): Holder {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", HOLDER, root, hold, ...(wait === undefined ? [] : [String(wait)])],
    stdout: "piped",
    stderr: "inherit",
    env,
  }).spawn();
  const lines: string[] = [];
  const waiters: ((line: string) => void)[] = [];
  let buffer = "";
  const pump = (async () => {
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      buffer += chunk;
      let nl;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        lines.push(line);
        waiters.shift()?.(line);
      }
    }
  })();
  let consumed = 0;
  return {
    child,
    nextLine() {
      if (consumed < lines.length) return Promise.resolve(lines[consumed++]);
      consumed++;
      return new Promise((resolve) => waiters.push(resolve));
    },
    async done() {
      const { code } = await child.status;
      await pump;
      return { code, lines };
    },
  };
}

async function withTempRoot(fn: (root: string) => Promise<void>) {
  const root = await Deno.makeTempDir();
  try {
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("a second process waits for the first to release, then gets the lock", () =>
  withTempRoot(async (root) => {
    const a = spawnHolder(root, "1200");
    assert((await a.nextLine()).startsWith("LOCKED"));
    const b = spawnHolder(root, "0", 15000);
    const bLocked = Number((await b.nextLine()).split(" ")[1]);
    const aReleased = Number((await a.nextLine()).split(" ")[1]);
    assert(bLocked >= aReleased, `B locked at ${bLocked}, before A released at ${aReleased}`);
    assertEquals((await a.done()).code, 0);
    assertEquals((await b.done()).code, 0);
  }));

Deno.test("with a short wait the second process fails with exit 5 and SAM-LOCK-001 naming the holder", () =>
  withTempRoot(async (root) => {
    const a = spawnHolder(root, "forever");
    try {
      assert((await a.nextLine()).startsWith("LOCKED"));
      const started = Date.now();
      const b = spawnHolder(root, "0", 300);
      const { code, lines } = await b.done();
      assertEquals(code, 5);
      const info = JSON.parse(lines[0]);
      assertEquals(info.code, "SAM-LOCK-001");
      assertStringIncludes(info.message, `pid ${a.child.pid}`);
      assertStringIncludes(info.message, "lock_holder test");
      assertStringIncludes(info.fix, `kill ${a.child.pid}`);
      assertStringIncludes(info.fix, "SAMUEL_LOCK_WAIT_MS");
      assert(Date.now() - started >= 300);
    } finally {
      a.child.kill("SIGKILL");
      await a.done();
    }
  }));

Deno.test("SAMUEL_LOCK_WAIT_MS bounds the wait of a process that sets none", () =>
  withTempRoot(async (root) => {
    const a = spawnHolder(root, "forever");
    try {
      await a.nextLine();
      const b = spawnHolder(root, "0", undefined, { SAMUEL_LOCK_WAIT_MS: "100" });
      assertEquals((await b.done()).code, 5);
    } finally {
      a.child.kill("SIGKILL");
      await a.done();
    }
  }));

Deno.test("a lock left by a killed process is recovered at once", () =>
  withTempRoot(async (root) => {
    const a = spawnHolder(root, "forever");
    await a.nextLine();
    a.child.kill("SIGKILL");
    await a.done();
    // The holder record is still in the file, but the OS released the lock with the process.
    assertEquals(readLockHolder(`${root}/.samuel/lock`)?.pid, a.child.pid);
    const b = spawnHolder(root, "0", 0);
    assertEquals((await b.done()).code, 0);
  }));

Deno.test("in one process: the lock is exclusive, released after success and after an error", () =>
  withTempRoot(async (root) => {
    const held = await acquireProjectLock(root, { command: "test" });
    assertEquals(readLockHolder(held.path)?.pid, Deno.pid);
    let waited = false;
    await assertRejects(
      () => acquireProjectLock(root, { waitMs: 50, onWait: () => waited = true }),
      (e) => {
        assert(isSamuelError(e));
        assertEquals((e as SamuelError).code, "SAM-LOCK-001");
        assertEquals((e as SamuelError).exit, 5);
      },
    );
    assert(waited, "onWait is called when the lock is busy");
    await held.release();
    await held.release(); // idempotent
    assertEquals(readLockHolder(held.path), undefined, "record cleared on release");

    await assertRejects(() => withProjectLock(root, () => Promise.reject(new Error("boom")), { waitMs: 0 }));
    assertEquals(await withProjectLock(root, () => 42, { waitMs: 0 }), 42);
  }));

Deno.test("lock wait: explicit option, then env, then default; bad env is an error", () => {
  const env = (v?: string) => (k: string) => k === "SAMUEL_LOCK_WAIT_MS" ? v : undefined;
  assertEquals(lockWaitMs(undefined, env()), DEFAULT_LOCK_WAIT_MS);
  assertEquals(lockWaitMs(undefined, env("250")), 250);
  assertEquals(lockWaitMs(7, env("250")), 7);
  assertThrows(() => lockWaitMs(undefined, env("soon")), (e) => {
    assertEquals((e as SamuelError).code, "SAM-LOCK-003");
  });
});
