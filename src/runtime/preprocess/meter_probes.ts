/**
 * Inserts the time/fuel probes. The module gains one import, `samuel:meter` `refill: () -> i32`, and one
 * mutable i32 global, the counter (appended after the defined globals, so no global index moves). The
 * counter is decremented at every loop header and at the entry of every function whose calls alone could
 * run long (see call_graph.ts: recursion, indirect or import calls, call trees above 32 entries; the brief
 * said "every function that calls", which costs call-heavy Go and Rust code for nothing); when it drops
 * below 1 (`< 1`, never `== 0`, so a counter left at 0 cannot wrap) the guest calls `refill`, which returns the next budget, or 0 meaning stop, upon which
 * the guest executes `unreachable`: a trap, which no wasm exception handler can catch (a JS exception
 * thrown from the import could be caught by `catch_all`). Bulk memory and table operations are charged
 * one unit per 64 bytes (elements) of length, about what one loop iteration costs, so a loop of huge
 * `memory.fill`s reaches the clock as often as any other loop (measured: at 1 unit per 64 KiB, a loop of
 * 16 MiB fills overshot a 20 ms deadline by ~10 ms; at 1 per 64 bytes, by one fill).
 *
 * Cost control (the hot path is what compute-heavy guests pay for):
 * - Split loops: each `loop` becomes `loop $outer (refill check) loop $inner (decrement; br_if $outer)`.
 *   The inner loop, where the guest spends its time, holds only a decrement, a compare and a branch; the
 *   host call sits in the outer loop, off the hot path, so it does not disturb register allocation.
 *   Only one label is added per loop, and branch depths that cross it are renumbered.
 * - Functions with a loop that calls nothing using the counter keep the counter in a local, loaded at
 *   entry and stored back at every exit (the body is wrapped in a block, `return` becomes a branch to
 *   it, `throw`/`rethrow`/`throw_ref` store first) and around calls that may use the counter (store
 *   before, reload after; calls to helpers with no probes anywhere below them need neither), so that loop
 *   runs on a register. The other functions use the global directly (`keepsCounterInLocal`).
 * - A function whose first loop starts before any branch or call needs no entry probe: that loop's
 *   probe runs first (Go compiles every function to one such loop; call_graph.ts counts it as probed).
 * - A branch-hint section marks the probes' branches unlikely, so V8 lays the slow paths out of line.
 *
 * Waits: no probe can interrupt `memory.atomic.wait32/64`, and a guest waiting with no timeout on a shared
 * memory (nothing can notify it: a sandbox runs one thread) blocked its Worker thread past the hard
 * deadline, which `Worker.terminate()` does not reclaim. Each wait is replaced by a call to a wrapper
 * (see `emitWaitWrapper`) that performs the same wait in slices of at most WAIT_SLICE_NS (10 ms) and
 * calls `refill` between slices, so the guest traps at most one slice after its deadline. We chose a
 * wrapper that keeps waiting over merely clamping the timeout (`min_u(timeout, 10 ms)` before the
 * instruction) because the wasm threads spec has no spurious wake-ups: a clamped infinite wait would
 * return 2 ("timed-out"), which an infinite wait never does, and a 1 s sleep built on a wait would last
 * 10 ms. With the wrapper the results are unchanged: 0 or 1 as returned, 2 only once the guest's own
 * timeout has elapsed. (A notify landing between two slices is missed, but the re-wait then sees the
 * changed value and returns 1, as a futex protocol expects; and no other thread exists to notify.) One
 * wrapper per distinct wait (opcode and memarg) is appended after the defined functions, so no existing
 * function index moves; modules without waits get none and are rewritten exactly as before.
 *
 * Code is rewritten in two passes per body: `scanBody` decodes it once and records the instructions that
 * matter; after the call graph has decided which entries need probes, `emitBody` copies it span by span,
 * and `BodyEmitter` has one step per instruction kind it rewrites (loop, end, branches, calls, throws,
 * bulk operations, waits) beside the probe snippets they emit.
 *
 * The added import shifts every defined function index by one: this file renumbers `call`, `return_call`
 * and `ref.func` in code; renumber.ts does the other sections. Branch-hint sections (keyed by code offsets
 * that move) are dropped and replaced by ours.
 */

import { malformed, unsupported } from "./errors.ts";
import type { ParsedModule } from "./inspect.ts";
import { type CallInfo, planProbes } from "./call_graph.ts";
import { readBlockType, skipInstruction, skipMemArg, skipValType } from "./instructions.ts";
import { shiftFunctionIndices } from "./renumber.ts";
import { Reader, u32At } from "./reader.ts";
import {
  appendToVector,
  findSection,
  lebSize,
  payloadOf,
  putSection,
  type Section,
  SectionId,
} from "./sections.ts";
import { Writer } from "./writer.ts";

export const METER_MODULE = "samuel:meter";
export const METER_FIELD = "refill";

/** Units charged per byte (or element) of a bulk operation: `length >>> BULK_SHIFT`, one per 64. */
export const BULK_SHIFT = 6;

/** Longest slice of a `memory.atomic.wait` between two meter checks: 10 ms, in nanoseconds. */
export const WAIT_SLICE_NS = 10_000_000n;

const WAIT32 = 0xfe << 12 | 1, WAIT64 = 0xfe << 12 | 2;

interface Ctx {
  nImp: number;
  /** Function index of `refill`. */
  refill: number;
  /** Global index of the counter. */
  counter: number;
  types: ParsedModule["types"];
  /** The input was validated (no index checks needed). */
  validated: boolean;
  /** Per defined function: calls to it may touch the counter (call_graph.ts). */
  touches?: Uint8Array;
  /** Offsets of the probes' branches per function, for the branch-hint section (all "unlikely"). */
  branchHints?: { func: number; offsets: number[] }[];
  typeIndexFor(paramsRaw: Uint8Array, resultsRaw: Uint8Array): number;
  /** Defined functions of the input: the first wait wrapper's index is `nImp + 1 + nDefined`. */
  nDefined: number;
  /** One wait wrapper per distinct wait instruction (opcode and memarg), in order of first use. */
  waits: { sub: number; memarg: Uint8Array }[];
  waitIndex: Map<string, number>;
}

export interface MeterProbeOptions {
  /** Emit a branch-hint section marking the probes' slow paths unlikely (default true). */
  branchHints?: boolean;
  /**
   * The module was validated, so local and global indices are in range and need no check (default
   * false: every local.get/set/tee and global.get/set index is checked, since an out-of-range index in an
   * invalid module would name a probe's local or the counter after the rewrite).
   */
  validated?: boolean;
}

/** Rewrites `m.sections` in place to add the probes. */
export function insertMeter(m: ParsedModule, options: MeterProbeOptions = {}): void {
  for (const imp of m.imports) {
    if (imp.module === METER_MODULE) {
      throw unsupported(`an import from the reserved module "${METER_MODULE}" (${imp.name})`, 0);
    }
  }
  const added: Uint8Array[] = [];
  const ctx = newCtx(m, options, added);
  const refillType = ctx.typeIndexFor(new Uint8Array([0]), new Uint8Array([1, 0x7f]));

  const sections = m.sections;
  for (let i = sections.length - 1; i >= 0; i--) {
    const s = sections[i];
    if (s.id === SectionId.custom && s.name?.startsWith("metadata.code.")) sections.splice(i, 1);
  }

  // The import added below takes index nImp: every defined function moves up by one.
  shiftFunctionIndices(sections, m.start, ctx.nImp);

  const code = payloadOf(sections, SectionId.code);
  if (code) {
    ctx.branchHints = options.branchHints === false ? undefined : [];
    putSection(sections, SectionId.code, rewriteCode(code, m.funcTypes, ctx));
    if (ctx.waits.length > 0) appendWaitWrapperTypes(sections, ctx);
    if (ctx.branchHints?.length) insertBranchHints(sections, ctx.branchHints);
  }

  // Imports: append the meter import.
  const imports = appendToVector(payloadOf(sections, SectionId.import), 1, 32);
  imports.name(METER_MODULE);
  imports.name(METER_FIELD);
  imports.u8(0);
  imports.u32(refillType);
  putSection(sections, SectionId.import, imports.finish());

  // Globals: append the counter `(mut i32) (i32.const 0)` after the defined globals (no index moves).
  const globals = appendToVector(payloadOf(sections, SectionId.global), 1, 16);
  globals.bytes(new Uint8Array([0x7f, 0x01, 0x41, 0x00, 0x0b]));
  putSection(sections, SectionId.global, globals.finish());

  if (added.length > 0) {
    const types = appendToVector(payloadOf(sections, SectionId.type), added.length, 64);
    for (const t of added) types.bytes(t);
    putSection(sections, SectionId.type, types.finish());
  }
}

/** The rewrite's context for `m`; `typeIndexFor` reuses an existing type or appends one to `added`. */
function newCtx(m: ParsedModule, options: MeterProbeOptions, added: Uint8Array[]): Ctx {
  const known = new Map<string, number>();
  m.types.forEach((t, i) => {
    const key = `${t.paramsRaw.join(",")}|${t.resultsRaw.join(",")}`;
    if (!known.has(key)) known.set(key, i);
  });
  return {
    nImp: m.importedFunctions,
    refill: m.importedFunctions,
    counter: m.importedGlobals + m.definedGlobals,
    validated: options.validated === true,
    types: m.types,
    typeIndexFor(paramsRaw, resultsRaw) {
      const key = `${paramsRaw.join(",")}|${resultsRaw.join(",")}`;
      let idx = known.get(key);
      if (idx === undefined) {
        idx = m.types.length + added.length;
        const enc = new Uint8Array(1 + paramsRaw.length + resultsRaw.length);
        enc[0] = 0x60;
        enc.set(paramsRaw, 1);
        enc.set(resultsRaw, 1 + paramsRaw.length);
        added.push(enc);
        known.set(key, idx);
      }
      return idx;
    },
    nDefined: m.funcTypes.length,
    waits: [],
    waitIndex: new Map(),
  };
}

/** The wait wrappers' types, after the defined functions (so no function index moves). */
function appendWaitWrapperTypes(sections: Section[], ctx: Ctx): void {
  const w = appendToVector(
    payloadOf(sections, SectionId.function)!,
    ctx.waits.length,
    ctx.waits.length * 2 + 8,
  );
  for (const { sub } of ctx.waits) {
    w.u32(
      ctx.typeIndexFor(
        new Uint8Array([3, 0x7f, sub === 1 ? 0x7f : 0x7e, 0x7e]),
        new Uint8Array([1, 0x7f]),
      ),
    );
  }
  putSection(sections, SectionId.function, w.finish());
}

/**
 * Branch hints (metadata.code.branch_hint) tell V8 the probes' slow paths are cold; they must come before
 * the code section. Offsets are relative to the start of each body (its locals vector).
 */
function insertBranchHints(sections: Section[], hints: NonNullable<Ctx["branchHints"]>): void {
  const w = new Writer(hints.length * 16);
  w.u32(hints.length);
  for (const { func, offsets } of hints) {
    w.u32(func);
    w.u32(offsets.length);
    for (const o of offsets) w.u32(o), w.u32(1), w.u8(0);
  }
  const codeAt = findSection(sections, SectionId.code);
  sections.splice(codeAt, 0, {
    id: SectionId.custom,
    name: "metadata.code.branch_hint",
    payload: w.finish(),
    offset: -1,
  });
}

function rewriteCode(src: Uint8Array, funcTypes: number[], ctx: Ctx): Uint8Array {
  const r = new Reader(src);
  const n = r.u32();
  const out = new Writer(src.length + (src.length >> 3) + 64);
  out.u32(n);
  const body = new Writer(1 << 16);
  const stack = new Int32Array(1024);
  const scratch: Scratch = { events: new Int32Array(4096) };
  // Phase 1: decode every body once; phase 2 (after the call graph says which entries need probes) emits.
  const scans: BodyScan[] = [];
  for (let i = 0; i < n; i++) {
    const size = r.u32();
    const start = r.pos;
    const end = start + size;
    if (end > src.length) throw unsupported("function body runs past the code section", start);
    const type = ctx.types[funcTypes[i]];
    if (!type) throw unsupported(`function type ${funcTypes[i]} is missing`, start);
    scans.push(scanBody(src, start, end, type.params.length, ctx.nImp, ctx.counter, scratch, !ctx.validated));
    r.pos = end;
  }
  const plan = planProbes(scans);
  ctx.touches = plan.touches;
  for (let i = 0; i < n; i++) {
    const scan = scans[i];
    body.len = 0;
    const hints = ctx.branchHints ? [] : undefined;
    if (emitBody(src, scan, ctx.types[funcTypes[i]], plan.entry[i] === 1, ctx, body, stack, hints)) {
      if (hints?.length) ctx.branchHints!.push({ func: ctx.nImp + 1 + i, offsets: hints });
      out.u32(body.len);
      out.bytes(body.buf, 0, body.len);
    } else {
      out.u32(scan.end - scan.start);
      out.bytes(src, scan.start, scan.end);
    }
  }
  if (ctx.waits.length === 0) return out.finish();
  const all = new Writer(out.len + ctx.waits.length * 64 + 8);
  all.u32(n + ctx.waits.length);
  all.bytes(out.buf, lebSize(n), out.len);
  for (const { sub, memarg } of ctx.waits) {
    body.len = 0;
    emitWaitWrapper(body, sub, memarg, ctx.refill);
    all.u32(body.len);
    all.bytes(body.buf, 0, body.len);
  }
  return all.finish();
}

/**
 * The body of `(func (param $addr i32) (param $expected i32|i64) (param $timeout i64) (result i32))`,
 * which stands in for one `memory.atomic.wait32/64` (same memarg): it waits in slices of at most
 * WAIT_SLICE_NS and asks the meter between slices, trapping like any probe when told to stop.
 *
 *   loop $slice
 *     $r = wait($addr, $expected, min_u($timeout, SLICE))      ;; infinite (negative) is huge unsigned
 *     if ($r != 2) return $r                                    ;; woken, or not equal
 *     if ($timeout <=u SLICE) return 2                          ;; the guest's own timeout has elapsed
 *     if ($timeout > 0) $timeout -= SLICE                       ;; finite: the slice counts; infinite stays
 *     if (refill() == 0) unreachable
 *     br $slice
 *   end
 *   unreachable
 *
 * The remaining timeout goes down by one slice per timed-out slice, not by the clock, so the number of
 * refills a wait costs depends only on its timeout (fuel stays deterministic), and the total time waited
 * is never shorter than asked.
 */
function emitWaitWrapper(out: Writer, sub: number, memarg: Uint8Array, refill: number): void {
  const slice = () => {
    out.u8(0x42);
    writeS64(out, WAIT_SLICE_NS);
  };
  out.u32(1), out.u32(1), out.u8(0x7f); // (local $r i32)
  out.u8(0x03), out.u8(0x40);
  out.u8(0x20), out.u8(0), out.u8(0x20), out.u8(1);
  out.u8(0x20), out.u8(2), slice(), out.u8(0x20), out.u8(2), slice(), out.u8(0x54), out.u8(0x1b); // lt_u; select
  out.u8(0xfe), out.u32(sub), out.bytes(memarg);
  out.u8(0x22), out.u8(3), out.u8(0x41), out.u8(2), out.u8(0x47); // local.tee $r; i32.const 2; i32.ne
  out.u8(0x04), out.u8(0x40), out.u8(0x20), out.u8(3), out.u8(0x0f), out.u8(0x0b);
  out.u8(0x20), out.u8(2), slice(), out.u8(0x58); // i64.le_u
  out.u8(0x04), out.u8(0x40), out.u8(0x41), out.u8(2), out.u8(0x0f), out.u8(0x0b);
  out.u8(0x20), out.u8(2), out.u8(0x42), out.u8(0), out.u8(0x55); // i64.gt_s
  out.u8(0x04),
    out.u8(0x40),
    out.u8(0x20),
    out.u8(2),
    slice(),
    out.u8(0x7d),
    out.u8(0x21),
    out.u8(2),
    out.u8(0x0b);
  out.u8(0x10), out.u32(refill), out.u8(0x45);
  out.u8(0x04), out.u8(0x40), out.u8(0x00), out.u8(0x0b);
  out.u8(0x0c), out.u8(0);
  out.u8(0x0b), out.u8(0x00), out.u8(0x0b);
}

/** Signed LEB128 of a non-negative bigint below 2^63. */
function writeS64(out: Writer, v: bigint): void {
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    if (v === 0n && (b & 0x40) === 0) return out.u8(b);
    out.u8(b | 0x80);
  }
}

const EV_STRUCT = 1, EV_LOOP = 2, EV_BRANCH = 3, EV_CALL = 4, EV_FUNC_IDX = 5, EV_OTHER = 6, EV_VAR = 7;
/** Which one-byte opcodes pass 2 must see. */
const EVENT_TRUSTED = new Uint8Array(256);
for (const op of [0x02, 0x04, 0x06, 0x0b, 0x18, 0x1f]) EVENT_TRUSTED[op] = EV_STRUCT;
EVENT_TRUSTED[0x03] = EV_LOOP;
for (const op of [0x09, 0x0c, 0x0d, 0x0e]) EVENT_TRUSTED[op] = EV_BRANCH;
for (const op of [0x11, 0x13, 0x14, 0x15]) EVENT_TRUSTED[op] = EV_CALL;
for (const op of [0x10, 0x12, 0xd2]) EVENT_TRUSTED[op] = EV_FUNC_IDX;
for (const op of [0x08, 0x0a, 0x0f]) EVENT_TRUSTED[op] = EV_OTHER;
/** The same, plus the variable accesses whose indices are checked when the input was not validated. */
const EVENT_CHECKED = EVENT_TRUSTED.slice();
for (const op of [0x20, 0x21, 0x22, 0x23, 0x24]) EVENT_CHECKED[op] = EV_VAR;

function outOfRange(op: number, idx: number, at: number): Error {
  const what = op <= 0x22 ? "local" : "global";
  return malformed(`${what} index ${idx} out of range`, at);
}

/** Buffers reused across function bodies. */
interface Scratch {
  events: Int32Array;
}

const BULK = new Set([
  0xfc << 12 | 8,
  0xfc << 12 | 10,
  0xfc << 12 | 11,
  0xfc << 12 | 12,
  0xfc << 12 | 14,
  0xfc << 12 | 17,
]);

/** What pass 1 learned about one body. */
interface BodyScan extends CallInfo {
  start: number;
  end: number;
  nDecl: number;
  declStart: number;
  codeStart: number;
  /** Params plus declared locals: the index of the first added local. */
  nLocals: number;
  hasLoop: boolean;
  hasBulk: boolean;
  hasFuncIdx: boolean;
  /** Contains `memory.atomic.wait32/64`, which pass 2 replaces with a call to a wrapper. */
  hasWait: boolean;
  /** Offsets of the instructions pass 2 must look at. */
  events: Int32Array;
  /**
   * The direct callees (defined-function indices) of each loop that makes no opaque call (indirect or
   * import calls), nested loops' calls included: the loops that can run on a register in local mode.
   */
  quietLoops: number[][];
  /** The body's first loop comes before any branch, call or other event but `block`s. */
  loopFirst: boolean;
}

/** An open loop during pass 1: does it make opaque calls, and which functions it calls directly. */
interface OpenLoop {
  opaque: boolean;
  callees: number[];
}

/**
 * Pass 1: decodes a body once, recording the offsets of the instructions pass 2 must look at (structure,
 * branches, calls, function indices, throws, bulk operations), what it contains and whom it calls.
 */
function scanBody(
  buf: Uint8Array,
  start: number,
  end: number,
  nParams: number,
  nImp: number,
  counter: number,
  scratch: Scratch,
  checkIndices: boolean,
): BodyScan {
  const eventKinds = checkIndices ? EVENT_CHECKED : EVENT_TRUSTED;
  const r = new Reader(buf, start, end);
  const nDecl = r.u32();
  const declStart = r.pos;
  const nLocals = nParams + countLocals(r, nDecl);
  const codeStart = r.pos;
  let hasLoop = false, hasBulk = false, hasFuncIdx = false, hasWait = false, opaqueCalls = false;
  let loopFirst = false;
  const callees: number[] = [];
  const loops = new LoopScan();
  let events = scratch.events;
  let nEvents = 0;
  while (r.pos < end) {
    const at = r.pos;
    const op = skipInstruction(r);
    if (op < 0x100) {
      const kind = eventKinds[op];
      if (kind === 0) continue;
      if (kind === EV_VAR) {
        // The probes' locals and the counter global must be out of the guest's reach: an index that is
        // out of range in the original would name them after the rewrite. (Inputs are validated before
        // rewriting; this keeps the guarantee even when a caller skips that.)
        const idx = u32At(buf, at + 1);
        if (op <= 0x22 ? idx >= nLocals : idx >= counter) throw outOfRange(op, idx, at);
        continue;
      }
      if (kind === EV_LOOP) {
        if (!hasLoop) loopFirst = events.subarray(0, nEvents).every((e) => buf[e] === 0x02);
        hasLoop = true;
        loops.frame(op);
      } else if (kind === EV_STRUCT) loops.frame(op);
      else if (kind === EV_CALL) opaqueCalls = loops.opaqueCall();
      else if (kind === EV_FUNC_IDX) {
        hasFuncIdx = true;
        if (op !== 0xd2) {
          const f = u32At(buf, at + 1);
          if (f < nImp) opaqueCalls = loops.opaqueCall();
          else callees.push(loops.directCall(f - nImp));
        }
      }
    } else if (BULK.has(op)) {
      hasBulk = true;
    } else if (op === WAIT32 || op === WAIT64) {
      hasWait = true;
    } else continue;
    if (nEvents === events.length) events = grow(scratch);
    events[nEvents++] = at;
  }
  return {
    start,
    end,
    nDecl,
    declStart,
    codeStart,
    nLocals,
    hasLoop,
    hasBulk,
    hasFuncIdx,
    hasWait,
    callees,
    opaqueCalls,
    hasProbes: hasLoop || hasBulk,
    events: events.slice(0, nEvents),
    quietLoops: loops.quiet,
    loopFirst,
  };
}

/** The number of locals `nDecl` local declarations declare; leaves `r` after them. */
function countLocals(r: Reader, nDecl: number): number {
  let n = 0;
  for (let j = 0; j < nDecl; j++) {
    n += r.u32();
    skipValType(r);
  }
  return n;
}

/** Doubles the reused event buffer, keeping what it holds. */
function grow(scratch: Scratch): Int32Array {
  const bigger = new Int32Array(scratch.events.length * 2);
  bigger.set(scratch.events);
  return scratch.events = bigger;
}

/**
 * Pass 1's view of the loops, frame by frame: which loops make no opaque call in their iterations (nested
 * loops' calls included), and which functions those call directly.
 */
class LoopScan {
  /** The direct callees of each loop without opaque calls, as it closed. */
  readonly quiet: number[][] = [];
  /** Per open control frame (the function's own first), its loop or null. */
  readonly #frames: (OpenLoop | null)[] = [null];
  /** The innermost open loop. */
  #inner: OpenLoop | null = null;

  /** A structure opcode: `loop` and `block`/`if`/`try`/`try_table` open a frame, `end`/`delegate` close one. */
  frame(op: number): void {
    if (op === 0x03) this.#frames.push(this.#inner = { opaque: false, callees: [] });
    else if (op !== 0x0b && op !== 0x18) this.#frames.push(null);
    else {
      const closed = this.#frames.pop();
      if (closed) this.#close(closed);
    }
  }

  /** An indirect or import call; returns true (the body makes opaque calls). */
  opaqueCall(): true {
    if (this.#inner) this.#inner.opaque = true;
    return true;
  }

  /** A direct call of defined function `f`; returns `f`. */
  directCall(f: number): number {
    this.#inner?.callees.push(f);
    return f;
  }

  /** A loop ends: it hands its calls to the loop around it, and joins `quiet` if it made no opaque call. */
  #close(closed: OpenLoop): void {
    if (!closed.opaque) this.quiet.push(closed.callees);
    let outer: OpenLoop | null = null;
    for (let i = this.#frames.length - 1; i >= 0 && !outer; i--) outer = this.#frames[i];
    if (outer) {
      outer.opaque ||= closed.opaque;
      for (const c of closed.callees) outer.callees.push(c);
    }
    this.#inner = outer;
  }
}

/**
 * Pass 2: rewrites one body into `out`; returns false (and writes nothing useful) when the body needs no
 * change. Copies the body span by span, and at each event pass 1 recorded lets `BodyEmitter` rewrite the
 * instruction: probes at loops, entry and bulk operations, the counter's write-back at exits and around
 * calls, renumbered branch depths and function indices, waits replaced by their wrappers.
 */
function emitBody(
  buf: Uint8Array,
  scan: BodyScan,
  type: ParsedModule["types"][number],
  probeEntry: boolean,
  ctx: Ctx,
  out: Writer,
  stack: Int32Array,
  hints: number[] | undefined,
): boolean {
  const { end, nLocals, hasLoop, hasBulk, hasFuncIdx, hasWait, events } = scan;
  const metered = probeEntry || hasLoop || hasBulk;
  if (!metered && !hasFuncIdx && !hasWait) return false;
  // V8 allows 50 000 locals per function; the probes add two.
  if (metered && nLocals + 2 > 50_000) {
    throw unsupported("a function with more than 49 998 locals", scan.start);
  }
  const e = new BodyEmitter(buf, scan, ctx, out, stack, hints);
  // A loop at the very start probes before anything can run long: it stands for the entry probe.
  e.prologue(type, metered, probeEntry && !scan.loopFirst);
  for (let i = 0; i < events.length; i++) e.event(events[i]);
  out.bytes(buf, e.span, end);
  return true;
}

/**
 * Whether a body with loops keeps the counter in a local. That pays only for a loop whose iterations call
 * nothing that uses the counter: there the counter stays in a register. In a loop that makes such calls
 * the local is stored before each and reloaded after, which costs more code and time than using the
 * global directly. Go's functions are one dispatch loop around all their calls: on the Go guide plugin
 * (examples/go-guide-wasm), with the local everywhere the code section grew 11% and `_initialize` ran
 * 14% slower than the original; with this rule and the loop standing in for the entry probe, 4% and 8%
 * (compile + instantiate + `_initialize` + `health` in fresh processes, 30 interleaved rounds: 31.5 ms
 * before, 29.9 ms after, 27.9 ms unmetered).
 */
function keepsCounterInLocal(scan: BodyScan, touches: Uint8Array): boolean {
  return scan.quietLoops.some((callees) => callees.every((c) => touches[c] !== 1));
}

/**
 * The state of pass 2 over one body and its steps. Functions with loops keep the counter in local F (and
 * sync it with global G around calls and exits); the others use G directly. `stack` holds, per open
 * control frame, the number of labels added around it and its enclosing frames, so a branch's new depth
 * is `d + stack[top] - stack[top - d]`. `span` is where the next unchanged copy starts.
 *
 * Opcodes emitted: 0x23 global.get, 0x24 global.set, 0x20/0x21/0x22 local.get/set/tee, 0x41 i32.const,
 * 0x6b i32.sub, 0x48 i32.lt_s, 0x45 i32.eqz, 0x76 i32.shr_u, 0x02 block, 0x03 loop, 0x04 if, 0x0b end,
 * 0x0c br, 0x0d br_if, 0x10 call, 0x00 unreachable.
 */
class BodyEmitter {
  readonly r: Reader;
  /** The counter lives in a local (the body has loops). */
  readonly local: boolean;
  /** The counter's local and a scratch local (the two added locals). */
  readonly F: number;
  readonly T: number;
  /** The counter global, the refill import, the number of imported functions. */
  readonly G: number;
  readonly R: number;
  readonly nImp: number;
  stack: Int32Array;
  top = 0;
  span: number;

  constructor(
    readonly buf: Uint8Array,
    readonly scan: BodyScan,
    readonly ctx: Ctx,
    readonly out: Writer,
    stack: Int32Array,
    readonly hints: number[] | undefined,
  ) {
    this.r = new Reader(buf, scan.codeStart, scan.end);
    this.local = scan.hasLoop && keepsCounterInLocal(scan, ctx.touches!);
    this.F = scan.nLocals;
    this.T = scan.nLocals + 1;
    this.G = ctx.counter;
    this.R = ctx.refill;
    this.nImp = ctx.nImp;
    this.stack = stack;
    this.stack[0] = 0;
    this.span = scan.codeStart;
  }

  /** The locals (plus the two probe locals when metered), the entry probe, and the write-back block. */
  prologue(type: ParsedModule["types"][number], metered: boolean, probeEntry: boolean): void {
    const { out, buf, scan } = this;
    out.u32(scan.nDecl + (metered ? 1 : 0));
    out.bytes(buf, scan.declStart, scan.codeStart);
    if (metered) {
      out.u32(2);
      out.u8(0x7f);
    }
    if (!this.local) {
      if (probeEntry) {
        this.decrementBy1();
        this.refillInto();
      }
      return;
    }
    if (probeEntry) {
      out.u8(0x23), out.u32(this.G), out.u8(0x41), out.u8(1), out.u8(0x6b), out.u8(0x22), out.u32(this.F);
      this.refillInto();
    } else {
      this.reload();
    }
    // Wrap the body in a block of the function's result type, so every exit passes the write-back.
    out.u8(0x02);
    const res = type.resultsRaw;
    if (type.results.length === 0) out.u8(0x40);
    else if (res.length === 2 && res[1] !== 0x63 && res[1] !== 0x64) out.u8(res[1]);
    else out.s32(this.ctx.typeIndexFor(new Uint8Array([0]), res));
  }

  /**
   * One event of pass 1: the instruction at `at`, rewritten where needed. A dispatch over opcodes, one
   * step per instruction kind.
   */
  event(at: number): void {
    this.r.pos = at;
    const op = this.buf[at];
    switch (op) {
      case 0x02: // block
      case 0x04: // if
      case 0x06: // try
        return this.push(0);
      case 0x03:
        return this.loop(at);
      case 0x0b:
        return this.end(at);
      case 0x0c: // br
      case 0x0d: // br_if
      case 0x09: // rethrow
      case 0x18: // delegate (closes the try first)
        return this.branch(op, at);
      case 0x0e:
        return this.brTable(at);
      case 0x1f:
        return this.tryTable(at);
      case 0x0f:
        return this.ret(at);
      case 0x10: // call
      case 0x12: // return_call
      case 0xd2: // ref.func
        return this.funcIndex(op, at);
      case 0x11: // call_indirect
      case 0x13: // return_call_indirect
      case 0x14: // call_ref
      case 0x15: // return_call_ref
        return this.callIndirect(op, at);
      case 0x08: // throw
      case 0x0a: // throw_ref
        return this.throwOp(at);
      case 0xfc: // a bulk memory or table operation (the only 0xFC events)
        this.out.bytes(this.buf, this.span, at);
        this.chargeBulk();
        this.span = at;
        return;
      case 0xfe: // memory.atomic.wait32/64 (the only 0xFE events)
        return this.wait(at);
    }
  }

  // Probe snippets.

  /** if (counter < 1) { counter = refill(); if (counter == 0) unreachable }; the counter is on the stack. */
  refillInto(): void {
    const { out, hints } = this;
    out.u8(0x41), out.u8(1), out.u8(0x48);
    hints?.push(out.len);
    out.u8(0x04), out.u8(0x40), out.u8(0x10), out.u32(this.R);
    if (this.local) out.u8(0x22), out.u32(this.F);
    else out.u8(0x24), out.u32(this.G), out.u8(0x23), out.u32(this.G);
    out.u8(0x45);
    hints?.push(out.len);
    out.u8(0x04), out.u8(0x40), out.u8(0x00), out.u8(0x0b), out.u8(0x0b);
  }

  /** counter -= 1, leaving the new counter on the stack. */
  decrementBy1(): void {
    const { out, F, G, T } = this;
    if (this.local) {
      out.u8(0x20), out.u32(F), out.u8(0x41), out.u8(1), out.u8(0x6b), out.u8(0x22), out.u32(F);
    } else {
      out.u8(0x23), out.u32(G), out.u8(0x41), out.u8(1), out.u8(0x6b), out.u8(0x22), out.u32(T);
      out.u8(0x24), out.u32(G), out.u8(0x20), out.u32(T);
    }
  }

  /** global = local: before a call that may use the counter, and at every exit. */
  writeBack(): void {
    this.out.u8(0x20), this.out.u32(this.F), this.out.u8(0x24), this.out.u32(this.G);
  }

  /** local = global: at entry, and after a call that may have used the counter. */
  reload(): void {
    this.out.u8(0x23), this.out.u32(this.G), this.out.u8(0x21), this.out.u32(this.F);
  }

  /** The length is on the stack: counter -= length >>> BULK_SHIFT, then the usual check. */
  chargeBulk(): void {
    const { out, F, G, T } = this;
    const useLocal = this.local;
    out.u8(0x22), out.u32(T);
    out.u8(useLocal ? 0x20 : 0x23), out.u32(useLocal ? F : G);
    out.u8(0x20), out.u32(T), out.u8(0x41), out.u8(BULK_SHIFT), out.u8(0x76), out.u8(0x6b);
    if (useLocal) out.u8(0x22), out.u32(F);
    else out.u8(0x22), out.u32(T), out.u8(0x24), out.u32(G), out.u8(0x20), out.u32(T);
    this.refillInto();
  }

  // Control frames.

  /** The new depth of a branch to depth `d` from the innermost frame. */
  depth(d: number): number {
    const { stack, top } = this;
    return d <= top ? d + stack[top] - stack[top - d] : d;
  }

  /** Opens a frame that adds `extra` labels around itself. */
  push(extra: number): void {
    if (++this.top >= this.stack.length) {
      const bigger = new Int32Array(this.stack.length * 2);
      bigger.set(this.stack);
      this.stack = bigger;
    }
    this.stack[this.top] = this.stack[this.top - 1] + extra;
  }

  // One step per instruction kind.

  /** `loop`: becomes `loop $outer (refill check) loop $inner (decrement; br_if $outer)`. */
  loop(at: number): void {
    const { out, buf, r } = this;
    r.pos++;
    const btStart = r.pos;
    readBlockType(r);
    out.bytes(buf, this.span, at);
    out.u8(0x03), out.bytes(buf, btStart, r.pos);
    if (this.local) out.u8(0x20), out.u32(this.F);
    else out.u8(0x23), out.u32(this.G);
    this.refillInto();
    out.u8(0x03), out.bytes(buf, btStart, r.pos);
    this.decrementBy1();
    out.u8(0x41), out.u8(1), out.u8(0x48);
    this.hints?.push(out.len);
    out.u8(0x0d), out.u8(1);
    this.span = r.pos;
    this.push(1);
  }

  /** `end`: closes the labels a frame added; the function's own end writes the counter back. */
  end(at: number): void {
    const { out, buf, r, stack } = this;
    r.pos++;
    if (this.top === 0) {
      if (this.local) {
        out.bytes(buf, this.span, at);
        out.u8(0x0b);
        this.writeBack();
        this.span = at;
      }
      this.top = -1;
      return;
    }
    if (stack[this.top] !== stack[this.top - 1]) {
      out.bytes(buf, this.span, r.pos);
      out.u8(0x0b);
      this.span = r.pos;
    }
    this.top--;
  }

  /** `br`, `br_if`, `rethrow`, `delegate`: renumbered depths; a rethrow writes the counter back first. */
  branch(op: number, at: number): void {
    const { out, buf, r } = this;
    r.pos++;
    if (op === 0x18) this.top--;
    const d = r.u32();
    const nd = this.depth(d);
    if (nd !== d || (op === 0x09 && this.local)) {
      out.bytes(buf, this.span, at);
      if (op === 0x09 && this.local) this.writeBack();
      out.u8(op), out.u32(nd);
      this.span = r.pos;
    }
  }

  /** `br_table`: every target renumbered (copied as is when no label was added around it). */
  brTable(at: number): void {
    const { out, buf, r } = this;
    r.pos++;
    if (this.stack[this.top] === 0) {
      const n = r.u32();
      for (let i = 0; i <= n; i++) r.u32();
      return;
    }
    out.bytes(buf, this.span, at);
    const n = r.u32();
    out.u8(0x0e), out.u32(n);
    for (let i = 0; i <= n; i++) out.u32(this.depth(r.u32()));
    this.span = r.pos;
  }

  /** `try_table`: catch labels are relative to the enclosing frame. */
  tryTable(at: number): void {
    const { out, buf, r } = this;
    r.pos++;
    const btStart = r.pos;
    readBlockType(r);
    if (this.stack[this.top] !== 0) {
      out.bytes(buf, this.span, at);
      out.u8(0x1f), out.bytes(buf, btStart, r.pos);
      const n = r.u32();
      out.u32(n);
      for (let i = 0; i < n; i++) {
        const kind = r.u8();
        out.u8(kind);
        if (kind < 2) out.u32(r.u32());
        out.u32(this.depth(r.u32()));
      }
      this.span = r.pos;
    }
    this.push(0);
  }

  /** `return`: with the counter in a local, a branch to the write-back block instead. */
  ret(at: number): void {
    this.r.pos++;
    if (!this.local) return;
    this.out.bytes(this.buf, this.span, at);
    this.out.u8(0x0c), this.out.u32(this.depth(this.top));
    this.span = this.r.pos;
  }

  /**
   * `call`, `return_call`, `ref.func`: defined function indices move up by one. In local mode a callee
   * that uses the counter must see it: store before, reload after; a tail call leaves this frame, so it
   * always stores.
   */
  funcIndex(op: number, at: number): void {
    const { out, buf, r, nImp } = this;
    r.pos++;
    const f = r.u32();
    const sync = this.local && op !== 0xd2 &&
      (op === 0x12 || f < nImp || this.ctx.touches![f - nImp] === 1);
    if (f >= nImp || sync) {
      out.bytes(buf, this.span, at);
      if (sync) this.writeBack();
      out.u8(op), out.u32(f >= nImp ? f + 1 : f);
      if (sync && op === 0x10) this.reload();
      this.span = r.pos;
    }
  }

  /** Indirect and reference calls: the callee is unknown, so in local mode store before, reload after. */
  callIndirect(op: number, at: number): void {
    const { out, buf, r } = this;
    if (!this.local) {
      skipInstruction(r);
      return;
    }
    out.bytes(buf, this.span, at);
    this.writeBack();
    skipInstruction(r);
    out.bytes(buf, at, r.pos);
    if (op === 0x11 || op === 0x14) this.reload();
    this.span = r.pos;
  }

  /** `throw`, `throw_ref`: the counter is written back before leaving the frame. */
  throwOp(at: number): void {
    if (!this.local) return;
    this.out.bytes(this.buf, this.span, at);
    this.writeBack();
    this.span = at;
  }

  /** `memory.atomic.wait32/64`: a call to its wrapper instead (one wrapper per opcode and memarg). */
  wait(at: number): void {
    const { out, buf, r, ctx } = this;
    r.pos++;
    const sub = r.u32();
    const mStart = r.pos;
    skipMemArg(r);
    const memarg = buf.subarray(mStart, r.pos);
    const key = `${sub}:${memarg.join(",")}`;
    let k = ctx.waitIndex.get(key);
    if (k === undefined) {
      k = ctx.waits.length;
      ctx.waits.push({ sub, memarg });
      ctx.waitIndex.set(key, k);
    }
    // The wrapper uses neither the counter nor its local (it asks `refill` itself): no sync needed.
    out.bytes(buf, this.span, at);
    out.u8(0x10), out.u32(this.nImp + 1 + ctx.nDefined + k);
    this.span = r.pos;
  }
}
