/**
 * `samuel plugin exec [--dir HOST[::GUEST]]... [--dir-ro HOST[::GUEST]]... [--env K=V]...
 * [--inherit-env KEY]... [--timeout D] [--max-memory MIB] [--fuel N] MODULE.wasm [-- ARGS...]`: runs a
 * WASI command module with exactly those capabilities and limits, like `wasmtime run`, so plugin authors
 * can try a module by hand. This file maps argv to an `ExecPlan` and prints the outcome; the use case
 * (walls, limits, the one invocation path) is src/app/exec.ts.
 *
 * - `--dir` grants a host directory read-write, `--dir-ro` read-only; the guest sees it at GUEST
 *   (default: HOST as written). Nothing else of the filesystem exists for the guest, and the process
 *   itself is narrowed to these folders before the guest starts (the outer wall).
 * - `--env K=V` sets a variable; `--inherit-env KEY` copies the host's value when it is set. The guest
 *   sees no other variable.
 * - `--timeout D` stops the guest at D (500ms, 5s, 2m); `--fuel N` after N meter refills (deterministic);
 *   `--max-memory MIB` caps its memory. A stop prints `error: ...` with its code and exits 134.
 * - Guest args follow MODULE (after an optional `--`); argv[0] is the module's file name.
 * - stdio is the terminal's. The exit code is the guest's (0 when `_start` returns); a trap prints
 *   `error: wasm trap: <message>` and the wasm backtrace to stderr and exits 134.
 * Usage errors and unreadable or invalid modules are SamuelErrors (SAM-EXEC-00N, exit 2).
 */

import type { CommandResult, Invocation } from "../command.ts";
import { writeAll } from "../output.ts";
import { type SamCode, samuelError } from "../../errors.ts";
import { parseDuration } from "../../manifest/duration.ts";
import { execModule, type ExecPlan } from "../../app/exec.ts";
import type { PreopenSpec } from "../../runtime/wasi/mod.ts";

const USAGE = "samuel plugin exec [--dir HOST[::GUEST]]... [--dir-ro HOST[::GUEST]]... [--env K=V]... " +
  "[--inherit-env KEY]... [--timeout D] [--max-memory MIB] [--fuel N] MODULE.wasm [-- ARGS...]";

/** Exit status for a trap, as wasmtime uses (128 + SIGABRT). */
export const TRAP_EXIT = 134;

/** Parses the passthrough argv. Exported for tests. */
export function parseExecArgs(raw: readonly string[], cwd: string, getEnv = Deno.env.get): ExecPlan {
  const preopens: PreopenSpec[] = [];
  const env: [string, string][] = [];
  const limits: Pick<ExecPlan, "timeoutMs" | "maxMemoryMiB" | "fuel"> = {};
  let i = 0;
  const value = (flag: string, inline: string | undefined): string => {
    if (inline !== undefined) return inline;
    if (i + 1 >= raw.length) throw usage(`option ${flag} needs a value`);
    return raw[++i];
  };
  for (; i < raw.length; i++) {
    const a = raw[i];
    if (a === "--") {
      i++;
      break;
    }
    if (!a.startsWith("-") || a === "-") break;
    const eq = a.indexOf("=");
    const flag = a.startsWith("--") && eq > 0 ? a.slice(0, eq) : a;
    const inline = a.startsWith("--") && eq > 0 ? a.slice(eq + 1) : undefined;
    switch (flag) {
      case "--dir":
      case "--dir-ro": {
        const spec = value(flag, inline);
        const sep = spec.indexOf("::");
        const host = sep >= 0 ? spec.slice(0, sep) : spec;
        const guest = sep >= 0 ? spec.slice(sep + 2) : spec;
        if (host === "" || guest === "") throw usage(`${flag} ${spec}: HOST and GUEST must not be empty`);
        preopens.push({ guestPath: guest, hostPath: resolvePath(cwd, host), readOnly: flag === "--dir-ro" });
        break;
      }
      case "--env": {
        const kv = value(flag, inline);
        const k = kv.indexOf("=");
        if (k <= 0) throw usage(`--env ${kv}: expected KEY=VALUE`);
        env.push([kv.slice(0, k), kv.slice(k + 1)]);
        break;
      }
      case "--inherit-env": {
        const key = value(flag, inline);
        const v = getEnv(key);
        if (v !== undefined) env.push([key, v]);
        break;
      }
      case "--timeout": {
        const v = value(flag, inline);
        const d = parseDuration(v);
        if (!d.ok || d.ms <= 0) throw usage(`--timeout ${v}: ${d.ok ? "must be above zero" : d.reason}`);
        limits.timeoutMs = d.ms;
        break;
      }
      case "--max-memory":
        limits.maxMemoryMiB = positive(flag, value(flag, inline), 65536);
        break;
      case "--fuel":
        limits.fuel = positive(flag, value(flag, inline), Number.MAX_SAFE_INTEGER);
        break;
      default:
        throw usage(`unknown option ${a}`);
    }
  }
  if (i >= raw.length) throw usage("missing MODULE.wasm");
  const module = raw[i];
  let rest = raw.slice(i + 1);
  if (rest[0] === "--") rest = rest.slice(1);
  const base = module.split("/").pop() || module;
  return { module: resolvePath(cwd, module), args: [base, ...rest], preopens, env, ...limits };
}

/** A whole number from 1 to `max`, or a usage error. */
function positive(flag: string, v: string, max: number): number {
  const n = Number(v);
  if (!/^[0-9]+$/.test(v) || !Number.isSafeInteger(n) || n < 1 || n > max) {
    throw usage(`${flag} ${v}: expected a whole number from 1 to ${max}`);
  }
  return n;
}

function usage(message: string) {
  return samuelError("SAM-EXEC-001", { message, fix: `usage: ${USAGE}` });
}

function resolvePath(cwd: string, p: string): string {
  return p.startsWith("/") ? p : `${cwd.replace(/\/$/, "")}/${p}`;
}

export async function run(inv: Invocation): Promise<CommandResult> {
  const plan = parseExecArgs(inv.raw, inv.cwd);
  const { result } = await execModule(plan, inv.out.verbose ? (t) => inv.out.note(t) : undefined);
  switch (result.outcome) {
    case "ok":
    case "plugin_error":
      return { exit: result.exitCode ?? 0, raw: true };
    case "timeout":
      return stopped(`the guest ran past --timeout (${plan.timeoutMs} ms) and was stopped`, "SAM-EXEC-007");
    case "fuel_exhausted":
      return stopped(`the guest used its --fuel of ${plan.fuel} and was stopped`, "SAM-EXEC-008");
    default: {
      const cap = plan.maxMemoryMiB;
      const full = cap !== undefined && result.report.peak_memory_bytes >= cap * 1024 * 1024;
      return trapped(
        result.trap?.message ?? result.message ?? "trap",
        result.trap?.backtrace ?? [],
        full ? cap : undefined,
      );
    }
  }
}

/** A limit stopped the guest: said on stderr with its code, exit 134 as for any trap. */
function stopped(message: string, code: SamCode): CommandResult {
  writeAll(Deno.stderr, `error: ${message} [${code}]\n`);
  return { exit: TRAP_EXIT, raw: true };
}

/** Prints the trap like wasmtime does (message, then the wasm frames) and returns exit 134. */
function trapped(message: string, frames: string[], memoryCapMiB?: number): CommandResult {
  const lines = [`error: wasm trap: ${message}`];
  if (frames.length > 0) {
    lines.push("wasm backtrace:");
    frames.forEach((f, i) => lines.push(`  ${i}: ${f}`));
  }
  if (memoryCapMiB !== undefined) {
    lines.push(
      `note: the guest's memory had reached --max-memory ${memoryCapMiB} MiB (memory.grow fails past it)`,
    );
  }
  writeAll(Deno.stderr, lines.join("\n") + "\n");
  return { exit: TRAP_EXIT, raw: true };
}
