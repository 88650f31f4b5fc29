/**
 * Shared steps of the plugin-author end-to-end tests (e2e_local_test.ts, e2e_publish_test.ts): scaffold a
 * wasm plugin with the real `samuel new plugin`, add a `probe` export that exercises input, log and
 * network (one allowed and one denied `samuel.Fetch`), build it with standard Go through the scaffold's
 * own Makefile (`make wasm-go`; TinyGo is not installable here, and the added file uses only the SDK so
 * it builds with both), and count what local HTTP servers receive.
 *
 * Hosts: the manifest grants `127.0.0.1`; the denied call goes to `localhost`, a different host name
 * under the allowlist's exact-match rule (src/runtime/host/allowlist.ts), on a second server that must
 * see no request at all.
 */

import { assertEquals, assertStringIncludes } from "../support/assert.ts";
import { runCli } from "../support/cli.ts";
import { GO, MAKE, sh } from "./helpers.ts";

export const CAN_BUILD = GO !== undefined && MAKE !== undefined;

/** The Go file the tests add next to the scaffold's cmd/main.go. `MODULE` is the go.mod module path. */
const PROBE_GO = `package main

import (
	"errors"

	"MODULE/sdk/samuel"
)

// probe reads {"greeting", "allowed", "denied"} from its input, logs one line, fetches the allowed URL
// and then the denied one, and reports what happened as JSON.
//
//go:wasmexport probe
func probe() int32 {
	in, err := samuel.InputObject()
	if err != nil {
		samuel.Diagf("probe: %v", err)
		return 2
	}
	greeting, _ := samuel.String(in, "greeting", "")
	allowed, _ := samuel.String(in, "allowed", "")
	denied, _ := samuel.String(in, "denied", "")
	samuel.Logf(samuel.LevelInfo, "probe says %s", greeting)
	out := samuel.Fields{{Key: "greeting", Value: greeting}}
	resp, err := samuel.Get(allowed)
	if err != nil {
		samuel.Diagf("probe: allowed fetch: %v", err)
		return 3
	}
	out = append(out, samuel.Field{Key: "allowed_status", Value: resp.Status},
		samuel.Field{Key: "allowed_body", Value: resp.Text()})
	_, err = samuel.Get(denied)
	out = append(out, samuel.Field{Key: "denied_is_denied", Value: errors.Is(err, samuel.ErrDenied)})
	if err != nil {
		out = append(out, samuel.Field{Key: "denied_error", Value: err.Error()})
	}
	if err := samuel.OutputJSON(out); err != nil {
		return 4
	}
	return 0
}
`;

/**
 * Scaffolds plugin `name` into `dir` with the CLI, adds the probe export (manifest: exports lint, health,
 * probe; network hosts 127.0.0.1) and builds plugin.wasm with `make wasm-go`. Returns the plugin folder.
 */
export async function scaffoldAndBuild(
  dir: string,
  name: string,
  env: Record<string, string>,
): Promise<string> {
  const plugin = `${dir}/${name}`;
  const made = await runCli(["new", "plugin", "--kind=wasm", `--name=${name}`, "--dir", plugin], {
    cwd: dir,
    env,
  });
  assertEquals(made.code, 0, made.stdout + made.stderr);

  const goMod = await Deno.readTextFile(`${plugin}/go.mod`);
  const module = goMod.match(/^module (\S+)$/m)![1];
  await Deno.writeTextFile(`${plugin}/cmd/probe.go`, PROBE_GO.replace("MODULE", module));

  const manifestFile = `${plugin}/samuel-plugin.toml`;
  const manifest = await Deno.readTextFile(manifestFile);
  const edited = manifest
    .replaceAll(`exports = ["lint", "health"]`, `exports = ["lint", "health", "probe"]`)
    .replace(/^hosts = \[\]/m, `hosts = ["127.0.0.1"]`);
  assertEquals((edited.match(/"probe"/g) ?? []).length, 2, "both exports lists gain probe");
  assertEquals(edited.includes(`hosts = ["127.0.0.1"]`), true, "the network grant is set");
  await Deno.writeTextFile(manifestFile, edited);

  const goEnv = { PATH: `${GO!.replace(/\/go$/, "")}:${Deno.env.get("PATH") ?? ""}` };
  const build = await sh("make", ["wasm-go"], { cwd: plugin, env: goEnv });
  assertEquals(build.code, 0, build.stdout + build.stderr);
  return plugin;
}

/** A local HTTP server that counts its requests. */
export interface CountingServer extends AsyncDisposable {
  port: number;
  requests: string[];
}

export function countingServer(body: string): CountingServer {
  const requests: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    requests.push(`${req.method} ${new URL(req.url).pathname}`);
    return new Response(body, { headers: { "content-type": "text/plain" } });
  });
  return {
    port: server.addr.port,
    requests,
    async [Symbol.asyncDispose]() {
      await server.shutdown();
    },
  };
}

/** What every language's probe reports for one run: the input echoed, the granted call, the denied one. */
export interface ProbeRun {
  outcome: string;
  output: Record<string, unknown> & { denied_error: string };
  report: {
    log: { level: string; message: string }[];
    denials: string[];
    net_calls: { host: string; status?: number; error?: string }[];
  };
}

/**
 * Checks the `--json` data of `samuel run NAME probe` with the greeting "hi from stdin": the input came
 * through, the log line was kept, the granted server answered exactly once and the denied one saw nothing,
 * with the denial in the report.
 */
export function assertProbeRun(data: ProbeRun, granted: CountingServer, denied: CountingServer): void {
  assertEquals(data.outcome, "ok");
  const output = data.output;
  assertEquals(output.greeting, "hi from stdin");
  assertEquals([output.allowed_status, output.allowed_body], [200, "hello from the granted server"]);
  assertEquals(output.denied_is_denied, true);
  assertStringIncludes(output.denied_error, "(code -1)");
  assertEquals(data.report.log.map((l) => `${l.level}: ${l.message}`), ["info: probe says hi from stdin"]);
  assertEquals(data.report.denials, ["denied: network.outbound localhost not in allowlist"]);
  // (A denied call is recorded by host name; whether with its port is the report's business.)
  assertEquals(
    data.report.net_calls.map((c) => [c.host.replace(/:\d+$/, ""), c.status ?? null, c.error ?? null]),
    [
      ["127.0.0.1", 200, null],
      ["localhost", null, "DENIED"],
    ],
  );
  assertEquals(granted.requests, ["GET /ping"]);
  assertEquals(denied.requests, []);
}

/** A fresh samuel project (`samuel init`) with a workspace file holding a FIXME marker. */
export async function project(root: string, env: Record<string, string>): Promise<void> {
  await Deno.mkdir(`${root}/src`, { recursive: true });
  await Deno.writeTextFile(`${root}/src/app.go`, "package app\n\n// FIXME: handle the error\nvar x = 1\n");
  const init = await runCli(["init"], { cwd: root, env });
  assertEquals(init.code, 0, init.stderr);
}
