/** Manifest durations: `ms`, `s` and `m` into whole milliseconds, and back. */

import { assert, assertEquals } from "../support/assert.ts";
import { formatDuration, MAX_DURATION_MS, parseDuration } from "../../src/manifest/duration.ts";

Deno.test("parseDuration accepts ms, s and m", () => {
  const cases: [string, number][] = [
    ["150ms", 150],
    ["1ms", 1],
    ["5s", 5000],
    ["30s", 30000],
    ["2m", 120000],
    ["1.5s", 1500],
    ["0.3s", 300],
    ["0.5m", 30000],
    [`${MAX_DURATION_MS}ms`, MAX_DURATION_MS],
  ];
  for (const [text, ms] of cases) assertEquals(parseDuration(text), { ok: true, ms }, text);
});

Deno.test("parseDuration rejects everything else, saying why", () => {
  for (
    const text of [
      "",
      "5",
      "5.0",
      "5h",
      "5S",
      "5 s",
      " 5s",
      "-1s",
      "+1s",
      "0s",
      "0ms",
      "0.5ms",
      "1e3ms",
      "s",
      "1s500ms",
      `${MAX_DURATION_MS + 1}ms`,
      "1000000m",
    ]
  ) {
    const r = parseDuration(text);
    assert(!r.ok, `${JSON.stringify(text)} should be rejected`);
    assert(r.reason.length > 0);
  }
  const bare = parseDuration("5");
  assert(!bare.ok && bare.reason.includes("unit"));
});

Deno.test("formatDuration gives the shortest exact spelling", () => {
  assertEquals(formatDuration(150), "150ms");
  assertEquals(formatDuration(5000), "5s");
  assertEquals(formatDuration(1500), "1500ms");
  assertEquals(formatDuration(120000), "2m");
  for (const ms of [1, 999, 1000, 61000, 60000]) {
    const r = parseDuration(formatDuration(ms));
    assertEquals(r, { ok: true, ms });
  }
});
