/** The shared schema checker (src/toml/check.ts): typed reads, wording, lazily located lines. */

import { assertEquals } from "../support/assert.ts";
import { atLine, Checker, quotedKeyWording } from "../../src/toml/check.ts";
import { KeyLocator } from "../../src/toml/scan.ts";

const TEXT = `name = "a"\n[t]\nn = 5\nlist = ["x", 2]\nflag = "yes"\n`;

function checker(showFound = true) {
  const locator = new KeyLocator(TEXT);
  return {
    locator,
    c: new Checker({ file: "f.toml", locator, wording: quotedKeyWording("SAM-CONFIG-003", showFound) }),
  };
}

Deno.test("checker: reads that pass record nothing and never scan the text for lines", () => {
  const { locator, c } = checker();
  assertEquals(c.string("a", ["name"], "fix", { required: true, nonEmpty: true }), "a");
  assertEquals(c.number(5n, ["t", "n"], "fix", { expected: "a number", accept: (n) => n > 0 }), 5);
  assertEquals(c.table({}, ["t"], "fix"), {});
  assertEquals(c.strings(["x"], ["t", "list"], "fix"), ["x"]);
  assertEquals(c.boolean(undefined, ["t", "flag"], "fix"), undefined);
  assertEquals(c.problems, []);
  assertEquals(locator.scanned, false);
});

Deno.test("checker: each failing read is one problem with key, line, message, fix and code, in order", () => {
  const { locator, c } = checker();
  c.string(undefined, ["t", "missing"], "add it", { required: true });
  c.string(" ", ["name"], "fill it", { nonEmpty: "trim" });
  c.number("5", ["t", "n"], "unquote it", { expected: "a whole number >= 1" });
  c.strings(["x", 2], ["t", "list"], "quote it");
  c.boolean("yes", ["t", "flag"], "true or false");
  c.isNot("yes", ["t", "flag"], "a switch", "say true");
  assertEquals(locator.scanned, true);
  assertEquals(c.problems.map((p) => [p.key, p.line, p.message, p.fix, p.code, p.severity]), [
    ["t.missing", 2, "`t.missing` is missing", "add it", "SAM-CONFIG-003", "error"],
    ["name", 1, "`name` must be a non-empty string, found a string", "fill it", "SAM-CONFIG-003", "error"],
    ["t.n", 3, "`t.n` must be a whole number >= 1, found a string", "unquote it", "SAM-CONFIG-003", "error"],
    [
      "t.list",
      4,
      "`t.list` must be an array of strings, found an array",
      "quote it",
      "SAM-CONFIG-003",
      "error",
    ],
    [
      "t.flag",
      5,
      "`t.flag` must be true or false, found a string",
      "true or false",
      "SAM-CONFIG-003",
      "error",
    ],
    ["t.flag", 5, '`t.flag` = "yes" is not a switch', "say true", "SAM-CONFIG-003", "error"],
  ]);
  assertEquals(atLine(c.problems[0]), "f.toml:2: `t.missing` is missing");
  assertEquals(atLine({ file: "f.toml", message: "m" }), "f.toml: m");
});

Deno.test("checker: warnings are errors under strict; the wording may leave out what was found", () => {
  const { c } = checker(false);
  c.table([], ["t"], "write a table");
  c.warn("SAM-MANIFEST-005", ["name"], "odd", "check it");
  assertEquals(c.problems.map((p) => [p.message, p.severity]), [["`t` must be a table", "error"], [
    "odd",
    "warning",
  ]]);
  assertEquals(c.hasErrors, true);
  const strict = new Checker({
    file: "f.toml",
    locator: new KeyLocator(TEXT),
    wording: quotedKeyWording("SAM-CONFIG-003", true),
    strict: true,
  });
  strict.warn("SAM-MANIFEST-005", ["name"], "odd", "check it");
  assertEquals(strict.problems[0].severity, "error");
});
