/**
 * The command table: every entry's implementation loads (the specifiers are built at run time, so a typo
 * would only show when that command runs) and exports `run`; paths and aliases are unique.
 */

import { assert, assertEquals } from "../support/assert.ts";
import { COMMANDS } from "../../src/cli/registry.ts";

Deno.test("every command's module loads and exports run()", async () => {
  for (const spec of COMMANDS) {
    const module = await spec.load();
    assertEquals(typeof module.run, "function", spec.path.join(" "));
  }
});

Deno.test("command paths and aliases are unique", () => {
  const seen = new Set<string>();
  for (const spec of COMMANDS) {
    for (const words of [spec.path, ...(spec.aliases ?? []).map((a) => [a, ...spec.path.slice(1)])]) {
      const key = words.join(" ");
      assert(!seen.has(key), `duplicate command ${key}`);
      seen.add(key);
    }
  }
});
