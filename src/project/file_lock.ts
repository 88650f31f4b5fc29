/**
 * The advisory lock that serialises every mutation of a project (install, update, uninstall, init)
 * across processes: a second samuel waits a bounded time, then fails with exit code 5 (DESIGN.md
 * section 6) naming the process that holds it.
 *
 * Mechanism: an OS file lock (`flock` on POSIX, `LockFileEx` on Windows) on `<root>/.samuel/lock`, taken
 * with `Deno.FsFile.tryLock()` and polled with backoff until the deadline. Why not an exclusive-create
 * lock file with a pid in it: such a file outlives a crashed or killed process and needs stale-lock
 * guessing (is the pid alive? was it reused?), which is racy. The kernel drops an OS lock when its holder
 * exits however it exits, so a stale lock cannot exist; and `tryLock` never blocks, so the wait is
 * bounded without a helper process. The file itself is never deleted (deleting a locked file lets two
 * processes lock two different inodes); the holder writes its pid, command and start time into it only
 * so a waiter can say who it is waiting for. Known limit: some network filesystems do not implement
 * `flock` across machines; samuel projects are expected on a local disk.
 *
 * The lock is not re-entrant: a nested `withProjectLock` on the same project in one process waits for
 * itself and fails; pass the `HeldLock` down instead.
 */

import { samuelError } from "../errors.ts";
import { projectPaths } from "./paths.ts";
import { envGet } from "../env.ts";

/** Default bounded wait before giving up with exit code 5. */
export const DEFAULT_LOCK_WAIT_MS = 10_000;
/** Environment override of the wait, in milliseconds (tests use small values). */
export const LOCK_WAIT_ENV = "SAMUEL_LOCK_WAIT_MS";

/** What the holder writes into the lock file, for waiters' messages. */
export interface LockHolder {
  pid: number;
  hostname?: string;
  command?: string;
  /** RFC 3339 time the lock was taken. */
  since: string;
}

/** Proof that this process holds a project's lock. */
export interface HeldLock {
  readonly root: string;
  /** The lock file path. */
  readonly path: string;
  /** Releases the lock; idempotent. */
  release(): Promise<void>;
}

export interface LockOptions {
  /** Longest wait for a busy lock; default `SAMUEL_LOCK_WAIT_MS`, else 10 s. 0 means try once. */
  waitMs?: number;
  /** Shown to waiting processes; default `samuel <args>`. */
  command?: string;
  /** Called once when the lock is busy and we start waiting (e.g. to print "waiting for pid N"). */
  onWait?: (holder: LockHolder | undefined) => void;
}

const encoder = new TextEncoder();

/** The effective wait: explicit option, else `SAMUEL_LOCK_WAIT_MS`, else the default. */
export function lockWaitMs(explicit?: number, env: (key: string) => string | undefined = envGet): number {
  if (explicit !== undefined) return Math.max(0, explicit);
  const raw = env(LOCK_WAIT_ENV);
  if (raw === undefined || raw.trim() === "") return DEFAULT_LOCK_WAIT_MS;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) {
    throw samuelError("SAM-LOCK-003", {
      message: `${LOCK_WAIT_ENV}=${JSON.stringify(raw)} is not a number of milliseconds`,
      fix:
        `set ${LOCK_WAIT_ENV} to a whole number such as 30000, or unset it for the default (${DEFAULT_LOCK_WAIT_MS})`,
    });
  }
  return Math.floor(n);
}

/** Reads the holder record from a lock file; undefined when absent, unreadable or malformed. */
export function readLockHolder(path: string): LockHolder | undefined {
  try {
    const value = JSON.parse(Deno.readTextFileSync(path));
    if (
      value && typeof value === "object" && Number.isInteger(value.pid) && typeof value.since === "string"
    ) {
      return value as LockHolder;
    }
  } catch {
    // Empty (released), half-written, or unreadable (Windows locks are mandatory for reads too).
  }
  return undefined;
}

function describeHolder(holder: LockHolder | undefined): string {
  if (!holder) return "another process";
  const parts = [`pid ${holder.pid}`];
  if (holder.hostname) parts.push(`on ${holder.hostname}`);
  if (holder.command) parts.push(`running \`${holder.command}\``);
  parts.push(`since ${holder.since}`);
  return `another process (${parts.join(", ")})`;
}

function hostname(): string | undefined {
  try {
    return Deno.hostname();
  } catch {
    return undefined;
  }
}

function defaultCommand(): string {
  const cmd = ["samuel", ...Deno.args].join(" ");
  return cmd.length > 200 ? cmd.slice(0, 197) + "..." : cmd;
}

async function openLockFile(root: string, path: string, stateDir: string): Promise<Deno.FsFile> {
  try {
    await Deno.mkdir(stateDir, { recursive: true });
    // No truncate: the current holder's record must survive our open.
    return await Deno.open(path, { read: true, write: true, create: true });
  } catch (e) {
    throw samuelError("SAM-LOCK-002", {
      message: `cannot open the project lock file ${path}`,
      cause: e instanceof Error ? e.message : String(e),
      fix: `make sure ${root} is writable by this user (samuel keeps its state in ${stateDir})`,
      inner: e,
    });
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Takes the project's mutation lock, waiting up to the bounded time. Throws `SAM-LOCK-001` (exit 5) when
 * it stays busy. The caller must `release()` it; prefer `withProjectLock`.
 */
export async function acquireProjectLock(root: string, options: LockOptions = {}): Promise<HeldLock> {
  const waitMs = lockWaitMs(options.waitMs);
  const { mutationLock: path, stateDir } = projectPaths(root);
  const file = await openLockFile(root, path, stateDir);
  const deadline = Date.now() + waitMs;
  let delay = 10;
  let notified = false;
  try {
    while (!(await file.tryLock(true))) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        const holder = readLockHolder(path);
        throw samuelError("SAM-LOCK-001", {
          message: `${describeHolder(holder)} is changing this project; gave up after ${waitMs} ms`,
          cause: `the project lock ${path} is held`,
          fix:
            `wait for that command to finish and retry${
              holder ? ` (or stop it: kill ${holder.pid})` : ""
            }; ` +
            `the lock is released automatically when its process exits, so do not delete the file. ` +
            `To wait longer, set ${LOCK_WAIT_ENV} (milliseconds).`,
          details: { lock: path, holder: holder ?? null, waited_ms: waitMs },
        });
      }
      if (!notified) {
        notified = true;
        options.onWait?.(readLockHolder(path));
      }
      await sleep(Math.min(delay, remaining));
      delay = Math.min(delay * 2, 200);
    }
  } catch (e) {
    file.close();
    throw e;
  }

  const holder: LockHolder = {
    pid: Deno.pid,
    hostname: hostname(),
    command: options.command ?? defaultCommand(),
    since: new Date().toISOString(),
  };
  try {
    await file.truncate(0);
    await file.write(encoder.encode(JSON.stringify(holder) + "\n"));
  } catch {
    // The record is informational only; holding the lock is what matters.
  }

  let released = false;
  return {
    root,
    path,
    async release() {
      if (released) return;
      released = true;
      try {
        await file.truncate(0);
      } catch { /* informational */ }
      try {
        await file.unlock();
      } finally {
        file.close();
      }
    },
  };
}

/**
 * Runs `fn` while holding the project's mutation lock; releases it when `fn` settles, success or error.
 * A process that dies inside `fn` releases it too (the OS drops the lock).
 */
export async function withProjectLock<T>(
  root: string,
  fn: (lock: HeldLock) => Promise<T> | T,
  options: LockOptions = {},
): Promise<T> {
  const lock = await acquireProjectLock(root, options);
  try {
    return await fn(lock);
  } finally {
    await lock.release();
  }
}
