import { keyLines, lineOfKey, scanToml, splitLines } from "../../src/toml/scan.ts";
import { assertEquals } from "../support/assert.ts";

const DOC = `top = 1 # c
"quoted key".x = 'v'
arr = [
  "a # not a comment",
  { t = "]" },
] # trailing
ml = """
[not.a.header]
\\""" still inside ""
"""
lit = '''
[[nor.this]]
'''

[[plugins]]
name = "a"
[plugins.sub]
k = 1
[[plugins]]
name = "b"
`;

Deno.test("scanner: statements, multi-line values, headers inside strings ignored", () => {
  const scan = scanToml(DOC);
  assertEquals(splitLines(DOC).join(""), DOC);
  const summary = scan.statements.map((s) => [s.kind, s.start + 1, s.end + 1, s.key?.join(".")]);
  assertEquals(summary, [
    ["keyval", 1, 1, "top"],
    ["keyval", 2, 2, "quoted key.x"],
    ["keyval", 3, 6, "arr"],
    ["keyval", 7, 10, "ml"],
    ["keyval", 11, 13, "lit"],
    ["blank", 14, 14, undefined],
    ["header", 15, 15, "plugins"],
    ["keyval", 16, 16, "name"],
    ["header", 17, 17, "plugins.sub"],
    ["keyval", 18, 18, "k"],
    ["header", 19, 19, "plugins"],
    ["keyval", 20, 20, "name"],
  ]);
  assertEquals(scan.statements[0].trailingComment, " # c");
  assertEquals(scan.statements[2].trailingComment, " # trailing");
  assertEquals(scan.eol, "\n");
});

Deno.test("key lines index array-of-tables elements and fall back to the enclosing table", () => {
  const lines = keyLines(scanToml(DOC));
  assertEquals(lines.get("plugins[0].sub.k"), 18);
  assertEquals(lines.get("plugins[1].name"), 20);
  assertEquals(lineOfKey(lines, "plugins[1].source"), 19);
  assertEquals(lineOfKey(lines, "absent.key"), undefined);
});

Deno.test("key lines: nested array tables restart under each new parent element; long headers cost their length", () => {
  const text = "[[a]]\n[[a.b]]\nx = 1\n[[a.b]]\nx = 2\n[[a]]\n[[a.b]]\nx = 3\n[a.b.c]\ny = 4\n";
  const lines = keyLines(scanToml(text));
  assertEquals(lines.get("a[0].b[0].x"), 3);
  assertEquals(lines.get("a[0].b[1].x"), 5);
  assertEquals(lines.get("a[1].b[0].x"), 8);
  assertEquals(lines.get("a[1].b[0].c.y"), 10);
  assertEquals(lines.get("a[1].b[1]"), undefined);
  // A header of 200,000 parts (the old scanner built every prefix: cubic) and 20,000 distinct array tables
  // (the old one swept every counter per header: quadratic) are each a few milliseconds.
  const started = performance.now();
  const deep = keyLines(scanToml(`[${Array.from({ length: 200_000 }, () => "p").join(".")}]\nz = 1\n`));
  assertEquals(lineOfKey(deep, "p.p.p.q"), 1);
  const many = keyLines(
    scanToml(Array.from({ length: 20_000 }, (_, i) => `[[t${i}]]\n[[t${i}.u]]`).join("\n")),
  );
  assertEquals(many.get("t19999[0].u[0]"), 40_000);
  const ms = performance.now() - started;
  if (ms > 2_000) throw new Error(`scanning took ${ms.toFixed(0)} ms`);
});
