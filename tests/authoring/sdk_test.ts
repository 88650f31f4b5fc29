/**
 * The Go SDK inside wasm: a scaffolded plugin gets an extra reactor whose exports call `samuel.Fetch`,
 * `samuel.Log` and `samuel.DeadlineMs`, built with Go for wasip1 and run against a scripted `samuel` host
 * that follows protocol 1 (snprintf-like responses, `net_response` for large ones, negative codes).
 */

import { run } from "../../src/cli/commands/new_plugin.ts";
import { assert, assertEquals, assertStringIncludes } from "../support/assert.ts";
import { GO, invocation, runReactor, sh, withTempDir } from "./helpers.ts";
import { needs } from "../support/needs.ts";

const PROBE = `// Command probe exercises the SDK from inside wasm for samuel's tests.
package main

import (
	"errors"
	"strings"

	"probe/sdk/samuel"
)

func main() {}

//go:wasmexport fetch
func fetch() int32 {
	in, err := samuel.InputObject()
	if err != nil {
		samuel.Diagf("%v", err)
		return 2
	}
	url, _ := samuel.String(in, "url", "")
	method, _ := samuel.String(in, "method", "")
	body, _ := samuel.String(in, "body", "")
	req := samuel.Request{Method: method, URL: url, Headers: map[string]string{"x-probe": "1"}}
	if body == "binary" {
		req.Body = []byte{0xff, 0x00, 0x01}
	} else if body != "" {
		req.Body = []byte(body)
	}
	resp, err := samuel.Fetch(req)
	out := samuel.Fields{}
	if err != nil {
		var ne *samuel.NetError
		errors.As(err, &ne)
		out = append(out,
			samuel.Field{Key: "error", Value: err.Error()},
			samuel.Field{Key: "code", Value: ne.Code},
			samuel.Field{Key: "denied", Value: errors.Is(err, samuel.ErrDenied)},
			samuel.Field{Key: "timeout", Value: errors.Is(err, samuel.ErrTimeout)})
	} else {
		out = append(out,
			samuel.Field{Key: "status", Value: resp.Status},
			samuel.Field{Key: "url", Value: resp.URL},
			samuel.Field{Key: "ok", Value: resp.OK()},
			samuel.Field{Key: "type", Value: resp.Headers["content-type"]},
			samuel.Field{Key: "len", Value: len(resp.Body)},
			samuel.Field{Key: "all_x", Value: strings.Trim(resp.Text(), "x") == ""},
			samuel.Field{Key: "head", Value: string(resp.Body[:min(len(resp.Body), 8)])})
	}
	_ = samuel.OutputJSON(out)
	return 0
}

//go:wasmexport logs
func logs() int32 {
	samuel.Log(samuel.LevelDebug, "plain")
	samuel.Logf(samuel.LevelWarn, "n=%d", 3)
	samuel.Log(samuel.Level("loud"), "unknown level")
	samuel.Log(samuel.LevelError, "")
	return int32(samuel.DeadlineMs())
}
`;

Deno.test({
  ...needs(
    "Go SDK in wasm: Fetch (small, large via net_response, binary, errors), Log, DeadlineMs",
    GO === undefined && "Go not installed",
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

      const big = "x".repeat(200_000); // larger than the SDK's first 64 KiB buffer
      const net = (req: Record<string, unknown>) => {
        const url = String(req.url);
        if (url.includes("denied")) return -1;
        if (url.includes("slow")) return -5;
        if (url.includes("weird")) return -99;
        if (url.includes("big")) {
          return { status: 200, url, headers: { "content-type": "text/plain" }, body: big };
        }
        if (url.includes("bin")) {
          return { status: 201, url, headers: {}, body_base64: btoa("\x89PNG\r\n") };
        }
        return { status: 404, url: url + "#final", headers: { "Content-Type": "text/html" }, body: "nope" };
      };
      const fetch = async (input: Record<string, string>) => {
        const r = await runReactor(wasm, "fetch", { stdin: JSON.stringify(input), host: { net } });
        assertEquals(r.code, 0, r.stderr);
        return { out: JSON.parse(r.stdout), requests: r.host.requests };
      };

      const small = await fetch({ url: "https://api.test/x", method: "post", body: "héllo" });
      assertEquals(small.out, {
        status: 404,
        url: "https://api.test/x#final",
        ok: false,
        type: "text/html",
        len: 4,
        all_x: false,
        head: "nope",
      });
      assertEquals(small.requests, [{
        method: "POST",
        url: "https://api.test/x",
        headers: { "x-probe": "1" },
        body: "héllo",
      }]);

      const large = await fetch({ url: "https://api.test/big" });
      assertEquals(large.out.len, big.length);
      assertEquals(large.out.all_x, true);
      assertEquals(large.requests[0].method, "GET");
      assert(!("body" in large.requests[0]), "a GET without body sends no body key");

      const binary = await fetch({ url: "https://api.test/bin", method: "PUT", body: "binary" });
      assertEquals(binary.requests[0].body_base64, "/wAB");
      assertEquals(binary.out.status, 201);
      assertEquals(binary.out.head, "\uFFFDPNG\r\n");

      const denied = await fetch({ url: "https://denied.test/" });
      assertEquals(denied.out.code, -1);
      assertEquals(denied.out.denied, true);
      assertStringIncludes(denied.out.error, "GET https://denied.test/");
      assertStringIncludes(denied.out.error, "not in [capabilities.network].hosts");
      const slow = await fetch({ url: "https://slow.test/" });
      assertEquals([slow.out.code, slow.out.timeout], [-5, true]);
      const weird = await fetch({ url: "https://weird.test/" });
      assertStringIncludes(weird.out.error, "unknown host error (code -99)");

      const logs = await runReactor(wasm, "logs", { host: { deadlineMs: 1234n } });
      assertEquals(logs.code, 1234);
      assertEquals(logs.host.logs, ["debug: plain", "warn: n=3", "info: unknown level", "error: "]);
    }),
});
