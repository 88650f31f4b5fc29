/**
 * The run index: what `samuel run` learned about a project's samuel.lock and installed manifests, so that
 * the next run can take them as they were instead of parsing and hashing them again (a cold TOML parse
 * and the first WebCrypto call cost ~3-5 ms of a ~35 ms run). One JSON file per project under
 * `$SAMUEL_HOME/cache/run/`, keyed by the project root.
 *
 * What it may and may not vouch for:
 * - A record is used only for text equal, character for character, to what it was made from: samuel.lock's
 *   whole text for the parsed lock (validated when the record was made), a manifest's whole text for its
 *   parsed form, and, for the manifest, only while samuel.lock still pins the digest that text hashed to.
 *   Any edit of either file is a miss, then a parse (and a hash) as without the index.
 * - It lives in `$SAMUEL_HOME`, beside the module cache, not in the project: a repository could commit a
 *   forged `.samuel/` file, but not one in the user's home.
 * - It is an optimisation: unreadable, damaged or foreign records are ignored, and writing is best effort.
 */

import type { InstalledWasm } from "../manifest/installed.ts";
import type { Lockfile } from "../project/lockfile.ts";
import { homePaths, join } from "../project/paths.ts";
import { writeJsonQuietly } from "./file_identity.ts";

interface IndexFile {
  version: 1;
  root: string;
  lock?: { text: string; parsed: Lockfile };
  manifests: Record<string, { text: string; sha256: string; manifest: InstalledWasm }>;
}

/** A stable, cheap (non-cryptographic) name for a project root: FNV-1a, 64 bits, hex. */
function keyOf(root: string): string {
  let h = 0xcbf29ce484222325n;
  for (const b of new TextEncoder().encode(root)) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, "0");
}

export class RunIndex {
  readonly #path: string;
  readonly #data: IndexFile;
  #dirty = false;

  private constructor(path: string, data: IndexFile) {
    this.#path = path;
    this.#data = data;
  }

  /** The index of the project at `root` (an empty one when there is none yet). */
  static open(root: string): RunIndex {
    const path = join(homePaths().cache, "run", `${keyOf(root)}.json`);
    let data: IndexFile | undefined;
    try {
      const raw = JSON.parse(Deno.readTextFileSync(path));
      if (raw?.version === 1 && raw.root === root && typeof raw.manifests === "object" && raw.manifests) {
        data = raw;
      }
    } catch { /* none yet, or damaged: start empty */ }
    return new RunIndex(path, data ?? { version: 1, root, manifests: {} });
  }

  /** The recorded lock when it was parsed from this very `text`, else undefined. */
  knownLock(text: string): Lockfile | undefined {
    return this.#data.lock?.text === text ? this.#data.lock.parsed : undefined;
  }

  /** The lock parsed from `text`: the recorded one when `text` is the same, else `parse(text)`, recorded. */
  lock(text: string, parse: (text: string) => Lockfile): Lockfile {
    if (this.#data.lock?.text === text) return this.#data.lock.parsed;
    const parsed = parse(text);
    this.#data.lock = { text, parsed };
    this.#dirty = true;
    return parsed;
  }

  /**
   * The manifest of plugin `name` from `text`, when the record was made from this very text and that
   * text hashed to `sha256` (the digest samuel.lock pins now); undefined otherwise (verify and `remember`).
   */
  manifest(name: string, text: string, sha256: string): InstalledWasm | undefined {
    const r = this.#data.manifests[name];
    return r && r.text === text && r.sha256 === sha256 ? r.manifest : undefined;
  }

  /** Records a manifest text verified to hash to `sha256`, and what it says. */
  remember(name: string, text: string, sha256: string, manifest: InstalledWasm): void {
    this.#data.manifests[name] = { text, sha256, manifest };
    this.#dirty = true;
  }

  /** Writes the index when something new was learned (best effort; call before narrowing the process). */
  save(): void {
    if (!this.#dirty) return;
    try {
      Deno.mkdirSync(join(homePaths().cache, "run"), { recursive: true });
    } catch { /* a read-only home: the next run parses again */ }
    writeJsonQuietly(this.#path, this.#data);
    this.#dirty = false;
  }
}
