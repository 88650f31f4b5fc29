/**
 * `deno run --allow-read --allow-run --allow-env scripts/check-imports.ts [--json] [--files] [ENTRY...]`
 *
 * Lists every import reachable from `main.ts` (and the sandbox Worker, which `deno info` follows through
 * `new Worker(new URL(…, import.meta.url))`) that would break `deno run https://…/main.ts`: there is no
 * deno.json next to a URL, so a bare specifier (`"smol-toml"`) cannot be resolved, and an unpinned
 * `npm:pkg` would float to whatever is newest. Allowed: relative specifiers, `node:` built-ins, and
 * `npm:` specifiers pinned to an exact version (`npm:smol-toml@1.9.1`, optionally with a subpath).
 * Exit 1 when anything is listed. `--files` prints only the files to fix (input for pin-imports.ts).
 */

/** One offending import: where it is, what it says, and what it should say when we know. */
export interface ImportProblem {
  /** Path relative to the repository root. */
  file: string;
  line: number;
  specifier: string;
  kind: "bare" | "unpinned-npm" | "remote" | "other";
  /** The pinned specifier from deno.json `imports`, when the name is mapped there. */
  suggestion?: string;
}

interface InfoDependency {
  specifier: string;
  code?: { span?: { start: { line: number } } };
  type?: { span?: { start: { line: number } } };
}

interface InfoModule {
  specifier: string;
  local?: string;
  dependencies?: InfoDependency[];
}

const EXACT_VERSION = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/** Splits `npm:@scope/name@1.2.3/sub` into name, version (possibly empty) and subpath. */
export function parseNpm(spec: string): { name: string; version: string; subpath: string } {
  const body = spec.slice("npm:".length).replace(/^\//, "");
  const scoped = body.startsWith("@");
  const firstSlash = scoped ? body.indexOf("/", body.indexOf("/") + 1) : body.indexOf("/");
  const head = firstSlash === -1 ? body : body.slice(0, firstSlash);
  const subpath = firstSlash === -1 ? "" : body.slice(firstSlash);
  const at = head.indexOf("@", scoped ? 1 : 0);
  return at === -1
    ? { name: head, version: "", subpath }
    : { name: head.slice(0, at), version: head.slice(at + 1), subpath };
}

/** Whether `spec` works unchanged when main.ts is fetched from a URL. */
export function classify(spec: string): ImportProblem["kind"] | "ok" {
  if (spec.startsWith("./") || spec.startsWith("../")) return "ok";
  if (spec.startsWith("node:")) return "ok";
  if (spec.startsWith("npm:")) return EXACT_VERSION.test(parseNpm(spec).version) ? "ok" : "unpinned-npm";
  if (/^(https?|jsr|file|data):/.test(spec)) return "remote";
  if (spec.startsWith("/")) return "other";
  return "bare";
}

/**
 * The pinned replacement for a bare specifier from an import map (`deno.json` `imports`): an exact key,
 * or a `key/` prefix for a subpath (`@sigstore/bundle/x` → `npm:@sigstore/bundle@5.0.1/x`).
 */
export function pinnedFor(spec: string, imports: Record<string, string>): string | undefined {
  const direct = imports[spec];
  if (direct !== undefined) return direct;
  for (const [key, target] of Object.entries(imports)) {
    if (key.endsWith("/") && spec.startsWith(key)) return target + spec.slice(key.length);
    if (spec.startsWith(key + "/") && target.startsWith("npm:")) return target + spec.slice(key.length);
  }
  return undefined;
}

/** Runs `deno info --json` on `entries` from `root` and returns every offending import of local files. */
export async function checkImports(root: string, entries: readonly string[]): Promise<ImportProblem[]> {
  const config = JSON.parse(await Deno.readTextFile(`${root}/deno.json`));
  const imports: Record<string, string> = config.imports ?? {};
  const problems: ImportProblem[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", entry],
      cwd: root,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) {
      throw new Error(`deno info ${entry} failed: ${new TextDecoder().decode(out.stderr)}`);
    }
    const info = JSON.parse(new TextDecoder().decode(out.stdout)) as { modules: InfoModule[] };
    for (const mod of info.modules) {
      if (!mod.specifier.startsWith("file://") || !mod.local) continue;
      const file = relative(root, mod.local);
      for (const dep of mod.dependencies ?? []) {
        const kind = classify(dep.specifier);
        if (kind === "ok") continue;
        const line = (dep.code?.span ?? dep.type?.span)?.start.line ?? -1;
        const key = `${file}:${line}:${dep.specifier}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const problem: ImportProblem = { file, line: line + 1, specifier: dep.specifier, kind };
        const suggestion = kind === "bare" ? pinnedFor(dep.specifier, imports) : undefined;
        if (suggestion) problem.suggestion = suggestion;
        problems.push(problem);
      }
    }
  }
  return problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

function relative(root: string, path: string): string {
  const norm = (p: string) => p.replaceAll("\\", "/");
  const r = norm(root).replace(/\/$/, "") + "/";
  return norm(path).startsWith(r) ? norm(path).slice(r.length) : norm(path);
}

if (import.meta.main) {
  const json = Deno.args.includes("--json");
  const filesOnly = Deno.args.includes("--files");
  const entries = Deno.args.filter((a) => !a.startsWith("--"));
  const root = Deno.cwd();
  const problems = await checkImports(root, entries.length ? entries : ["main.ts"]);
  if (json) {
    console.log(JSON.stringify(problems, null, 2));
  } else if (filesOnly) {
    for (const f of new Set(problems.map((p) => p.file))) console.log(f);
  } else if (problems.length === 0) {
    console.log("check-imports: every import reachable from main.ts is relative, node: or a pinned npm:");
  } else {
    for (const p of problems) {
      const hint = p.suggestion ? ` → "${p.suggestion}"` : "";
      console.log(`${p.file}:${p.line}: ${p.kind} specifier "${p.specifier}"${hint}`);
    }
    console.log(
      `check-imports: ${problems.length} import(s) would fail under \`deno run https://…/main.ts\`; ` +
        "fix with `deno run --allow-read --allow-write --allow-run --allow-env scripts/pin-imports.ts`",
    );
  }
  Deno.exit(problems.length ? 1 : 0);
}
