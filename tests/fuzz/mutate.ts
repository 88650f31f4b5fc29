/**
 * Deterministic mutation of input files for the fuzz tests: a seeded PRNG (mulberry32) and mutators for
 * TOML text and wasm bytes. Case `i` of a run with seed `s` always produces the same bytes, so a failure
 * reproduces with `SAMUEL_FUZZ_SEED=s SAMUEL_FUZZ_CASE=i` (the failing test prints both, the mutations
 * applied, and where it saved the input).
 *
 * `SAMUEL_FUZZ_SEED` (default a fixed seed, so CI is reproducible) and `SAMUEL_FUZZ_SCALE` (a multiplier
 * of the case counts, default 1; raise it for a longer local run) tune a run.
 */

export type Rng = () => number;

/** mulberry32: small, fast, and plenty for picking mutations. */
export function rng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const int = (r: Rng, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
export const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

export const FUZZ_SEED = Number(Deno.env.get("SAMUEL_FUZZ_SEED") ?? 0x5a17);
const only = Deno.env.get("SAMUEL_FUZZ_CASE");
const scale = Number(Deno.env.get("SAMUEL_FUZZ_SCALE") ?? 1);

/** The case numbers to run: `count` (times the scale), or just `SAMUEL_FUZZ_CASE` when set. */
export function cases(count: number): number[] {
  if (only !== undefined) return [Number(only)];
  return Array.from({ length: Math.max(1, Math.round(count * scale)) }, (_, i) => i);
}

/** The PRNG of case `i` of the stream named `stream` (each test file has its own). */
export function caseRng(stream: string, i: number): Rng {
  let h = FUZZ_SEED;
  for (const c of stream) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193);
  return rng(h ^ Math.imul(i + 1, 0x9e3779b1));
}

const enc = new TextEncoder();

function splice(bytes: Uint8Array, at: number, remove: number, insert: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length - remove + insert.length);
  out.set(bytes.subarray(0, at));
  out.set(insert, at);
  out.set(bytes.subarray(at + remove), at + insert.length);
  return out;
}

/** Line boundaries (offsets of each line's first byte). */
function lineStarts(bytes: Uint8Array): number[] {
  const starts = [0];
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x0a && i + 1 < bytes.length) starts.push(i + 1);
  return starts;
}

function lineAt(bytes: Uint8Array, r: Rng): { start: number; end: number } {
  const starts = lineStarts(bytes);
  const n = int(r, 0, starts.length - 1);
  const start = starts[n];
  const end = n + 1 < starts.length ? starts[n + 1] : bytes.length;
  return { start, end };
}

/** The position right after the first `=` of a random line that has one (a value's start), if any. */
function valueAt(bytes: Uint8Array, r: Rng): { start: number; end: number } | undefined {
  for (let tries = 0; tries < 20; tries++) {
    const { start, end } = lineAt(bytes, r);
    const eq = bytes.subarray(start, end).indexOf(0x3d);
    if (eq < 0) continue;
    let stop = end;
    while (stop > start + eq + 1 && (bytes[stop - 1] === 0x0a || bytes[stop - 1] === 0x0d)) stop--;
    return { start: start + eq + 1, end: stop };
  }
  return undefined;
}

const WRONG_VALUES = [
  " 1",
  " -0",
  " 1e999",
  " 99999999999999999999999",
  ' ""',
  ' "x"',
  " 'lit'",
  " true",
  " []",
  " [1, 'a', {}]",
  " {}",
  " { a = 1 }",
  " 1979-05-27T07:32:00Z",
  " 07:32:00",
  ' """multi\nline"""',
  " [[1], [[2]]]",
  ' "../../etc/passwd"',
  ' "/abs"',
  ' "x\\u0000y"',
  " nan",
  " inf",
];

const TOKENS = ["[", "]", "[[", "]]", "{", "}", '"', "'", "'''", '"""', "=", ".", ",", "\n", "#", "\\", "\r"];

const INVALID_UTF8 = [[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [
  0xe2,
  0x82,
]];

type Mutator = (bytes: Uint8Array, r: Rng) => { bytes: Uint8Array; what: string };

/** Mutators of TOML text; each returns the new bytes and a short description for failure reports. */
export const TOML_MUTATORS: Record<string, Mutator> = {
  flip(b, r) {
    const out = b.slice();
    const n = int(r, 1, 8);
    for (let k = 0; k < n && out.length > 0; k++) out[int(r, 0, out.length - 1)] = int(r, 0, 255);
    return { bytes: out, what: `flip ${n} bytes` };
  },
  truncate(b, r) {
    const at = int(r, 0, b.length);
    return { bytes: b.slice(0, at), what: `truncate at ${at}` };
  },
  duplicateLine(b, r) {
    const { start, end } = lineAt(b, r);
    return { bytes: splice(b, end, 0, b.slice(start, end)), what: `duplicate line at ${start}` };
  },
  duplicateBlock(b, r) {
    const { start } = lineAt(b, r);
    const { end } = lineAt(b, r);
    const [s, e] = start <= end ? [start, end] : [end, start];
    return { bytes: splice(b, e, 0, b.slice(s, e)), what: `duplicate bytes ${s}..${e}` };
  },
  deleteLine(b, r) {
    const { start, end } = lineAt(b, r);
    return { bytes: splice(b, start, end - start, new Uint8Array()), what: `delete line at ${start}` };
  },
  wrongType(b, r) {
    const v = valueAt(b, r);
    const value = pick(r, WRONG_VALUES);
    if (!v) return { bytes: b, what: "no value to retype" };
    return {
      bytes: splice(b, v.start, v.end - v.start, enc.encode(value)),
      what: `value at ${v.start} = ${value}`,
    };
  },
  hugeString(b, r) {
    const n = pick(r, [70_000, 300_000, 1_200_000, 5_000_000]);
    const v = valueAt(b, r);
    const s = enc.encode(` "${"x".repeat(n)}"`);
    if (!v) {
      return {
        bytes: splice(b, b.length, 0, enc.encode(`\nhuge =${" "}"${"x".repeat(n)}"\n`)),
        what: `append ${n}-char string`,
      };
    }
    return { bytes: splice(b, v.start, v.end - v.start, s), what: `value at ${v.start} = ${n}-char string` };
  },
  deepHeader(b, r) {
    const n = pick(r, [31, 33, 40, 2_000, 20_000]);
    const header = `\n[${Array.from({ length: n }, () => "a").join(".")}]\nx = 1\n`;
    return { bytes: splice(b, b.length, 0, enc.encode(header)), what: `header of ${n} parts` };
  },
  deepDottedKey(b, r) {
    const n = pick(r, [31, 33, 5_000]);
    return {
      bytes: splice(b, 0, 0, enc.encode(`${Array.from({ length: n }, (_, i) => `k${i}`).join(".")} = 1\n`)),
      what: `dotted key of ${n} parts`,
    };
  },
  deepValue(b, r) {
    const n = pick(r, [30, 33, 500, 1_500]);
    const inline = r() < 0.5;
    const value = inline ? `${"{ a = ".repeat(n)}1${" }".repeat(n)}` : `${"[".repeat(n)}1${"]".repeat(n)}`;
    const v = valueAt(b, r);
    if (!v) return { bytes: splice(b, 0, 0, enc.encode(`deep = ${value}\n`)), what: `deep value ${n}` };
    return {
      bytes: splice(b, v.start, v.end - v.start, enc.encode(" " + value)),
      what: `value nested ${n} deep`,
    };
  },
  manyTables(b, r) {
    const n = pick(r, [1_100, 12_000, 60_000]);
    const arrays = r() < 0.5;
    let text = "\n";
    for (let i = 0; i < n; i++) text += arrays ? `[[t${i % 7}]]\n` : `[t${i}]\n`;
    return { bytes: splice(b, b.length, 0, enc.encode(text)), what: `${n} ${arrays ? "array " : ""}tables` };
  },
  longArray(b, r) {
    const n = pick(r, [10_001, 50_000]);
    const v = valueAt(b, r);
    const value = ` [${Array.from({ length: n }, (_, i) => `"e${i % 3}"`).join(",")}]`;
    if (!v) return { bytes: b, what: "no value for a long array" };
    return {
      bytes: splice(b, v.start, v.end - v.start, enc.encode(value)),
      what: `array of ${n} at ${v.start}`,
    };
  },
  invalidUtf8(b, r) {
    const at = int(r, 0, b.length);
    const seq = pick(r, INVALID_UTF8);
    return { bytes: splice(b, at, 0, new Uint8Array(seq)), what: `invalid UTF-8 ${seq} at ${at}` };
  },
  token(b, r) {
    const at = int(r, 0, b.length);
    const t = pick(r, TOKENS);
    return { bytes: splice(b, at, 0, enc.encode(t)), what: `insert ${JSON.stringify(t)} at ${at}` };
  },
};

/** The mutators that build big inputs (each costs the parser ~0.1-0.5 s): picked a third as often. */
const HEAVY = new Set(["hugeString", "manyTables", "longArray", "deepHeader"]);
const WEIGHTED = Object.keys(TOML_MUTATORS).flatMap((n) => HEAVY.has(n) ? [n] : [n, n, n]);

/** Applies 1 to 3 random mutators; returns the bytes and what was done. */
export function mutateToml(base: Uint8Array, r: Rng): { bytes: Uint8Array; steps: string[] } {
  const names = WEIGHTED;
  let bytes = base;
  const steps: string[] = [];
  for (let n = int(r, 1, 3); n > 0; n--) {
    const name = pick(r, names);
    const m = TOML_MUTATORS[name](bytes, r);
    bytes = m.bytes;
    steps.push(`${name}: ${m.what}`);
  }
  return { bytes, steps };
}

/** Mutations of a wasm module: byte flips, truncation, section-length and LEB128 damage, splices. */
export function mutateWasm(base: Uint8Array, r: Rng): { bytes: Uint8Array; steps: string[] } {
  let out: Uint8Array = base.slice();
  const steps: string[] = [];
  for (let n = int(r, 1, 3); n > 0; n--) {
    const kind = int(r, 0, 5);
    if (kind === 0) {
      const k = int(r, 1, 6);
      for (let j = 0; j < k; j++) out[int(r, 8, Math.max(8, out.length - 1))] = int(r, 0, 255);
      steps.push(`flip ${k} bytes`);
    } else if (kind === 1) {
      const at = int(r, 0, out.length);
      out = out.slice(0, at);
      steps.push(`truncate at ${at}`);
    } else if (kind === 2) {
      // A LEB128 run that never ends, or a huge length, where a section size or count is read.
      const at = int(r, 8, Math.max(8, out.length - 1));
      const leb = pick(r, [[0xff, 0xff, 0xff, 0xff, 0x0f], [0x80, 0x80, 0x80, 0x80, 0x80, 0x80], [
        0xff,
        0xff,
        0xff,
        0xff,
        0x7f,
      ]]);
      out = splice(out, at, Math.min(leb.length, out.length - at), new Uint8Array(leb));
      steps.push(`LEB128 ${leb} at ${at}`);
    } else if (kind === 3) {
      const from = int(r, 8, Math.max(8, out.length - 1));
      const len = int(r, 1, 64);
      const at = int(r, 8, out.length);
      out = splice(out, at, 0, out.slice(from, from + len));
      steps.push(`copy ${len} bytes from ${from} to ${at}`);
    } else if (kind === 4) {
      const at = int(r, 8, Math.max(8, out.length - 1));
      const len = int(r, 1, 32);
      out = splice(out, at, Math.min(len, out.length - at), new Uint8Array());
      steps.push(`delete ${len} bytes at ${at}`);
    } else {
      // An extra custom or unknown section appended (id, then a length that may lie).
      const id = pick(r, [0, 0, 12, 13, 14, 0x7f]);
      const body = new Uint8Array(int(r, 0, 40)).map(() => int(r, 0, 255));
      const len = r() < 0.5 ? body.length : int(r, 0, 0x7f);
      out = splice(out, out.length, 0, new Uint8Array([id, len, ...body]));
      steps.push(`section ${id} of ${body.length} bytes (length says ${len})`);
    }
  }
  return { bytes: out, steps };
}

/** Where a failing case's input is saved, so it can be inspected and replayed. */
export async function saveCase(stream: string, i: number, bytes: Uint8Array, ext: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "samuel-fuzz-failure-" });
  const path = `${dir}/${stream}-${FUZZ_SEED}-${i}.${ext}`;
  await Deno.writeFile(path, bytes);
  return path;
}

/** A SAM code of a documented area, never the internal-error one. */
export const SAM_CODE = /^SAM-(?!INTERNAL)[A-Z]+-\d{3}$/;
