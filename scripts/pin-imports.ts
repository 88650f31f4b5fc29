/**
 * `deno run --allow-read --allow-write --allow-run --allow-env scripts/pin-imports.ts [--dry-run] [FILE...]`
 *
 * Rewrites bare import specifiers to the pinned `npm:name@version` that deno.json `imports` maps them to,
 * so the file also works when fetched from a URL (no deno.json there; see scripts/check-imports.ts).
 * Static imports, re-exports, `import type` and literal dynamic `import("…")` are rewritten; nothing else
 * in the file changes. With no FILE, rewrites every file check-imports reports for main.ts. Prints each
 * change; `--dry-run` only prints. A bare specifier deno.json does not map is reported and left alone.
 */

import { checkImports, pinnedFor } from "./check-imports.ts";

/** One rewritten specifier. */
export interface PinChange {
  line: number;
  from: string;
  to: string;
}

// `from "x"` (import/export … from), `import "x"` (side effect), `import("x")` (dynamic, literal only).
const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(["'])([^"'\n]+)\2/g;

/**
 * Returns `text` with every bare specifier mapped in `imports` replaced by its target, and the list of
 * changes. Relative, `node:`, `npm:`, URL specifiers, and bare names without a mapping stay as they are
 * (the latter are listed in `unmapped`).
 */
export function pinText(
  text: string,
  imports: Record<string, string>,
): { text: string; changes: PinChange[]; unmapped: string[] } {
  const changes: PinChange[] = [];
  const unmapped: string[] = [];
  const out = text.replace(SPECIFIER, (whole, lead: string, quote: string, spec: string, offset: number) => {
    if (!isBare(spec)) return whole;
    const target = pinnedFor(spec, imports);
    if (!target) {
      unmapped.push(spec);
      return whole;
    }
    changes.push({ line: text.slice(0, offset).split("\n").length, from: spec, to: target });
    return `${lead}${quote}${target}${quote}`;
  });
  return { text: out, changes, unmapped };
}

function isBare(spec: string): boolean {
  return !/^(\.{1,2}\/|\/|[a-z][a-z0-9+.-]*:)/i.test(spec);
}

if (import.meta.main) {
  const dryRun = Deno.args.includes("--dry-run");
  let files = Deno.args.filter((a) => !a.startsWith("--"));
  const root = Deno.cwd();
  const imports: Record<string, string> = JSON.parse(await Deno.readTextFile(`${root}/deno.json`)).imports ??
    {};
  if (files.length === 0) {
    files = [...new Set((await checkImports(root, ["main.ts"])).map((p) => p.file))];
  }
  let total = 0;
  let unmappedTotal = 0;
  for (const file of files) {
    const before = await Deno.readTextFile(file);
    const { text, changes, unmapped } = pinText(before, imports);
    for (const c of changes) console.log(`${file}:${c.line}: "${c.from}" → "${c.to}"`);
    for (const u of unmapped) console.error(`${file}: "${u}" is not mapped in deno.json imports; left as is`);
    total += changes.length;
    unmappedTotal += unmapped.length;
    if (!dryRun && text !== before) await Deno.writeTextFile(file, text);
  }
  console.log(
    `pin-imports: ${total} specifier(s) ${dryRun ? "would be " : ""}rewritten in ${files.length} file(s)`,
  );
  Deno.exit(unmappedTotal ? 1 : 0);
}
