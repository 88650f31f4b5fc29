/**
 * Decides which functions need a probe at entry. Loops are always probed; entries only where calls alone
 * could run long: a function that can recurse (it is in a cycle of the direct-call graph), that calls
 * through a table or reference (the target could be anything, itself included), or that calls an import
 * (the host may call back into the guest). Every other function's call tree is finite; it is probed only
 * when that tree, counted in function entries with probed callees counting one, exceeds `limit`. So
 * between two probes a guest runs at most `limit` unprobed function bodies, and straight-line code that
 * calls small helpers (most of a Go or Rust program) pays nothing.
 */

export interface CallInfo {
  /** Direct callees (`call`, `return_call`), as defined-function indices; imports excluded. */
  callees: number[];
  /** Calls an import, or calls indirectly (`call_indirect`, `call_ref`, their tail forms). */
  opaqueCalls: boolean;
  /** Has probes of its own besides an entry probe (loops, bulk operations). */
  hasProbes: boolean;
  /** Its first loop starts before anything else can run: that loop's probe serves as its entry probe. */
  loopFirst?: boolean;
}

export interface ProbePlan {
  /**
   * Per defined function: 1 when its entry is probed (an entry probe, or for `loopFirst`, the loop's).
   */
  entry: Uint8Array;
  /**
   * Per defined function: 1 when a call to it may read or write the counter (it or anything it calls has
   * a probe). Callers that keep the counter in a local must store it before such calls and reload after;
   * calls to the others need no sync.
   */
  touches: Uint8Array;
}

/** Largest call tree, in function entries, left without an entry probe. */
export const ENTRY_WORK_LIMIT = 32;

/** Decides entry probes and which calls need the counter synced. */
export function planProbes(funcs: CallInfo[], limit = ENTRY_WORK_LIMIT): ProbePlan {
  const n = funcs.length;
  const probe = new Uint8Array(n);
  const touches = new Uint8Array(n);
  const work = new Float64Array(n);
  // Tarjan's strongly connected components, iterative (Go modules have deep call chains). Components
  // come out callees-first, which is the order the work sums need.
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  let next = 0;
  const frames: { v: number; i: number }[] = [];
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    frames.push({ v: root, i: 0 });
    index[root] = low[root] = next++;
    stack.push(root);
    onStack[root] = 1;
    while (frames.length > 0) {
      const f = frames[frames.length - 1];
      const callees = funcs[f.v].callees;
      if (f.i < callees.length) {
        const w = callees[f.i++];
        if (w < 0 || w >= n) continue;
        if (index[w] === -1) {
          index[w] = low[w] = next++;
          stack.push(w);
          onStack[w] = 1;
          frames.push({ v: w, i: 0 });
        } else if (onStack[w]) {
          low[f.v] = Math.min(low[f.v], index[w]);
        }
        continue;
      }
      frames.pop();
      if (frames.length > 0) {
        const parent = frames[frames.length - 1].v;
        low[parent] = Math.min(low[parent], low[f.v]);
      }
      if (low[f.v] !== index[f.v]) continue;
      const component: number[] = [];
      let w: number;
      do {
        w = stack.pop()!;
        onStack[w] = 0;
        component.push(w);
      } while (w !== f.v);
      const cyclic = component.length > 1 || funcs[f.v].callees.includes(f.v);
      for (const v of component) {
        if (cyclic || funcs[v].opaqueCalls || funcs[v].loopFirst) {
          probe[v] = 1;
          touches[v] = 1;
          work[v] = 1;
          continue;
        }
        let sum = 1;
        let touch = funcs[v].hasProbes;
        for (const c of funcs[v].callees) {
          sum += probe[c] ? 1 : work[c];
          if (touches[c]) touch = true;
        }
        if (sum > limit) {
          probe[v] = 1;
          sum = 1;
        }
        work[v] = sum;
        touches[v] = touch || probe[v] ? 1 : 0;
      }
    }
  }
  return { entry: probe, touches };
}
