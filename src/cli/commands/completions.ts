/**
 * `samuel completions bash|zsh|fish`: prints a shell completion script generated from the command table
 * (src/cli/registry.ts) and the global flags, so a new verb or flag is completed without anyone editing
 * three shell scripts. Completes command words (with groups such as `plugin exec`), each command's flags
 * plus the global ones, file names after flags that take a FILE/DIR-like value and after `plugin exec`,
 * and the shell names after `completions`.
 *
 * Install: `samuel completions bash > ~/.local/share/bash-completion/completions/samuel`,
 * `samuel completions zsh > "${fpath[1]}/_samuel"`, `samuel completions fish >
 * ~/.config/fish/completions/samuel.fish` (the help text says the same).
 */

import type { CommandModule, CommandSpec, FlagSpec } from "../command.ts";
import { GLOBAL_FLAGS } from "../globals.ts";
import { COMMANDS } from "../registry.ts";
import { samuelError } from "../../errors.ts";

export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = typeof SHELLS[number];

/** What the generators need, derived once from the command table. */
interface Model {
  /** Top-level words (commands, groups, aliases, `help`) with a one-line summary. */
  top: { word: string; summary: string }[];
  /** Group word → its subcommand words with summaries (`plugin` → validate, exec, bench). */
  groups: Map<string, { word: string; summary: string }[]>;
  /** Full command key (`install`, `plugin exec`, alias keys too) → the spec. */
  commands: Map<string, CommandSpec>;
}

function model(commands: readonly CommandSpec[]): Model {
  const top = new Map<string, string>();
  const groups = new Map<string, { word: string; summary: string }[]>();
  const byKey = new Map<string, CommandSpec>();
  for (const spec of commands) {
    const heads = [spec.path, ...(spec.aliases ?? []).map((a) => [a, ...spec.path.slice(1)])];
    for (const head of heads) byKey.set(head.join(" "), spec);
    if (spec.path.length === 1) {
      top.set(spec.path[0], spec.summary);
      for (const a of spec.aliases ?? []) top.set(a, spec.summary);
    } else {
      const [groupWord, sub] = spec.path;
      if (!top.has(groupWord)) top.set(groupWord, `${groupWord} commands`);
      const members = groups.get(groupWord) ?? [];
      members.push({ word: sub, summary: spec.summary });
      groups.set(groupWord, members);
    }
  }
  top.set("help", "show help for a command");
  return { top: [...top].map(([word, summary]) => ({ word, summary })), groups, commands: byKey };
}

/** Every long and short spelling of a flag list. */
function spellings(flags: readonly FlagSpec[]): string[] {
  return flags.flatMap((f) => [`--${f.name}`, ...(f.alias ? [`-${f.alias}`] : [])]);
}

/** Flags whose value is a path (complete file names after them). */
function takesPath(f: FlagSpec): boolean {
  return f.type !== "boolean" &&
    (/FILE|DIR|PATH|HOST/.test(f.value ?? "") || /(^|-)(dir|file|path)$/.test(f.name));
}

function takesValue(f: FlagSpec): boolean {
  return f.type !== "boolean";
}

/**
 * Flags of `spec` plus the global ones (without duplicates, the command's own first). A passthrough
 * command (`plugin exec`) parses its own flags, so the table lists none: its usage line names them
 * (`[--dir HOST[::GUEST]]...`), and that is where they are read from.
 */
function flagsOf(spec: CommandSpec): FlagSpec[] {
  const own = ownFlags(spec);
  const seen = new Set(own.map((f) => f.name));
  return [...own, ...GLOBAL_FLAGS.filter((f) => !seen.has(f.name))];
}

function ownFlags(spec: CommandSpec): FlagSpec[] {
  return spec.passthrough ? usageFlags(spec) : spec.flags;
}

/** `--name VALUE` pairs of a usage line, as value-taking flags (`--name` alone: boolean). */
function usageFlags(spec: CommandSpec): FlagSpec[] {
  const flags = new Map<string, FlagSpec>();
  for (const m of spec.usage.matchAll(/--([a-z][a-z0-9-]*)(?:[ =]([A-Z][A-Z0-9_:=[\]|.-]*))?/g)) {
    flags.set(m[1], {
      name: m[1],
      type: m[2] ? "string" : "boolean",
      value: m[2],
      description: `see \`samuel ${spec.path.join(" ")} --help\``,
    });
  }
  return [...flags.values()];
}

/** `plugin exec` and any other passthrough command take a module path and free arguments. */
function completesFiles(spec: CommandSpec): boolean {
  return spec.passthrough === true;
}

export function bashScript(commands: readonly CommandSpec[] = COMMANDS): string {
  const m = model(commands);
  const all = [...m.commands.values()];
  const valueFlags = new Set(all.flatMap((s) => spellings(flagsOf(s).filter(takesValue))));
  const pathFlags = new Set(all.flatMap((s) => spellings(flagsOf(s).filter(takesPath))));
  const cases: string[] = [];
  cases.push(`    "") words="${m.top.map((t) => t.word).join(" ")}" ;;`);
  for (const [g, members] of m.groups) {
    cases.push(`    ${g}) words="${members.map((x) => x.word).join(" ")}" ;;`);
  }
  for (const [key, spec] of m.commands) {
    const words = key === "completions" ? SHELLS.join(" ") : "";
    const files = completesFiles(spec) ? " files=1" : "";
    cases.push(`    "${key}") flags="${spellings(flagsOf(spec)).join(" ")}" words="${words}"${files} ;;`);
  }
  cases.push(
    `    help|"help "*) words="${m.top.filter((t) => t.word !== "help").map((t) => t.word).join(" ")}" ;;`,
  );
  return `# bash completion for samuel (generated by \`samuel completions bash\`; do not edit).
# Install: samuel completions bash > ~/.local/share/bash-completion/completions/samuel
_samuel() {
  local cur prev cmd="" i w words="" flags="${spellings(GLOBAL_FLAGS).join(" ")}" files=0 skip=0
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev=""
  [ "$COMP_CWORD" -gt 0 ] && prev="\${COMP_WORDS[COMP_CWORD-1]}"
  case " ${[...pathFlags].join(" ")} " in
    *" $prev "*) COMPREPLY=( $(compgen -f -- "$cur") ); return 0 ;;
  esac
  case " ${[...valueFlags].join(" ")} " in
    *" $prev "*) COMPREPLY=(); return 0 ;;
  esac
  # The command so far: the words before the cursor that are neither flags nor flag values.
  for (( i = 1; i < COMP_CWORD; i++ )); do
    w="\${COMP_WORDS[i]}"
    if [ "$skip" = 1 ]; then skip=0; continue; fi
    case "$w" in
      --) break ;;
      -*) case " ${[...valueFlags].join(" ")} " in *" $w "*) skip=1 ;; esac; continue ;;
    esac
    case "$cmd" in
      "") cmd="$w" ;;
${[...m.groups.keys()].map((g) => `      ${g}) cmd="${g} $w" ;;`).join("\n")}
      help) cmd="help $w" ;;
    esac
  done
  case "$cmd" in
${cases.join("\n")}
  esac
  if [ "$files" = 1 ] && [[ "$cur" != -* ]]; then
    COMPREPLY=( $(compgen -f -- "$cur") )
  elif [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$flags" -- "$cur") )
  else
    COMPREPLY=( $(compgen -W "$words" -- "$cur") )
  fi
  return 0
}
complete -o default -o bashdefault -F _samuel samuel
`;
}

/** Quotes `text` for a zsh/fish single-quoted string (and zsh `_describe`'s `word:description`). */
function sq(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

function fishQuote(text: string): string {
  return `'${text.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}

export function zshScript(commands: readonly CommandSpec[] = COMMANDS): string {
  const m = model(commands);
  const describe = (items: { word: string; summary: string }[]) =>
    items.map((i) => sq(`${i.word.replaceAll(":", "\\:")}:${i.summary}`)).join(" ");
  const flagItems = (flags: readonly FlagSpec[]) =>
    flags.flatMap((f) =>
      [`--${f.name}`, ...(f.alias ? [`-${f.alias}`] : [])].map((s) => ({ word: s, summary: f.description }))
    );
  const all = [...m.commands.values()];
  const valueFlags = new Set(all.flatMap((s) => spellings(flagsOf(s).filter(takesValue))));
  const pathFlags = new Set(all.flatMap((s) => spellings(flagsOf(s).filter(takesPath))));
  const cases: string[] = [];
  cases.push(`    '') items=(${describe(m.top)}) ;;`);
  for (const [g, members] of m.groups) cases.push(`    ${g}) items=(${describe(members)}) ;;`);
  for (const [key, spec] of m.commands) {
    const words = key === "completions"
      ? SHELLS.map((s) => ({ word: s, summary: `${s} completion script` }))
      : [];
    const files = completesFiles(spec) ? " files=1" : "";
    cases.push(
      `    ${sq(key)}) items=(${describe(words)}) flags=(${describe(flagItems(flagsOf(spec)))})${files} ;;`,
    );
  }
  cases.push(`    help|'help '*) items=(${describe(m.top.filter((t) => t.word !== "help"))}) ;;`);
  return `#compdef samuel
# zsh completion for samuel (generated by \`samuel completions zsh\`; do not edit).
# Install: samuel completions zsh > "\${fpath[1]}/_samuel", then restart zsh (or run compinit).
_samuel() {
  local cmd='' w prev skip=0 files=0 i
  local -a items flags
  flags=(${describe(flagItems(GLOBAL_FLAGS))})
  prev="\${words[CURRENT-1]}"
  case " ${[...pathFlags].join(" ")} " in
    *" $prev "*) _files; return ;;
  esac
  case " ${[...valueFlags].join(" ")} " in
    *" $prev "*) _message 'value'; return ;;
  esac
  for (( i = 2; i < CURRENT; i++ )); do
    w="\${words[i]}"
    if [[ $skip == 1 ]]; then skip=0; continue; fi
    case "$w" in
      --) break ;;
      -*) case " ${[...valueFlags].join(" ")} " in *" $w "*) skip=1 ;; esac; continue ;;
    esac
    case "$cmd" in
      '') cmd="$w" ;;
${[...m.groups.keys()].map((g) => `      ${g}) cmd="${g} $w" ;;`).join("\n")}
      help) cmd="help $w" ;;
    esac
  done
  case "$cmd" in
${cases.join("\n")}
  esac
  if [[ $files == 1 && "\${words[CURRENT]}" != -* ]]; then
    _files
  elif [[ "\${words[CURRENT]}" == -* ]]; then
    _describe -t options 'option' flags
  else
    _describe -t commands 'samuel command' items
  fi
}
if [[ "\${zsh_eval_context[-1]}" == loadautofunc ]]; then
  _samuel "$@"
else
  compdef _samuel samuel
fi
`;
}

export function fishScript(commands: readonly CommandSpec[] = COMMANDS): string {
  const m = model(commands);
  const lines = [
    "# fish completion for samuel (generated by `samuel completions fish`; do not edit).",
    "# Install: samuel completions fish > ~/.config/fish/completions/samuel.fish",
    "complete -c samuel -f",
  ];
  const groupWords = [...m.groups.keys()];
  const allSubs = [...new Set([...m.groups.values()].flat().map((x) => x.word))];
  for (const t of m.top) {
    lines.push(`complete -c samuel -n __fish_use_subcommand -a ${t.word} -d ${fishQuote(t.summary)}`);
  }
  for (const [g, members] of m.groups) {
    const others = groupWords.filter((x) => x !== g);
    // Stop once a member (of any group) or another group word is seen; `plugin` is both a group and
    // `new`'s member, so the group's own word never counts against it.
    const stop = [...new Set([...allSubs, ...others])].filter((x) => x !== g).join(" ");
    for (const x of members) {
      lines.push(
        `complete -c samuel -n ${
          fishQuote(`__fish_seen_subcommand_from ${g}; and not __fish_seen_subcommand_from ${stop}`)
        } -a ${x.word} -d ${fishQuote(x.summary)}`,
      );
    }
  }
  const flagLine = (cond: string | undefined, f: FlagSpec) => {
    const parts = ["complete -c samuel"];
    if (cond) parts.push(`-n ${fishQuote(cond)}`);
    parts.push(`-l ${f.name}`);
    if (f.alias) parts.push(`-s ${f.alias}`);
    if (takesPath(f)) parts.push("-r -F");
    else if (takesValue(f)) parts.push("-x");
    parts.push(`-d ${fishQuote(f.description)}`);
    return parts.join(" ");
  };
  for (const f of GLOBAL_FLAGS) lines.push(flagLine(undefined, f));
  for (const spec of commands) {
    // The last word of the path (`exec`, `install`), or the group word for `new plugin`-style commands
    // whose last word is shared with a group (`plugin`).
    const last = spec.path.at(-1)!;
    const word = spec.path.length > 1 && m.groups.has(last) ? spec.path[0] : last;
    const cond = `__fish_seen_subcommand_from ${[word, ...(spec.aliases ?? [])].join(" ")}`;
    const condition = spec.path.length > 1 && word !== spec.path[0]
      ? `__fish_seen_subcommand_from ${spec.path[0]}; and ${cond}`
      : cond;
    for (const f of ownFlags(spec)) lines.push(flagLine(condition, f));
    if (completesFiles(spec)) lines.push(`complete -c samuel -n ${fishQuote(condition)} -F`);
  }
  lines.push(
    `complete -c samuel -n ${fishQuote("__fish_seen_subcommand_from completions")} -a ${
      fishQuote(SHELLS.join(" "))
    }`,
  );
  return lines.join("\n") + "\n";
}

/** The script for `shell`. */
export function completionScript(shell: Shell, commands: readonly CommandSpec[] = COMMANDS): string {
  switch (shell) {
    case "bash":
      return bashScript(commands);
    case "zsh":
      return zshScript(commands);
    case "fish":
      return fishScript(commands);
  }
}

export const run: CommandModule["run"] = (inv) => {
  const [shell, ...extra] = inv.args;
  if (shell === undefined || !(SHELLS as readonly string[]).includes(shell) || extra.length > 0) {
    throw samuelError("SAM-COMPLETIONS-001", {
      message: shell === undefined
        ? "samuel completions needs a shell name"
        : extra.length > 0
        ? `samuel completions takes one shell name, got ${inv.args.length}`
        : `unknown shell: ${shell}`,
      fix: `run \`samuel completions bash\`, \`samuel completions zsh\` or \`samuel completions fish\``,
    });
  }
  const script = completionScript(shell as Shell);
  inv.out.line(script.replace(/\n$/, ""));
  return Promise.resolve({ data: { shell, script } });
};
