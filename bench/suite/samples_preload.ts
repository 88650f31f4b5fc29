/**
 * Preloaded by bench/report.ts into every `deno bench` process (`--preload`): wraps `Deno.bench` so the
 * duration of every call of every bench function is recorded, and writes them as JSON to the file named
 * by `SAMUEL_BENCH_SAMPLES` when the process ends. `deno bench --json` reports min, avg, p75, p99 but
 * neither the samples nor a median, and the issue asks for medians.
 *
 * A call's duration is the time between `b.start()` and `b.end()` when the bench uses explicit timers,
 * else the whole call (awaited when it returns a promise). Warm-up calls are recorded too; they come first,
 * so the report keeps the last `n` samples, `n` being the measured iterations deno reports. The wrapper
 * costs one `performance.now()` pair per call (well under a microsecond), so for benches faster than
 * ~20 µs the report prefers deno's own average (see bench/report.ts).
 *
 * The file is also rewritten (atomically) at most every 2 s while benches run, with each bench's group,
 * baseline flag and warm-up count: when the report stops a file at its time cap, deno's own JSON is lost
 * but the medians of the benches that ran can still be recovered from here.
 */

type BenchFn = (b: Deno.BenchContext) => void | Promise<void>;

/** What the report reads: per bench name, its definition's grouping and the recorded call times (ms). */
export interface RecordedBench {
  group: string | null;
  baseline: boolean;
  warmup: number | null;
  samples: number[];
}

const recorded: Record<string, RecordedBench> = {};
const out = Deno.env.get("SAMUEL_BENCH_SAMPLES");
/** Micro-benches run hundreds of thousands of calls; their medians come from deno's average anyway. */
const MAX_SAMPLES = 20_000;
let lastFlush = performance.now();

function flush(): void {
  if (!out) return;
  lastFlush = performance.now();
  // Written whole to a temp name and renamed: a kill at the cap never leaves half a file.
  Deno.writeTextFileSync(`${out}.tmp`, JSON.stringify(recorded));
  Deno.renameSync(`${out}.tmp`, out);
}

function wrap(name: string, fn: BenchFn, def?: Partial<Deno.BenchDefinition>): BenchFn {
  const entry = recorded[name] ??= {
    group: def?.group ?? null,
    baseline: def?.baseline === true,
    warmup: def?.warmup ?? null,
    samples: [],
  };
  const list = entry.samples;
  const timed = (b: Deno.BenchContext): void | Promise<void> => {
    let started = NaN;
    let explicit = NaN;
    const ctx = Object.create(b, {
      start: {
        value: () => {
          b.start();
          started = performance.now();
        },
      },
      end: {
        value: () => {
          explicit = performance.now() - started;
          b.end();
        },
      },
    }) as Deno.BenchContext;
    const t0 = performance.now();
    const record = () => {
      list.push(Number.isNaN(explicit) ? performance.now() - t0 : explicit);
      if (list.length > MAX_SAMPLES) list.splice(0, list.length - MAX_SAMPLES);
      if (performance.now() - lastFlush > 2000) flush();
    };
    const r = fn(ctx);
    if (r instanceof Promise) return r.then(record);
    record();
  };
  // Keep the function's kind: deno treats async functions and plain ones differently.
  return fn.constructor.name === "AsyncFunction"
    ? async (b: Deno.BenchContext) => await timed(b)
    : (b: Deno.BenchContext) => timed(b);
}

if (out) {
  const original = Deno.bench.bind(Deno);
  // deno-lint-ignore no-explicit-any
  (Deno as any).bench = (...args: any[]) => {
    const def = args.find((a) => typeof a === "object" && a !== null) as
      | Partial<Deno.BenchDefinition>
      | undefined;
    const name = (args.find((a) => typeof a === "string") as string | undefined) ?? def?.name ??
      (args.find((a) => typeof a === "function") as BenchFn | undefined)?.name ?? "";
    const mapped = args.map((a) => {
      if (typeof a === "function") return wrap(name, a, def);
      if (typeof a === "object" && a !== null && typeof a.fn === "function") {
        return { ...a, fn: wrap(name, a.fn, def) };
      }
      return a;
    });
    return original(...(mapped as Parameters<typeof Deno.bench>));
  };
  globalThis.addEventListener("unload", flush);
}
