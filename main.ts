/**
 * Entry point of the `samuel` CLI: finds the command in argv, checks its flags, runs it, renders the
 * result (human lines or one `--json` envelope) and exits with the stable exit code (DESIGN.md section 8).
 * Start-up matters (`samuel run` is called on every iteration of a user's loop), so this file imports
 * only the command table and the output layer; each command's implementation is loaded lazily.
 */

import { parseArgv } from "./src/cli/argv.ts";
import type { CommandSpec, GlobalFlags } from "./src/cli/command.ts";
import { GLOBAL_FLAGS, resolveGlobals } from "./src/cli/globals.ts";
import { commandHelp, groupHelp, overview } from "./src/cli/help.ts";
import { Output, writeAll } from "./src/cli/output.ts";
import { COMMANDS, findCommand, group, topLevelWords } from "./src/cli/registry.ts";
import { closest } from "./src/cli/suggest.ts";
import { Exit, SamuelError, samuelError, toSamuelError } from "./src/errors.ts";

const VERSION_FLAG = { name: "version", type: "boolean", description: "print the version" } as const;

/** Runs the CLI on `argv` and returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  // Global flags may precede the command words (`samuel --json version`).
  let start = 0;
  while (start < argv.length && argv[start].startsWith("-") && argv[start] !== "--") start++;
  const leading = parseArgv(argv.slice(0, start), [...GLOBAL_FLAGS, VERSION_FLAG]);
  // Until the command is known, honour output flags anywhere before `--` so even an unknown command's
  // error comes out as JSON or with a stack trace when asked for.
  const early = argv.slice(0, argv.includes("--") ? argv.indexOf("--") : argv.length);
  let global = resolveGlobals({
    ...leading.flags,
    json: early.includes("--json"),
    verbose: early.includes("--verbose") || early.includes("-v"),
    "no-color": early.includes("--no-color"),
  });
  let out = new Output(global);
  let commandName = "samuel";

  try {
    if (leading.unknown.length) throw unknownFlag(leading.unknown[0], [...GLOBAL_FLAGS, VERSION_FLAG]);
    const words = argv.slice(start);
    if (leading.flags["version"] === true) {
      return await execute(COMMANDS.find((c) => c.path[0] === "version")!, [], global, out);
    }
    if (words.length === 0) {
      writeAll(Deno.stdout, overview() + "\n");
      return leading.flags["help"] === true ? Exit.ok : Exit.invalidInput;
    }
    if (words[0] === "help") {
      const target = findCommand(words.slice(1));
      writeAll(Deno.stdout, (target ? commandHelp(target.spec) : overview()) + "\n");
      return Exit.ok;
    }
    const found = findCommand(words);
    if (!found) throw unknownCommand(words);
    commandName = found.spec.path.join(" ");
    const rest = words.slice(found.used);
    if (found.spec.passthrough) {
      if (rest.length === 0 || rest[0] === "--help" || rest[0] === "-h") {
        writeAll(Deno.stdout, commandHelp(found.spec) + "\n");
        return rest.length === 0 ? Exit.invalidInput : Exit.ok;
      }
      global = resolveGlobals(leading.flags);
      out = new Output(global);
      return await execute(found.spec, rest, global, out);
    }
    const parsed = parseArgv(rest, [...found.spec.flags, ...GLOBAL_FLAGS]);
    global = resolveGlobals({ ...leading.flags, ...parsed.flags });
    out = new Output(global);
    if (parsed.unknown.length) throw unknownFlag(parsed.unknown[0], [...found.spec.flags, ...GLOBAL_FLAGS]);
    if (parsed.missingValue.length) {
      throw samuelError("SAM-CLI-003", {
        message: `option ${parsed.missingValue[0]} needs a value`,
        fix: `see \`samuel ${commandName} --help\``,
      });
    }
    if (parsed.flags["help"] === true || leading.flags["help"] === true) {
      writeAll(Deno.stdout, commandHelp(found.spec) + "\n");
      return Exit.ok;
    }
    return await execute(found.spec, rest, global, out, parsed);
  } catch (e) {
    return fail(e, commandName, out);
  }
}

async function execute(
  spec: CommandSpec,
  rest: readonly string[],
  global: GlobalFlags,
  out: Output,
  parsed?: ReturnType<typeof parseArgv>,
): Promise<number> {
  const command = spec.path.join(" ");
  try {
    const module = await spec.load();
    const result = await module.run({
      args: parsed ? [...parsed.positionals, ...parsed.rest] : [...rest],
      flags: parsed?.flags ?? {},
      raw: [...rest],
      global,
      out,
      cwd: Deno.cwd(),
    });
    if (!result.raw) {
      const ok = result.error === undefined;
      out.envelope({
        ok,
        command,
        data: result.data ?? null,
        error: result.error ?? null,
        warnings: out.warnings,
      });
      if (!ok) out.error(result.error!);
    }
    return result.exit ?? (result.error ? Exit.unexpected : Exit.ok);
  } catch (e) {
    return fail(e, command, out);
  }
}

function fail(e: unknown, command: string, out: Output): number {
  const error = toSamuelError(e);
  out.envelope({ ok: false, command, data: null, error: error.toInfo(), warnings: out.warnings });
  out.error(error.toInfo());
  if (out.verbose) {
    const inner = error.inner instanceof Error ? error.inner : error;
    writeAll(Deno.stderr, (inner.stack ?? String(inner)) + "\n");
  } else if (error.exit === Exit.unexpected && error.inner !== undefined) {
    writeAll(Deno.stderr, "  (run again with --verbose for the stack trace)\n");
  }
  return error.exit;
}

function unknownCommand(words: readonly string[]): SamuelError {
  const groupMembers = group(words[0]);
  if (groupMembers.length > 0) {
    const subs = groupMembers.map((c) => c.path[1]);
    const guess = words[1] ? closest(words[1], subs) : undefined;
    return samuelError("SAM-CLI-001", {
      message: words[1]
        ? `unknown command: samuel ${words[0]} ${words[1]}`
        : `samuel ${words[0]} needs a subcommand`,
      fix: guess ? `did you mean \`samuel ${words[0]} ${guess}\`?` : groupHelp(words[0], groupMembers),
    });
  }
  const guess = closest(words[0], topLevelWords());
  return samuelError("SAM-CLI-001", {
    message: `unknown command: ${words[0]}`,
    fix: guess ? `did you mean \`samuel ${guess}\`?` : "run `samuel --help` to list the commands",
  });
}

function unknownFlag(flag: string, specs: readonly { name: string }[]): SamuelError {
  const guess = closest(flag.replace(/^-+/, ""), specs.map((s) => s.name));
  return samuelError("SAM-CLI-002", {
    message: `unknown option: ${flag}`,
    fix: guess ? `did you mean \`--${guess}\`?` : "run the command with --help to list its options",
  });
}

/**
 * Ends the process with `code`, after one turn of Deno's event loop. Deno stores a module's V8 code
 * cache from its event loop, and a `samuel run` on a module-cache hit makes no asynchronous call at all:
 * without this turn, a fresh install (or a new bundle) never got its code cache, and every start compiled
 * the whole run path again (~3.5 ms, bench/RESULTS.md). A zero-byte write to stdout is the cheapest turn
 * measured (~0.1 ms; a zero timeout costs 2-7 ms, letting the process end by itself ~0.7 ms); it needs no
 * permission, so it also works behind the process wall.
 */
export async function exit(code: number): Promise<never> {
  await Deno.stdout.write(new Uint8Array(0)).catch(() => 0);
  Deno.exit(code);
}

if (import.meta.main) {
  await exit(await main(Deno.args));
}
