/**
 * The command table: every verb `samuel` knows, its flags, help text and examples, and a lazy loader
 * for its implementation. Only this table is loaded at start-up; a command's own imports are paid for
 * only when that command runs.
 */

import { codeUrl } from "../code_url.ts";
import type { CommandModule, CommandSpec } from "./command.ts";

/**
 * Loads `commands/<file>` on demand. The specifier is built at run time on purpose: Deno builds the module
 * graph of every *literal* dynamic import at start-up, which made each start pay ~7 ms for all commands'
 * dependencies (Sigstore, TOML, the runtime). `scripts/compile.ts` includes `src/cli/commands/` so the
 * single binary still embeds them, and tests/cli/registry_test.ts checks every command file loads.
 */
function command(file: string): () => Promise<CommandModule> {
  // Not a regular expression: the first one of a process costs ~0.1 ms, and this table loads on every start.
  const name = file.endsWith(".ts") ? file.slice(0, -3) : file;
  return () => {
    const given = provided.get(name);
    return given ? Promise.resolve(given) : import(codeUrl(`cli/commands/${name}`));
  };
}

const provided = new Map<string, CommandModule>();

/**
 * Hands the registry command modules that are already loaded, by file name without `.ts`: the bundle's
 * entry point (src/bundle_main.ts) carries the run path's commands in its own file and provides them,
 * so running them loads nothing more.
 */
export function provideCommands(modules: Record<string, CommandModule>): void {
  for (const [name, module] of Object.entries(modules)) provided.set(name, module);
}

export const COMMANDS: readonly CommandSpec[] = [
  {
    path: ["init"],
    summary: "create samuel.toml and .samuel/ in the current folder",
    usage: "init [--force]",
    description: "Writes a commented samuel.toml (registries, cache budget, security policy) and " +
      ".samuel/.gitignore. Refuses to overwrite an existing samuel.toml unless --force is given.",
    examples: ["samuel init", "samuel init --force --json"],
    flags: [{ name: "force", type: "boolean", description: "overwrite an existing samuel.toml" }],
    load: command("init.ts"),
  },
  {
    path: ["install"],
    summary: "install a plugin (or everything in samuel.lock) after verifying it",
    usage: "install [SOURCE] [--yes] [--allow-unsigned] [--trusted-root FILE] [--dry-run] [--frozen]",
    description: "SOURCE is file://DIR, OWNER/REPO[@TAG] (a GitHub release) or NAME[@RANGE] (a registry). " +
      "With no SOURCE, installs exactly what samuel.lock records.",
    examples: [
      "samuel install acme/go-guide-wasm@v1.2.0",
      "samuel install file://$(pwd) --allow-unsigned",
      "samuel install --frozen",
    ],
    flags: [
      { name: "yes", alias: "y", type: "boolean", description: "accept the requested capabilities" },
      { name: "allow-unsigned", type: "boolean", description: "skip signature verification (recorded)" },
      { name: "trusted-root", type: "string", value: "FILE", description: "Sigstore trusted_root.json" },
      { name: "dry-run", type: "boolean", description: "show what would happen, change nothing" },
      { name: "frozen", type: "boolean", description: "fail when samuel.lock would change (CI)" },
      {
        name: "accept-new-signer",
        type: "boolean",
        description: "accept a signer identity other than the one pinned in samuel.lock",
      },
    ],
    load: command("install.ts"),
  },
  {
    path: ["uninstall"],
    summary: "remove an installed plugin, its lock entry and its grants",
    usage: "uninstall NAME [--dry-run]",
    examples: ["samuel uninstall go-guide-wasm"],
    flags: [{ name: "dry-run", type: "boolean", description: "show what would be removed, change nothing" }],
    load: command("uninstall.ts"),
  },
  {
    path: ["update"],
    summary: "re-resolve and re-verify plugins, asking only for new capabilities",
    usage: "update [NAME] [--yes] [--accept-new-signer] [--allow-unsigned] [--trusted-root FILE] [--dry-run]",
    examples: ["samuel update", "samuel update go-guide-wasm --yes"],
    flags: [
      { name: "yes", alias: "y", type: "boolean", description: "accept new capabilities" },
      { name: "allow-unsigned", type: "boolean", description: "skip signature verification (recorded)" },
      { name: "trusted-root", type: "string", value: "FILE", description: "Sigstore trusted_root.json" },
      { name: "dry-run", type: "boolean", description: "show what would happen, change nothing" },
      {
        name: "accept-new-signer",
        type: "boolean",
        description: "accept a signer identity other than the one pinned in samuel.lock",
      },
    ],
    load: command("update.ts"),
  },
  {
    path: ["search"],
    summary: "search the registries in samuel.toml",
    usage: "search QUERY",
    examples: ["samuel search lint"],
    flags: [],
    load: command("search.ts"),
  },
  {
    path: ["info"],
    summary: "show a plugin's manifest, source and verification",
    usage: "info NAME",
    examples: ["samuel info go-guide-wasm"],
    flags: [],
    load: command("info.ts"),
  },
  {
    path: ["ls"],
    aliases: ["list"],
    summary: "list installed plugins with version, verification and capabilities",
    usage: "ls",
    examples: ["samuel ls", "samuel list --json"],
    flags: [],
    load: command("ls.ts"),
  },
  {
    path: ["run"],
    summary: "run a plugin export in the sandbox",
    usage: "run PLUGIN [EXPORT] [--input FILE|-] [--timeout D] | run --all EXPORT",
    description: "Runs one export (default: the first declared) with exactly the capabilities the plugin " +
      "was granted. Input is the guest's stdin; output is what it prints. Exit 6 when the plugin fails or " +
      "traps, 7 when it times out.",
    examples: [
      "samuel run go-guide-wasm lint",
      "echo '{}' | samuel run go-guide-wasm lint --input -",
      "samuel run --all health --json",
    ],
    flags: [
      {
        name: "input",
        type: "string",
        value: "FILE|-",
        description: "file (or - for stdin) fed to the guest",
      },
      { name: "timeout", type: "string", value: "D", description: "override the hard timeout (e.g. 2s)" },
      { name: "all", type: "boolean", description: "run EXPORT of every installed plugin declaring it" },
    ],
    load: command("run.ts"),
  },
  {
    path: ["doctor"],
    summary: "check the project, installed plugins, the module cache and the runtime",
    usage: "doctor",
    examples: ["samuel doctor", "samuel doctor --json"],
    flags: [],
    load: command("doctor.ts"),
  },
  {
    path: ["version"],
    summary: "print samuel's version, plugin protocol and Deno version",
    usage: "version",
    examples: ["samuel version", "samuel version --json"],
    flags: [],
    load: command("version.ts"),
  },
  {
    path: ["new", "plugin"],
    summary: "scaffold a new plugin (wasm in Go, Rust or AssemblyScript, or a skill)",
    usage: "new plugin --kind=wasm|skill --name=NAME [--lang go|rust|assemblyscript] [--dir D] [--force]",
    description: "Languages of a wasm plugin: go (default; TinyGo or Go 1.24+), rust (cargo, any Rust from " +
      "1.63; target wasm32-wasip1, or wasm32-wasi before 1.78) and assemblyscript (npm: assemblyscript and " +
      "@assemblyscript/wasi-shim). Each comes with the same example exports, a vendored SDK for the samuel " +
      "host imports, a Makefile or npm scripts, and a release workflow that signs with Sigstore.",
    examples: [
      "samuel new plugin --kind=wasm --name=hello",
      "samuel new plugin --kind=wasm --lang rust --name=hello-rs",
      "samuel new plugin --kind=wasm --lang assemblyscript --name=hello-as",
      "samuel new plugin --kind=skill --name=notes",
    ],
    flags: [
      { name: "kind", type: "string", value: "KIND", description: "wasm (default) or skill" },
      { name: "name", type: "string", value: "NAME", description: "plugin name ([a-z0-9-])" },
      { name: "dir", type: "string", value: "D", description: "target folder (default: ./NAME)" },
      {
        name: "lang",
        type: "string",
        value: "LANG",
        description: "wasm only: go (default), rust or assemblyscript",
      },
      { name: "force", type: "boolean", description: "write into an existing folder" },
    ],
    load: command("new_plugin.ts"),
  },
  {
    path: ["plugin", "validate"],
    summary: "validate a plugin folder's samuel-plugin.toml",
    usage: "plugin validate [DIR]",
    description: "Reports every problem at once, each with file, key, line and a fix. Exit 2 when invalid.",
    examples: ["samuel plugin validate", "samuel plugin validate ./my-plugin --strict --json"],
    flags: [],
    load: command("plugin_validate.ts"),
  },
  {
    path: ["plugin", "exec"],
    summary: "run a WASI command module with exactly the given capabilities (like wasmtime run)",
    usage:
      "plugin exec [--dir HOST[::GUEST]]... [--dir-ro HOST[::GUEST]]... [--env K=V]... [--inherit-env KEY]... " +
      "[--timeout D] [--max-memory MIB] [--fuel N] MODULE.wasm [-- ARGS...]",
    description: "stdio is the terminal's. The process is narrowed to the --dir grants before the guest " +
      "starts. --timeout D stops the guest at D, --fuel N after N meter refills, --max-memory MIB caps its " +
      "memory. Exits with the guest's exit code, or 134 after a trap or a stop.",
    examples: [
      "samuel plugin exec hello.wasm",
      "samuel plugin exec --dir-ro .::/workspace --env LANG=C tool.wasm -- --check /workspace",
      "samuel plugin exec --timeout 2s --max-memory 64 --fuel 100000 tool.wasm",
    ],
    flags: [],
    passthrough: true,
    load: command("plugin_exec.ts"),
  },
  {
    path: ["plugin", "bench"],
    summary: "measure a plugin's cold-start and warm invocation medians",
    usage: "plugin bench [DIR] [-n N] [--export E] [--input FILE]",
    description:
      "Runs each declared export (or --export) N times cold (compile, sandbox, instantiate, call; " +
      "nothing reused) and N times warm (compiled module reused), with the manifest's grants and " +
      "/workspace = the plugin folder, and prints medians and p95 against the 50 ms cold-start budget.",
    examples: ["samuel plugin bench", "samuel plugin bench ./my-plugin -n 20 --export lint --json"],
    flags: [
      { name: "runs", alias: "n", type: "string", value: "N", description: "runs of each kind (default 10)" },
      { name: "export", type: "string", value: "E", description: "bench only this export" },
      { name: "input", type: "string", value: "FILE", description: "file given as stdin to every run" },
    ],
    load: command("plugin_bench.ts"),
  },
  {
    path: ["completions"],
    summary: "print a shell completion script (bash, zsh or fish)",
    usage: "completions bash|zsh|fish",
    description: "Generated from this command table. Install: `samuel completions bash > " +
      '~/.local/share/bash-completion/completions/samuel`, `samuel completions zsh > "${fpath[1]}/_samuel"`, ' +
      "`samuel completions fish > ~/.config/fish/completions/samuel.fish`.",
    examples: ["samuel completions bash", "source <(samuel completions bash)"],
    flags: [],
    load: command("completions.ts"),
  },
];

/** Top-level words, for "did you mean" on an unknown command. */
export function topLevelWords(): string[] {
  const words = new Set<string>();
  for (const c of COMMANDS) {
    words.add(c.path[0]);
    for (const a of c.aliases ?? []) words.add(a);
  }
  return [...words];
}

/** Finds the command selected by the leading words of argv; returns it and how many words it used. */
export function findCommand(words: readonly string[]): { spec: CommandSpec; used: number } | undefined {
  let best: { spec: CommandSpec; used: number } | undefined;
  for (const spec of COMMANDS) {
    const heads = [spec.path, ...(spec.aliases ?? []).map((a) => [a, ...spec.path.slice(1)])];
    for (const head of heads) {
      if (head.every((w, i) => words[i] === w) && (!best || head.length > best.used)) {
        best = { spec, used: head.length };
      }
    }
  }
  return best;
}

/** Commands that start with `word` (for a group such as `plugin` or `new`). */
export function group(word: string): CommandSpec[] {
  return COMMANDS.filter((c) => c.path.length > 1 && c.path[0] === word);
}
