/** KeyLocator: the line of each key and array element in TOML text. */

import { assertEquals } from "../support/assert.ts";
import { keyPath } from "../../src/toml/key_lines.ts";
import { KeyLocator } from "../../src/toml/scan.ts";

Deno.test("keyPath formats tables and indices", () => {
  assertEquals(keyPath(["capabilities", "network", "hosts", 1]), "capabilities.network.hosts[1]");
  assertEquals(keyPath(["a", 0, "b"]), "a[0].b");
  assertEquals(keyPath([]), "");
});

Deno.test("locates headers, keys, dotted keys, quoted keys, inline tables and array elements", () => {
  const text = [
    "# comment [not] = a key", // 1
    'top = "a = b [c]"', // 2
    "", // 3
    "[ table . sub ]", // 4
    "key = 1 # trailing", // 5
    '"quoted.key" = true', // 6
    "dotted.inner = 'x'", // 7
    "list = [", // 8
    "  1,", // 9
    "  [2, 3],", // 10
    "  { a = 4 },", // 11
    "]", // 12
    "inline = { x = 1, y = { z = [", // 13
    '  "deep" ] } }', // 14
    "text = '''", // 15
    "[fake]", // 16
    "fake = 1'''", // 17
    'basic = """a \\""" [fake2]', // 18
    'b"""', // 19
    "date = 1979-05-27 07:32:00Z", // 20
    "[[arr]]", // 21
    "n = 1", // 22
    "[[arr]]", // 23
    "n = 2", // 24
  ].join("\r\n");
  const loc = new KeyLocator(text);
  const line = (...s: (string | number)[]) => loc.exactLineOf(s);
  assertEquals(line("top"), 2);
  assertEquals(line("table"), 4);
  assertEquals(line("table", "sub"), 4);
  assertEquals(line("table", "sub", "key"), 5);
  assertEquals(line("table", "sub", "quoted.key"), 6);
  assertEquals(line("table", "sub", "dotted"), 7);
  assertEquals(line("table", "sub", "dotted", "inner"), 7);
  assertEquals(line("table", "sub", "list", 0), 9);
  assertEquals(line("table", "sub", "list", 1, 1), 10);
  assertEquals(line("table", "sub", "list", 2, "a"), 11);
  assertEquals(line("table", "sub", "inline", "y", "z", 0), 14);
  assertEquals(line("table", "sub", "text"), 15);
  assertEquals(line("fake"), undefined);
  assertEquals(line("table", "sub", "fake"), undefined);
  assertEquals(line("table", "sub", "basic"), 18);
  assertEquals(line("table", "sub", "date"), 20);
  assertEquals(line("arr", 0, "n"), 22);
  assertEquals(line("arr", 1, "n"), 24);
});

Deno.test("lineOf falls back to the nearest written ancestor", () => {
  const loc = new KeyLocator("[wasm]\nexports = []\n");
  assertEquals(loc.lineOf(["wasm", "module"]), 1);
  assertEquals(loc.lineOf(["wasm", "exports", 3]), 2);
  assertEquals(loc.lineOf(["name"]), undefined);
});

Deno.test("never throws on text it cannot follow", () => {
  const loc = new KeyLocator("a = 1\n= broken [\n");
  assertEquals(loc.exactLineOf(["a"]), 1);
});
