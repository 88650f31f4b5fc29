/**
 * `samuel plugin exec [--dir HOST[::GUEST]]... [--dir-ro HOST[::GUEST]]... [--env K=V]...
 * [--inherit-env KEY]... MODULE.wasm [-- ARGS...]`: runs a WASI command module with exactly those
 * capabilities, like `wasmtime run`, so plugin authors can try a module by hand.
 *
 * - `--dir` grants a host directory read-write, `--dir-ro` read-only; the guest sees it at GUEST
 *   (default: HOST as written). Nothing else of the filesystem exists for the guest.
 * - `--env K=V` sets a variable; `--inherit-env KEY` copies the host's value when it is set. The guest
 *   sees no other variable.
 * - Guest args follow MODULE (after an optional `--`); argv[0] is the module's file name.
 * - stdio is the terminal's. The exit code is the guest's (0 when `_start` returns); a trap prints
 *   `error: wasm trap: <message>` and the wasm backtrace to stderr and exits 134.
 * Usage errors and unreadable or invalid modules are SamuelErrors (SAM-EXEC-00N, exit 2).
 */

import type { CommandResult, Invocation } from "../command.ts";
import { writeAll } from "../output.ts";
import { invalidInput } from "../../errors.ts";
import { type PreopenSpec, WasiHost, WasiSetupError } from "../../runtime/wasi/mod.ts";
import { memoryImport } from "../../runtime/wasi/module_info.ts";

const USAGE = "samuel plugin exec [--dir HOST[::GUEST]]... [--dir-ro HOST[::GUEST]]... [--env K=V]... " +
  "[--inherit-env KEY]... MODULE.wasm [-- ARGS...]";

/** Exit status for a trap, as wasmtime uses (128 + SIGABRT). */
export const TRAP_EXIT = 134;

interface ExecPlan {
  module: string;
  args: string[];
  preopens: PreopenSpec[];
  env: [string, string][];
}

/** Parses the passthrough argv. Exported for tests. */
export function parseExecArgs(raw: readonly string[], cwd: string, getEnv = Deno.env.get): ExecPlan {
  const preopens: PreopenSpec[] = [];
  const env: [string, string][] = [];
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
      default:
        throw usage(`unknown option ${a}`);
    }
  }
  if (i >= raw.length) throw usage("missing MODULE.wasm");
  const module = raw[i];
  let rest = raw.slice(i + 1);
  if (rest[0] === "--") rest = rest.slice(1);
  const base = module.split("/").pop() || module;
  return { module: resolvePath(cwd, module), args: [base, ...rest], preopens, env };
}

function usage(message: string) {
  return invalidInput("SAM-EXEC-001", message, `usage: ${USAGE}`);
}

function resolvePath(cwd: string, p: string): string {
  return p.startsWith("/") ? p : `${cwd.replace(/\/$/, "")}/${p}`;
}

export async function run(inv: Invocation): Promise<CommandResult> {
  const plan = parseExecArgs(inv.raw, inv.cwd);

  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(plan.module);
  } catch (e) {
    throw invalidInput(
      "SAM-EXEC-002",
      `cannot read module ${plan.module}`,
      "check the path to the .wasm file",
      e instanceof Error ? e.message : String(e),
    );
  }
  let module: WebAssembly.Module;
  try {
    module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  } catch (e) {
    throw invalidInput(
      "SAM-EXEC-003",
      `${plan.module} is not a valid WebAssembly module`,
      "build the module for wasm32-wasip1 (e.g. `GOOS=wasip1 GOARCH=wasm`, `--target=wasm32-wasi`)",
      e instanceof Error ? e.message : String(e),
    );
  }
  if (!WebAssembly.Module.exports(module).some((e) => e.name === "_start" && e.kind === "function")) {
    throw invalidInput(
      "SAM-EXEC-004",
      `${plan.module} is not a WASI command module (no _start export)`,
      "plugin exec runs commands; reactors are run by `samuel run`",
    );
  }

  let host: WasiHost;
  try {
    host = new WasiHost({
      args: plan.args,
      env: plan.env,
      preopens: plan.preopens,
      stdin: {
        read: (buf) => Deno.stdin.readSync(buf) ?? 0,
        isTerminal: () => Deno.stdin.isTerminal(),
      },
      stdout: { write: (buf) => Deno.stdout.writeSync(buf), isTerminal: () => Deno.stdout.isTerminal() },
      stderr: { write: (buf) => Deno.stderr.writeSync(buf), isTerminal: () => Deno.stderr.isTerminal() },
    });
  } catch (e) {
    if (e instanceof WasiSetupError) {
      throw invalidInput(
        "SAM-EXEC-005",
        `cannot grant directory ${e.hostPath}`,
        "pass an existing directory to --dir / --dir-ro",
        e.message,
      );
    }
    throw e;
  }

  const imports: WebAssembly.Imports = { ...host.imports };
  const mem = memoryImport(bytes);
  if (mem !== null) {
    const memory = new WebAssembly.Memory({ initial: mem.initial, maximum: mem.maximum, shared: mem.shared });
    imports[mem.module] = { ...(imports[mem.module] ?? {}), [mem.name]: memory };
    host.bindMemory(memory);
  }

  const missing = WebAssembly.Module.imports(module)
    .filter((i) => {
      const m = imports[i.module] as Record<string, unknown> | undefined;
      return m === undefined || !(i.name in m);
    })
    .map((i) => `${i.module}.${i.name}`);
  if (missing.length > 0) {
    host.close();
    throw invalidInput(
      "SAM-EXEC-006",
      `${plan.module} needs imports that plugin exec does not provide: ${missing.join(", ")}`,
      "plugin exec provides wasi_snapshot_preview1 only; run plugins that use the samuel host module with `samuel run`",
    );
  }

  let instance: WebAssembly.Instance;
  try {
    instance = new WebAssembly.Instance(module, imports);
  } catch (e) {
    if (e instanceof WebAssembly.LinkError) {
      throw invalidInput(
        "SAM-EXEC-006",
        `${plan.module} needs imports that plugin exec does not provide`,
        "plugin exec provides wasi_snapshot_preview1 only; run plugins that use the samuel host module with `samuel run`",
        e.message,
      );
    }
    if (!(e instanceof WebAssembly.RuntimeError || e instanceof RangeError)) throw e;
    return trapped(e);
  }

  try {
    return { exit: host.start(instance), raw: true };
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError || e instanceof RangeError) return trapped(e);
    throw e;
  } finally {
    host.close();
  }
}

/** Prints the trap like wasmtime does (message, then the wasm frames) and returns exit 134. */
function trapped(e: Error): CommandResult {
  const lines = [`error: wasm trap: ${e.message}`];
  const frames = (e.stack ?? "").split("\n").filter((l) =>
    l.includes("wasm://") || l.includes("wasm-function")
  );
  if (frames.length > 0) {
    lines.push("wasm backtrace:");
    frames.forEach((f, i) => lines.push(`  ${i}: ${f.trim().replace(/^at /, "")}`));
  }
  writeAll(Deno.stderr, lines.join("\n") + "\n");
  return { exit: TRAP_EXIT, raw: true };
}
