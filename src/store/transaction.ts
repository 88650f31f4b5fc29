/**
 * The commit of an install, update or uninstall: one plugin folder under `.samuel/plugins/`, `samuel.toml`
 * and `samuel.lock` change together or not at all (DESIGN.md 6, step 5). The caller holds the project lock
 * (`withProjectLock`) and has staged the new folder with `makeStagingDir` *after* `recoverInterrupted`
 * (staging sweeps leftovers in a way that would keep a crashed transaction's new folder).
 *
 * How: before the first visible change, a journal `.samuel/transaction.json` records the original bytes of
 * `samuel.toml` and `samuel.lock`, the plugin folder, whether it existed, and the exact name its backup will
 * get. Then: old folder -> backup, staged -> folder, write `samuel.toml`, write `samuel.lock`, delete the
 * journal (the commit point), delete the backup. Every file write is atomic (`writeFileAtomic`).
 *
 * - An error before the commit point is rolled back at once: folder restored, both files rewritten with
 *   their original bytes (or removed when they did not exist), journal deleted. The error is rethrown.
 * - Ctrl-C (SIGINT) during the commit is deferred to the next step boundary and rolled back the same way
 *   (`SAM-INSTALL-010`); one that arrives after the last write lets the change complete.
 * - A killed process leaves the journal; the next samuel command that takes the project lock calls
 *   `recoverInterrupted`, which performs the same rollback. Until then the files may show the half-done
 *   state, and readers (`ls`, `run`) can detect it with `hasPendingTransaction`.
 *
 * Test-only hooks (documented here, not user settings): `SAMUEL_TEST_CRASH_AT=<step>` exits the process
 * with code 99 right after that step, without any cleanup (as a kill would); `SAMUEL_TEST_FAIL_AT=<step>`
 * throws there (an in-process failure); `SAMUEL_TEST_PAUSE_AT=<step>` prints `[test] paused at <step>` on
 * stderr and waits `SAMUEL_TEST_PAUSE_MS` (default 3000) so a test can send SIGINT or race another
 * process. Steps: `after-stage`, `after-journal`, `after-backup`, `after-swap`, `after-config`,
 * `after-lock`, `after-commit`.
 *
 * Leftover folders: staging folders (`.staging-*`) and backups (`.txn-old-*`) of a killed process are
 * removed by `recoverInterrupted` once the journal is settled (see `sweepLeftovers`).
 */

import { writeFileAtomic } from "../project/atomic.ts";
import { acquireProjectLock } from "../project/file_lock.ts";
import { emptyLockfile, type Lockfile, parseLockfile, serializeLockfile } from "../project/lockfile.ts";
import { basename, dirname, join, pluginDir, projectPaths, STATE_GITIGNORE } from "../project/paths.ts";
import { exists } from "../project/fs.ts";
import { envGet } from "../env.ts";
import { isSamuelError, type SamuelError, samuelError } from "../errors.ts";

export const JOURNAL_FILE = "transaction.json";
/**
 * Backups of replaced plugin folders. Not `.old-*`: `sweepStaleDirs` would put a backup back when its
 * folder is missing, which after a committed uninstall is wrong; these are only ever settled here.
 */
export const BACKUP_PREFIX = ".txn-old-";

export type Step =
  | "after-stage"
  | "after-journal"
  | "after-backup"
  | "after-swap"
  | "after-config"
  | "after-lock"
  | "after-commit";

interface Journal {
  version: 1;
  pid: number;
  plugin: string;
  /** The plugin folder. */
  dir: string;
  /** True when the folder did not exist before: any folder found there on rollback is the new one. */
  fresh: boolean;
  /** Where the previous folder is moved; null when fresh. */
  backup: string | null;
  config: { path: string; text: string | null };
  lock: { path: string; text: string | null };
  startedAt: string;
}

export interface ProjectChange {
  plugin: string;
  /** The staged folder that becomes `.samuel/plugins/<plugin>`, or null to remove that folder. */
  staged: string | null;
  /** Edits `samuel.toml`'s text; omitted leaves it alone. */
  editConfig?: (text: string, file: string) => string;
  /**
   * The text `editConfig` starts from when there is no `samuel.toml` yet (an install that makes the folder
   * a project); omitted, a missing samuel.toml stays missing. The journal records it as absent, so a
   * rollback removes the new file.
   */
  createConfig?: string;
  /** Edits the lock. */
  editLock: (lock: Lockfile) => Lockfile;
}

export interface ChangeResult {
  configChanged: boolean;
  /** True when the change wrote a samuel.toml where there was none (`createConfig`). */
  configCreated: boolean;
  lockChanged: boolean;
}

/** Runs the test hooks for `step` (see module doc). */
export async function testHook(step: Step): Promise<void> {
  if (envGet("SAMUEL_TEST_CRASH_AT") === step) Deno.exit(99);
  if (envGet("SAMUEL_TEST_FAIL_AT") === step) {
    throw new Error(`injected failure at ${step} (SAMUEL_TEST_FAIL_AT)`);
  }
  if (envGet("SAMUEL_TEST_PAUSE_AT") === step) {
    await Deno.stderr.write(new TextEncoder().encode(`[test] paused at ${step}\n`));
    await new Promise((resolve) => setTimeout(resolve, Number(envGet("SAMUEL_TEST_PAUSE_MS") ?? 3000)));
  }
}

async function readTextIfExists(path: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

/**
 * The journal could not be read or written (a directory or an unreadable file where samuel keeps it): nothing
 * of the change has been made yet, so the project is as it was. A full disk keeps its own error.
 */
function journalUnusable(path: string, cause: unknown): SamuelError {
  if (isSamuelError(cause)) return cause;
  return samuelError("SAM-INSTALL-015", {
    message: `the transaction journal ${path} cannot be used; the project was left as it was`,
    cause: cause instanceof Error ? cause.message : String(cause),
    fix:
      `it is samuel's own state file: move it away or remove it (rm -r '${path}'), then run the command again`,
  });
}

function journalPath(root: string): string {
  return join(projectPaths(root).stateDir, JOURNAL_FILE);
}

/** True when a killed transaction's journal is waiting to be rolled back. */
export function hasJournal(root: string): boolean {
  try {
    Deno.statSync(journalPath(root));
    return true;
  } catch {
    return false;
  }
}

/** True when a transaction was interrupted and not yet rolled back (or left folders to clean). */
export function hasPendingTransaction(root: string): boolean {
  return hasJournal(root) || hasLeftovers(root);
}

async function restoreFile(path: string, text: string | null): Promise<void> {
  const now = await readTextIfExists(path);
  if (now === text) return;
  if (text === null) await Deno.remove(path);
  else await writeFileAtomic(path, text);
}

async function rollback(j: Journal): Promise<void> {
  if (j.fresh) {
    if (await exists(j.dir)) await Deno.remove(j.dir, { recursive: true });
  } else if (j.backup && await exists(j.backup)) {
    if (await exists(j.dir)) await Deno.remove(j.dir, { recursive: true });
    await Deno.rename(j.backup, j.dir);
  }
  await restoreFile(j.config.path, j.config.text);
  await restoreFile(j.lock.path, j.lock.text);
}

/**
 * Rolls back a transaction a killed process left behind. The caller holds the project lock. Returns the
 * plugin name it repaired, or undefined when there was nothing to do.
 */
export async function recoverInterrupted(root: string): Promise<string | undefined> {
  const path = journalPath(root);
  let text: string | null;
  try {
    text = await readTextIfExists(path);
  } catch (e) {
    throw journalUnusable(path, e);
  }
  let repaired: string | undefined;
  if (text !== null) {
    let j: Journal | undefined;
    try {
      j = JSON.parse(text) as Journal;
    } catch {
      // A journal is written atomically, so a garbled one was never acted on: nothing else changed.
    }
    if (j) {
      await rollback(j);
      repaired = j.plugin;
    }
    await Deno.remove(path);
  }
  await sweepLeftovers(root);
  return repaired;
}

/**
 * Repairs what a killed process left (journal, folders) before a command reads or changes the project.
 * `waitMs` 0 (for read-only commands) gives up at once when another process holds the lock. Returns true
 * when something is still pending (the lock was busy).
 */
export async function repairIfNeeded(
  root: string,
  warn: (message: string) => void,
  waitMs?: number,
): Promise<boolean> {
  if (!hasPendingTransaction(root)) return false;
  let lock;
  try {
    lock = await acquireProjectLock(root, { waitMs });
  } catch (e) {
    if (waitMs === 0) return true;
    throw e;
  }
  try {
    const name = await recoverInterrupted(root);
    if (name) warn(`rolled back an interrupted change to ${name}`);
  } finally {
    await lock.release();
  }
  return false;
}

/** The leftovers of a killed process in the plugins folder (staging folders, backups), by name. */
export function leftoverFolders(root: string): string[] {
  const names: string[] = [];
  try {
    for (const e of Deno.readDirSync(projectPaths(root).pluginsDir)) {
      if (e.name.startsWith(BACKUP_PREFIX) || e.name.startsWith(".staging-")) names.push(e.name);
    }
  } catch { /* no plugins folder */ }
  return names.sort();
}

/** True when the plugins folder holds leftovers of a killed process (staging folders, backups). */
export function hasLeftovers(root: string): boolean {
  return leftoverFolders(root).length > 0;
}

/**
 * With no journal left, a backup belongs to a committed change (the journal is deleted before the backup)
 * and a staging folder to a process that died before committing: both go. The caller holds the lock, so
 * no live transaction owns them.
 */
async function sweepLeftovers(root: string): Promise<void> {
  const dir = projectPaths(root).pluginsDir;
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch {
    return;
  }
  for (const e of entries) {
    if (!e.name.startsWith(BACKUP_PREFIX) && !e.name.startsWith(".staging-")) continue;
    try {
      await Deno.remove(join(dir, e.name), { recursive: true });
    } catch { /* best effort */ }
  }
}

function randomSuffix(): string {
  return crypto.getRandomValues(new Uint32Array(2)).reduce((s, n) => s + n.toString(36), "");
}

/**
 * Applies `change` all or nothing (see module doc). The caller holds the project lock and has run
 * `recoverInterrupted`.
 */
export async function applyChange(root: string, change: ProjectChange): Promise<ChangeResult> {
  const plan = await planChange(root, change);
  const { journal } = plan;
  const ctrlC = new DeferredSigint();
  try {
    await Deno.mkdir(projectPaths(root).stateDir, { recursive: true });
    try {
      await writeFileAtomic(journalPath(root), JSON.stringify(journal, null, 2) + "\n");
    } catch (e) {
      throw journalUnusable(journalPath(root), e);
    }
    try {
      await swapIn(plan, change, ctrlC);
    } catch (e) {
      await rollbackNow(root, journal, change, e);
      throw e;
    }
  } finally {
    // Also when the journal could not be written: a listener left behind would swallow every later Ctrl-C.
    ctrlC.close();
  }
  // The commit point: from here on the change stays.
  await Deno.remove(journalPath(root));
  await testHook("after-commit");
  await ensureStateGitignore(root);
  if (journal.backup) {
    try {
      await Deno.remove(journal.backup, { recursive: true });
    } catch { /* a leftover backup is removed by the next recoverInterrupted */ }
  }
  return {
    configChanged: plan.nextConfig !== plan.configText,
    configCreated: plan.configText === null && plan.nextConfig !== null,
    lockChanged: plan.nextLockText !== plan.lockText,
  };
}

/** A change worked out in full before the first visible change: both files' texts before and after. */
interface ChangePlan {
  journal: Journal;
  configText: string | null;
  nextConfig: string | null;
  lockText: string | null;
  nextLockText: string;
}

async function planChange(root: string, change: ProjectChange): Promise<ChangePlan> {
  const paths = projectPaths(root);
  const dir = pluginDir(root, change.plugin);
  const configText = await readTextIfExists(paths.config);
  const lockText = await readTextIfExists(paths.lockfile);
  const baseConfig = configText ?? change.createConfig ?? null;
  const nextConfig = change.editConfig && baseConfig !== null
    ? change.editConfig(baseConfig, paths.config)
    : configText;
  const lock = lockText === null ? emptyLockfile() : parseLockfile(lockText, paths.lockfile);
  const nextLockText = serializeLockfile(change.editLock(lock));
  const fresh = !(await exists(dir));
  const journal: Journal = {
    version: 1,
    pid: Deno.pid,
    plugin: change.plugin,
    dir,
    fresh,
    backup: fresh
      ? null
      : join(dirname(dir), `${BACKUP_PREFIX}${basename(dir)}-${Deno.pid}-${randomSuffix()}`),
    config: { path: paths.config, text: configText },
    lock: { path: paths.lockfile, text: lockText },
    startedAt: new Date().toISOString(),
  };
  return { journal, configText, nextConfig, lockText, nextLockText };
}

/** Holds a Ctrl-C until the next step boundary, where `step` turns it into SAM-INSTALL-010. */
class DeferredSigint {
  interrupted = false;
  readonly #onSigint = () => (this.interrupted = true);
  #listening = false;

  constructor() {
    try {
      Deno.addSignalListener("SIGINT", this.#onSigint);
      this.#listening = true;
    } catch { /* not supported here (Windows without a console): a Ctrl-C kills, recovery repairs */ }
  }

  async step(s: Step, change: ProjectChange): Promise<void> {
    await testHook(s);
    if (this.interrupted) {
      throw samuelError("SAM-INSTALL-010", {
        message: "interrupted (Ctrl-C); the project was left as it was",
        fix: `run the command again to ${change.staged ? "install" : "remove"} ${change.plugin}`,
      });
    }
  }

  close(): void {
    if (this.#listening) Deno.removeSignalListener("SIGINT", this.#onSigint);
  }
}

/** The visible changes, in the journal's order: backup, swap, samuel.toml, samuel.lock. */
async function swapIn(plan: ChangePlan, change: ProjectChange, ctrlC: DeferredSigint): Promise<void> {
  const { journal } = plan;
  await ctrlC.step("after-journal", change);
  if (journal.backup) await Deno.rename(journal.dir, journal.backup);
  await ctrlC.step("after-backup", change);
  if (change.staged) await Deno.rename(change.staged, journal.dir);
  await ctrlC.step("after-swap", change);
  if (plan.nextConfig !== plan.configText && plan.nextConfig !== null) {
    await writeFileAtomic(journal.config.path, plan.nextConfig);
  }
  await ctrlC.step("after-config", change);
  if (plan.nextLockText !== plan.lockText) await writeFileAtomic(journal.lock.path, plan.nextLockText);
  await ctrlC.step("after-lock", change);
}

/** Undoes a failed change at once; when that fails too, the journal stays and the error says so. */
async function rollbackNow(root: string, journal: Journal, change: ProjectChange, e: unknown): Promise<void> {
  try {
    await rollback(journal);
    await Deno.remove(journalPath(root));
  } catch (inner) {
    // The journal stays: the next command retries the rollback.
    throw samuelError("SAM-INSTALL-011", {
      message: `the change to ${change.plugin} failed and could not be rolled back yet: ${String(inner)}`,
      cause: e instanceof Error ? e.message : String(e),
      fix: "run any samuel command in this project (e.g. samuel ls) to finish the rollback",
      inner: e,
    });
  }
}

/**
 * A project whose samuel.toml was written by hand has no `.samuel/.gitignore`; without it the installed
 * modules would show up in `git status`. Written after a successful change only, never on rollback.
 */
async function ensureStateGitignore(root: string): Promise<void> {
  const path = projectPaths(root).stateGitignore;
  try {
    await Deno.lstat(path);
  } catch {
    try {
      await writeFileAtomic(path, STATE_GITIGNORE);
    } catch { /* cosmetic */ }
  }
}
