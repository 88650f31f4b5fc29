/** Help text: the overview (`samuel --help`), a group (`samuel plugin`), and one command's page. */

import type { CommandSpec, FlagSpec } from "./command.ts";
import { COMMANDS } from "./registry.ts";
import { GLOBAL_FLAGS } from "./globals.ts";
import { columns } from "./output.ts";
import { VERSION } from "../version.ts";

function flagLines(flags: readonly FlagSpec[]): string[][] {
  return flags.map((f) => {
    const names = (f.alias ? `-${f.alias}, ` : "    ") + `--${f.name}` + (f.value ? ` ${f.value}` : "");
    return ["  " + names, f.description];
  });
}

export function overview(): string {
  const rows = COMMANDS.map((c) => ["  " + c.path.join(" "), c.summary]);
  return [
    `samuel ${VERSION}: install, verify and run sandboxed WebAssembly plugins`,
    "",
    "Usage: samuel <command> [options]",
    "",
    "Commands:",
    columns(rows),
    "",
    "Global options:",
    columns([...flagLines(GLOBAL_FLAGS), ["      --version", "print the version"]]),
    "",
    "Examples:",
    "  samuel init",
    "  samuel install acme/go-guide-wasm@v1.2.0",
    "  samuel run go-guide-wasm lint --json",
    "",
    "Exit codes: 0 ok, 1 unexpected, 2 invalid input, 3 capability refused, 4 verification failed,",
    "            5 lock contention, 6 plugin failed, 7 plugin timed out.",
    "Run `samuel <command> --help` for a command's options and examples.",
  ].join("\n");
}

export function groupHelp(word: string, specs: readonly CommandSpec[]): string {
  return [
    `Usage: samuel ${word} <command> [options]`,
    "",
    "Commands:",
    columns(specs.map((c) => ["  " + c.path.join(" "), c.summary])),
  ].join("\n");
}

export function commandHelp(spec: CommandSpec): string {
  const lines = [`Usage: samuel ${spec.usage}`, "", spec.summary];
  if (spec.description) lines.push("", spec.description);
  if (spec.aliases?.length) lines.push("", `Aliases: ${spec.aliases.join(", ")}`);
  if (spec.flags.length) lines.push("", "Options:", columns(flagLines(spec.flags)));
  lines.push("", "Global options:", columns(flagLines(GLOBAL_FLAGS)));
  lines.push("", "Examples:", ...spec.examples.map((e) => "  " + e));
  return lines.join("\n");
}
