/**
 * `samuel.log` from a real WAT guest: a flood is cut to 10 lines per second with the rest counted and
 * summarised once; levels, long messages, control characters and bad pointers are handled.
 */

import { formatLogLine, LOG_MAX_MESSAGE_BYTES } from "../../src/runtime/host/log.ts";
import type { LogLine } from "../../src/runtime/host/report.ts";
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { guest } from "./_harness.ts";

// `flood(n, step)`: n log calls, advancing the test clock by `step` ms before each (env.tick).
// `line(lp, ll, mp, ml)`: one log call with the given pointers.
const LOG_GUEST = `(module
  (import "samuel" "log" (func $log (param i32 i32 i32 i32)))
  (import "env" "tick" (func $tick (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "info")
  (data (i32.const 16) "flood line")
  (func (export "flood") (param $n i32) (param $step i32)
    (block $done (loop $next
      (br_if $done (i32.eqz (local.get $n)))
      (call $tick (local.get $step))
      (call $log (i32.const 0) (i32.const 4) (i32.const 16) (i32.const 10))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $next))))
  (func (export "line") (param i32 i32 i32 i32)
    (call $log (local.get 0) (local.get 1) (local.get 2) (local.get 3))))`;

async function logGuest() {
  let clock = 1000;
  const lines: string[] = [];
  const g = await guest(LOG_GUEST, {
    now: () => clock,
    logSink: (line: LogLine, plugin: string) => void lines.push(formatLogLine(plugin, line)),
  }, { env: { tick: (ms: number) => void (clock += ms) } });
  return { g, lines, advance: (ms: number) => void (clock += ms) };
}

Deno.test("a flood of 1000 lines keeps the burst of 10, then 10 per second, and counts the rest", async () => {
  const { g, lines } = await logGuest();
  await g.call("flood", 1000, 0);
  assertEquals(lines.length, 10);
  assertEquals(lines[0], "[test-plugin] info: flood line");
  // 1000 more over 10 simulated seconds (one every 10 ms): 10 per second get through.
  await g.call("flood", 1000, 10);
  const kept = lines.length;
  assert(kept >= 10 + 99 && kept <= 10 + 101, `kept ${kept}`);
  const report = g.host.finish();
  assertEquals(report.log.length, kept);
  assertEquals(report.log_dropped, 2000 - kept);
  // One summary at the end, on the sink only.
  g.host.finish();
  const summary = lines.filter((l) => l.includes("dropped"));
  assertEquals(summary, [
    `[test-plugin] warn: samuel: ${report.log_dropped} log lines dropped (limit 10 lines/s)`,
  ]);
});

Deno.test("a real-time flood is cheap and bounded", async () => {
  const lines: LogLine[] = [];
  const g = await guest(LOG_GUEST, { logSink: (l) => void lines.push(l) }, { env: { tick: () => {} } });
  const t = performance.now();
  await g.call("flood", 100_000, 0);
  const took = performance.now() - t;
  const report = g.host.finish();
  // The burst, plus what the bucket refilled meanwhile (10/s; a loaded machine makes the loop slower).
  assert(report.log.length >= 10 && report.log.length <= 11 + took / 100, `kept ${report.log.length}`);
  assertEquals(report.log.length + report.log_dropped, 100_000);
  assert(took < 500, `100k refused lines took ${took} ms`);
});

Deno.test("levels are parsed without surprises; unknown means info", async () => {
  const { g, lines, advance } = await logGuest();
  const cases: [string, string][] = [
    ["warn", "warn"],
    ["ERROR", "error"],
    ["Debug", "debug"],
    ["trace", "trace"],
    ["fatal", "info"],
    ["", "info"],
    ["warning", "info"],
    ["\u00e9rror", "info"],
  ];
  for (const [level, expected] of cases) {
    advance(1000);
    const ll = g.put(100, level);
    const ml = g.put(200, `msg ${level}`);
    await g.call("line", 100, ll, 200, ml);
    assertEquals(lines.at(-1), `[test-plugin] ${expected}: msg ${level}`);
  }
});

Deno.test("long messages are cut at a character boundary; control characters are escaped", async () => {
  const { g, lines, advance } = await logGuest();
  const ll = g.put(100, "info");
  // 4095 ASCII bytes then a 3-byte character straddling the 4 KiB limit.
  const long = "a".repeat(LOG_MAX_MESSAGE_BYTES - 1) + "€" + "b".repeat(10_000);
  const ml = g.put(1024, long);
  await g.call("line", 100, ll, 1024, ml);
  assertEquals(lines[0], `[test-plugin] info: ${"a".repeat(4095)}… [truncated ${ml - 4095} bytes]`);
  advance(1000);
  const evil = "ok\n[other-plugin] error: forged\x1b[2J\r\x07\ttab \u0085";
  await g.call("line", 100, ll, 200, g.put(200, evil));
  assertEquals(
    lines[1],
    "[test-plugin] info: ok\\x0a[other-plugin] error: forged\\x1b[2J\\x0d\\x07\ttab \\x85",
  );
  advance(1000);
  await g.call("line", 100, ll, 200, g.put(200, new Uint8Array([0x68, 0xff, 0x69])));
  assertEquals(lines[2], "[test-plugin] info: h\ufffdi");
});

Deno.test("pointers outside memory drop the line without throwing into the guest", async () => {
  const { g, lines, advance } = await logGuest();
  await g.call("line", 0, 4, 65530, 100);
  advance(1000);
  await g.call("line", -1, 4, 16, 10);
  advance(1000);
  await g.call("line", 0, 4, 16, -1);
  advance(1000);
  await g.call("line", 0, 4, 16, 10);
  assertEquals(lines, ["[test-plugin] info: flood line"]);
  const report = g.host.finish();
  assertEquals(report.log_invalid, 3);
  assertMatch(JSON.stringify(report), /"log_invalid":3/);
});
