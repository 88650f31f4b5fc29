/**
 * Issue 16 point 5: the layering holds. docs/architecture.md's table says which folder of src/ may import
 * which; this test reads that table and the real import graph (`deno info --json` from every entry point:
 * main.ts, the bundle's entry, every command module, every module loaded through code_url.ts, the sandbox
 * Worker), and fails on an arrow the table does not allow, naming the two files. Static imports, type
 * imports and literal dynamic imports all count. It also fails when a folder of src/ has no row, so a new
 * folder is placed deliberately, and checks there is no import cycle between folders.
 */

import { assert, assertEquals } from "../support/assert.ts";

const ROOT = new URL("../../", import.meta.url);
const SRC = new URL("src/", ROOT).href;

/** `src/a/b.ts` -> its layer name as the table spells it: `shared`, `cli`, `runtime/host`, ... */
function layerOf(specifier: string): string | undefined {
  if (specifier === new URL("main.ts", ROOT).href) return "main";
  if (!specifier.startsWith(SRC)) return undefined;
  const parts = specifier.slice(SRC.length).split("/");
  if (parts.length === 1) return parts[0] === "bundle_main.ts" ? "bundle_main" : "shared";
  // The error catalogue is errors.ts's table, in a folder of its own only because it is long.
  if (parts[0] === "errors") return "shared";
  if (parts[0] === "runtime" && parts.length > 2) return `runtime/${parts[1]}`;
  return parts[0];
}

/** The table of docs/architecture.md: layer -> the layers it may import. */
async function allowedTable(): Promise<Map<string, Set<string>>> {
  const text = await Deno.readTextFile(new URL("docs/architecture.md", ROOT));
  const table = new Map<string, Set<string>>();
  for (const line of text.split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    if (cells.length < 4 || !cells[1].startsWith("`src/")) continue;
    const folder = /`src\/([^`]*)`/.exec(cells[1])![1].replace(/\/$/, "");
    const name = folder === "*.ts" ? "shared" : folder;
    const allowed = new Set<string>();
    for (const m of cells[2].matchAll(/`([\w/]+)`|\b(shared)\b|\b(nothing)\b/g)) {
      const v = m[1] ?? m[2];
      if (v) allowed.add(v);
    }
    table.set(name, allowed);
  }
  return table;
}

async function entryPoints(): Promise<string[]> {
  const out = [new URL("main.ts", ROOT).pathname, new URL("src/bundle_main.ts", ROOT).pathname];
  const { bundleEntries } = await import("../../scripts/bundle.ts");
  for (const e of await bundleEntries()) out.push(new URL(`src/${e}`, ROOT).pathname);
  return out;
}

/** Every local import edge (from, to) reachable from the entry points. */
async function edges(): Promise<[string, string][]> {
  // `deno info` takes one root: ask per entry and merge.
  const all = new Map<string, Set<string>>();
  for (const entry of await entryPoints()) {
    const out = await new Deno.Command(Deno.execPath(), { args: ["info", "--json", entry], stdout: "piped" })
      .output();
    const info = JSON.parse(new TextDecoder().decode(out.stdout));
    for (
      const m of info.modules as {
        specifier: string;
        dependencies?: { code?: { specifier: string }; type?: { specifier: string } }[];
      }[]
    ) {
      const set = all.get(m.specifier) ?? new Set<string>();
      for (const d of m.dependencies ?? []) {
        for (const t of [d.code?.specifier, d.type?.specifier]) if (t) set.add(t);
      }
      all.set(m.specifier, set);
    }
  }
  const result: [string, string][] = [];
  for (const [from, tos] of all) for (const to of tos) result.push([from, to]);
  return result;
}

Deno.test("layering: every import between folders of src/ is one docs/architecture.md allows", async () => {
  const table = await allowedTable();
  assert(table.size >= 8, `docs/architecture.md's layer table was not found (${table.size} rows)`);
  const wrong: string[] = [];
  const seenLayers = new Set<string>();
  for (const [from, to] of await edges()) {
    const a = layerOf(from);
    const b = layerOf(to);
    if (!a || !b) continue;
    seenLayers.add(a);
    seenLayers.add(b);
    if (a === b || a === "main" || a === "bundle_main") continue;
    const allowed = table.get(a);
    if (!allowed) continue; // reported below
    if (allowed.has(b)) continue;
    wrong.push(`${from.slice(SRC.length)} (${a}) imports ${to.slice(SRC.length)} (${b})`);
  }
  assertEquals(wrong, [], "imports the layer table does not allow");
  const missing = [...seenLayers].filter((l) => l !== "main" && l !== "bundle_main" && !table.has(l));
  assertEquals(missing, [], "folders of src/ without a row in docs/architecture.md");
});

Deno.test("layering: no cycle between folders (the table is a hierarchy)", async () => {
  const table = await allowedTable();
  const graph = new Map<string, Set<string>>();
  for (const [from, to] of await edges()) {
    const a = layerOf(from);
    const b = layerOf(to);
    if (!a || !b || a === b || a === "main" || a === "bundle_main") continue;
    (graph.get(a) ?? graph.set(a, new Set()).get(a)!).add(b);
  }
  const cycle: string[] = [];
  const state = new Map<string, "open" | "done">();
  const visit = (n: string, path: string[]): boolean => {
    if (state.get(n) === "done") return false;
    if (state.get(n) === "open") {
      cycle.push(...path.slice(path.indexOf(n)), n);
      return true;
    }
    state.set(n, "open");
    for (const m of graph.get(n) ?? []) if (visit(m, [...path, n])) return true;
    state.set(n, "done");
    return false;
  };
  for (const n of graph.keys()) if (visit(n, [])) break;
  assertEquals(cycle, [], "a cycle between folders");
  assert(table.size > 0);
});
