/** The TOML position scanner (src/toml/scan.ts): statements with their lines, and the line of each key. */

import { keyLines, KeyLocator, lineOfKey, scanToml, splitLines } from "../../src/toml/scan.ts";
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

Deno.test("one scanner for every file: statements and the lines of array elements, inline keys and nested array tables", () => {
  const text = [
    "\uFEFF[[plugin]]", // 1
    'name = "a"', // 2
    "[plugin.sha256]", // 3
    'module = "m"', // 4
    "[[plugin]]", // 5
    "env = [", // 6
    '  "A",', // 7
    "  { k = 1,", // 8
    '    "\\x41\\u00e9" = 2 },', // 9
    "] # after", // 10
  ].join("\r\n");
  const scan = scanToml(text);
  assertEquals(scan.eol, "\r\n");
  assertEquals(scan.statements.map((s) => [s.kind, s.start + 1, s.end + 1]), [
    ["header", 1, 1],
    ["keyval", 2, 2],
    ["header", 3, 3],
    ["keyval", 4, 4],
    ["header", 5, 5],
    ["keyval", 6, 10],
  ]);
  assertEquals(scan.statements[5].trailingComment, " # after");
  const lines = keyLines(scan);
  assertEquals(lines.get("plugin"), 1);
  assertEquals(lines.get("plugin[0].sha256.module"), 4);
  assertEquals(lines.get("plugin[1].env[0]"), 7);
  assertEquals(lines.exactLineOf(["plugin", 1, "env", 1, "Aé"]), 9);
  // The same lines through the lazy locator the schema checks use.
  assertEquals(new KeyLocator(text).lineOf(["plugin", 1, "env", 1, "k"]), 8);
});

Deno.test("the scanner stops, keeping what it found, where it cannot follow the text; never throws", () => {
  const deep = `a = 1\nb = ${"[".repeat(5_000)}${"]".repeat(5_000)}\nc = 2\n`;
  assertEquals(new KeyLocator(deep).exactLineOf(["b", 0, 0]), 2);
  assertEquals(new KeyLocator(deep).exactLineOf(["c"]), undefined);
  const cases: [string, number | undefined][] = [
    ['a = "open\nb = 1\n', 1],
    ["[a\nb = 1\n", undefined],
    ["a = '''\nb = 1\n", 1],
    ['"\\uZZZZ" = 1\na = 2\n', undefined],
    ["a =\nb = 1\n", 1],
  ];
  for (const [broken, line] of cases) {
    assertEquals(new KeyLocator(broken).lineOf(["a"]), line, broken);
    assertEquals(new KeyLocator(broken).lineOf(["b"]), undefined, broken);
  }
});
