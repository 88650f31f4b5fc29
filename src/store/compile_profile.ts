/**
 * Where compile profiles are kept, and how (runtime/preprocess/compile_hints.ts). A profile is the hint section
 * naming the functions one run entered (`_initialize` and the call), behind a tag saying what it was
 * recorded for; a profile whose tag does not match is not used.
 * - `samuel run`: per module-cache entry and export, `hints-<export>.bin` next to the entry's
 *   module.wasm (tag: empty; export names are identifiers, the manifest validator refuses anything else,
 *   so they are safe in a file name). When the entry is discarded or evicted, its folder goes, and its
 *   profiles with it.
 * - `samuel plugin exec`: per module path, `$SAMUEL_HOME/cache/wasm/exec-profiles/<hash of the path>.bin`
 *   (tag: the module file's identity, so a rebuilt module is profiled again).
 *
 * The file: the tag's length (u32, little-endian), the tag (UTF-8), the hint section.
 * - Reading, on every run of a module large enough to be hinted: the section is used only when it is
 *   exactly one custom section of the hints' name (`isHintSection`), so appending it can never change
 *   what the module computes; anything else is ignored, and the run records a new profile.
 * - Writing, on the one profiling run: the file is opened before the process narrows (afterwards nothing
 *   under $SAMUEL_HOME can be opened) and written through that handle once the guest is done: at offset
 *   0, then truncated to its length. It is a cache of a measurement, not a guarantee: a torn or garbled
 *   file is ignored and recorded again, and two processes recording at once race harmlessly (the last
 *   write wins; both wrote a valid profile).
 *
 * @example
 * ```ts
 * const file = entryProfile(entryDir, "lint");
 * const section = readProfile(file, ""); // a hint section to append, or undefined
 * const recorder = ProfileRecorder.open(file, ""); // before narrowing, when there was none
 * // ... run the profiling copy, then:
 * recorder?.record(calledFunctions(instance.exports) ?? []);
 * ```
 */

import { codeUrl } from "../code_url.ts";
import { hintSection, isHintSection } from "../runtime/preprocess/compile_hints.ts";
import type { FileIdentity } from "./file_identity.ts";

/** The profile file of `exportName` in a module-cache entry folder. */
export function entryProfile(entryDir: string, exportName: string): string {
  return `${entryDir}/hints-${exportName}.bin`;
}

/** The profile file of a module `plugin exec` runs from `modulePath`, under `wasmCache`. */
export function execProfile(wasmCache: string, modulePath: string): string {
  return `${wasmCache}/exec-profiles/${fnv1a(modulePath)}.bin`;
}

/** The tag of an exec profile: the module file's identity (any rebuild changes it). */
export function identityTag(identity: FileIdentity): string {
  return `${identity.dev}:${identity.ino}:${identity.size}:${identity.mtimeMs}:${identity.ctimeMs}`;
}

/** A 64-bit FNV-1a of `text`'s UTF-16 units, as hex: a file name, not a security boundary. */
function fnv1a(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i));
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, "0");
}

/** The recorded hint section in `file` when its tag is `tag`, else undefined (see the module doc). */
export function readProfile(file: string, tag: string): Uint8Array | undefined {
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(file);
  } catch {
    return undefined;
  }
  if (bytes.length < 4) return undefined;
  const tagLength = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
  if (4 + tagLength > bytes.length) return undefined;
  if (new TextDecoder().decode(bytes.subarray(4, 4 + tagLength)) !== tag) return undefined;
  const section = bytes.subarray(4 + tagLength);
  return isHintSection(section) ? section : undefined;
}

/**
 * Whether a run that ended with `outcome` gives a profile worth keeping: one its limits stopped (time or
 * fuel) entered only what it reached, and kept, that would serve every later run; it is recorded again on
 * the next run instead. A trap or a failing export still ran its course: kept.
 */
export function keepsProfile(outcome: string): boolean {
  return outcome !== "timeout" && outcome !== "fuel_exhausted";
}

/** Writes one profile through a handle opened before the process narrowed. */
export class ProfileRecorder {
  #file: Deno.FsFile | undefined;
  readonly #tag: string;

  private constructor(file: Deno.FsFile, tag: string) {
    this.#file = file;
    this.#tag = tag;
  }

  /**
   * Opens `file` for writing (creating it and its folder, keeping what it holds until `record`);
   * undefined when it cannot be opened (a read-only cache, say): then the run records nothing.
   */
  static open(file: string, tag: string): ProfileRecorder | undefined {
    try {
      Deno.mkdirSync(file.slice(0, file.lastIndexOf("/")), { recursive: true });
      return new ProfileRecorder(Deno.openSync(file, { write: true, create: true }), tag);
    } catch {
      return undefined;
    }
  }

  /** Writes the profile of `functions` and closes the file; false when the write failed. */
  record(functions: readonly number[]): boolean {
    const file = this.#file;
    if (!file) return false;
    this.#file = undefined;
    try {
      const tag = new TextEncoder().encode(this.#tag);
      const section = hintSection(functions);
      const out = new Uint8Array(4 + tag.length + section.length);
      new DataView(out.buffer).setUint32(0, tag.length, true);
      out.set(tag, 4);
      out.set(section, 4 + tag.length);
      file.seekSync(0, Deno.SeekMode.Start);
      for (let off = 0; off < out.length;) off += file.writeSync(out.subarray(off));
      file.truncateSync(out.length);
      return true;
    } catch {
      return false;
    } finally {
      file.close();
    }
  }

  /**
   * Records what a run that ended with `outcome` entered, when the marks were read and its profile is
   * worth keeping (`keepsProfile`), and closes the file; true when a profile was recorded.
   */
  recordRun(outcome: string, functions: readonly number[] | undefined): boolean {
    if (functions !== undefined && keepsProfile(outcome)) return this.record(functions);
    this.close();
    return false;
  }

  /** Closes the file without recording (the run did not get to read the marks). */
  close(): void {
    this.#file?.close();
    this.#file = undefined;
  }
}

/**
 * The profiling copy of `bytes` (runtime/preprocess/call_marks.ts) with the recorder that will keep what
 * it marks in `file`, opened now (call it before the process narrows). Undefined, and the module runs as
 * it is, when there is nothing to mark, the rewriter's parser cannot read the module (a GC-typed module
 * V8 runs, say, which `plugin exec` runs as built), or the file cannot be opened.
 */
export async function profilingCopy(
  bytes: Uint8Array,
  file: string,
  tag: string,
): Promise<{ bytes: Uint8Array<ArrayBuffer>; recorder: ProfileRecorder } | undefined> {
  // By URL (code_url.ts): the rewriter's modules load on the one profiling run per module and export only.
  const { markCalls } = await import(
    codeUrl("runtime/preprocess/call_marks")
  ) as typeof import("../runtime/preprocess/call_marks.ts");
  let marked: Uint8Array<ArrayBuffer> | undefined;
  try {
    marked = markCalls(bytes);
  } catch {
    return undefined;
  }
  const recorder = marked && ProfileRecorder.open(file, tag);
  return recorder ? { bytes: marked!, recorder } : undefined;
}
