/**
 * The Go SDK against samuel's real `samuel` host module (src/runtime/host/): the SDK's imports have
 * exactly protocol 1's signatures (`missingHostImports` finds nothing), and Fetch, Log and DeadlineMs
 * work through the real log, deadline and net_outbound (JSPI, allowlist, snprintf-like responses) with a
 * local HTTP server, including a response larger than the SDK's first buffer and a denied host.
 */

import { run } from "../../src/cli/commands/new_plugin.ts";
import { createSamuelHost, missingHostImports } from "../../src/runtime/host/mod.ts";
import { hasJspi, promising } from "../../src/runtime/host/jspi.ts";
import { inspectModule } from "../../src/runtime/preprocess/inspect.ts";
import { assert, assertEquals, assertStringIncludes } from "../support/assert.ts";
import { EXAMPLE, GO, invocation, runReactor, sh, withTempDir } from "./helpers.ts";
import { needs } from "../support/needs.ts";

const PROBE = `// Command probe calls the SDK's host functions for samuel's tests.
package main

import (
	"errors"

	"probe/sdk/samuel"
)

func main() {}

//go:wasmexport fetch
func fetch() int32 {
	in, _ := samuel.InputObject()
	url, _ := samuel.String(in, "url", "")
	samuel.Logf(samuel.LevelInfo, "fetching %s", url)
	resp, err := samuel.Fetch(samuel.Request{Method: "POST", URL: url, Body: []byte("ping"), TimeoutMs: 3000})
	if err != nil {
		_ = samuel.OutputJSON(samuel.Fields{{Key: "error", Value: err.Error()}, {Key: "denied", Value: errors.Is(err, samuel.ErrDenied)}})
		return 1
	}
	_ = samuel.OutputJSON(samuel.Fields{
		{Key: "status", Value: resp.Status},
		{Key: "len", Value: len(resp.Body)},
		{Key: "echo", Value: resp.Headers["x-echo"]},
		{Key: "deadline_positive", Value: samuel.DeadlineMs() > 0},
	})
	return 0
}
`;

const allowed = ["127.0.0.1"];

Deno.test({
  ...needs(
    "Go SDK imports match protocol 1 exactly (example reactor and a module using every import)",
    GO === undefined && "Go not installed",
  ),
  fn: () =>
    withTempDir(async (tmp) => {
      // Built here rather than with build.sh, so parallel test files never write the same output.
      const r = await sh(GO!, ["build", "-buildmode=c-shared", "-o", `${tmp}/p.wasm`, "./cmd"], {
        cwd: EXAMPLE,
        env: { GOOS: "wasip1", GOARCH: "wasm" },
      });
      assertEquals(r.code, 0, r.stderr);
      const info = inspectModule(Deno.readFileSync(`${tmp}/p.wasm`));
      assert(info.imports.some((i) => i.module === "samuel"), "the example uses the samuel host");
      assertEquals(missingHostImports(info.imports), []);
    }),
});

Deno.test({
  ...needs(
    "Go SDK against the real samuel host: Fetch (small, large, denied), Log, DeadlineMs",
    (GO === undefined || !hasJspi()) && "Go not installed, or no JSPI in this Deno",
  ),
  fn: () =>
    withTempDir(async (cwd) => {
      await run(invocation(cwd, { name: "probe" }));
      const dir = `${cwd}/probe`;
      Deno.mkdirSync(`${dir}/cmd/probe`);
      Deno.writeTextFileSync(`${dir}/cmd/probe/main.go`, PROBE);
      const build = await sh(GO!, ["build", "-buildmode=c-shared", "-o", "probe.wasm", "./cmd/probe"], {
        cwd: dir,
        env: { GOOS: "wasip1", GOARCH: "wasm" },
      });
      assertEquals(build.code, 0, build.stderr);
      const wasm = `${dir}/probe.wasm`;
      const info = inspectModule(Deno.readFileSync(wasm));
      assertEquals(
        info.imports.filter((i) => i.module === "samuel").map((i) => i.name).sort(),
        ["deadline_ms", "log", "net_outbound", "net_response"],
      );
      assertEquals(missingHostImports(info.imports), []);

      const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
        const body = await req.text();
        const size = new URL(req.url).pathname === "/big" ? 300_000 : 5;
        return new Response("y".repeat(size), { headers: { "x-echo": `${req.method} ${body}` } });
      });
      try {
        const base = `http://127.0.0.1:${server.addr.port}`;
        const call = async (url: string) => {
          const lines: string[] = [];
          let host: ReturnType<typeof createSamuelHost> | undefined;
          const r = await runReactor(wasm, "fetch", {
            stdin: JSON.stringify({ url }),
            samuel: (memory) => {
              host = createSamuelHost({
                plugin: "probe",
                memory,
                allowedHosts: allowed,
                softDeadline: performance.now() + 10_000,
                declared: info.imports,
                logSink: (line) => void lines.push(`${line.level}: ${line.message}`),
              });
              return host.imports.samuel;
            },
            enter: (fn) => promising(fn)(),
          });
          return { ...r, out: JSON.parse(r.stdout), lines, report: host!.finish() };
        };
        const small = await call(`${base}/small`);
        assertEquals(small.code, 0, small.stderr);
        assertEquals(small.out, { status: 200, len: 5, echo: "POST ping", deadline_positive: true });
        assertEquals(small.lines[0], `info: fetching ${base}/small`);
        const big = await call(`${base}/big`);
        assertEquals(big.code, 0, big.stderr);
        assertEquals(big.out.len, 300_000);
        const denied = await call("https://not-allowed.example/");
        assertEquals(denied.code, 1);
        assertEquals(denied.out.denied, true);
        assertStringIncludes(denied.out.error, "not in [capabilities.network].hosts");
        assert(JSON.stringify(denied.report).includes("not-allowed.example"), "the denial is in the report");
      } finally {
        await server.shutdown();
      }
    }),
});
