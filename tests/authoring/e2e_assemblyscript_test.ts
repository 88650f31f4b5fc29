/**
 * The AssemblyScript scaffold end to end (e2e_lang_support.ts): `samuel new plugin --lang
 * assemblyscript`, a probe export written against the AssemblyScript SDK, `npm run asbuild` with the real
 * compiler and WASI shim (the pinned npm packages scripts/ensure-toolchain.sh installs into
 * .tools/assemblyscript, linked as the plugin's node_modules, so no network is needed here), `npm test`
 * (the module under Node's WASI), validate, install, run, bench.
 */

import { authorLoop, type Language } from "./e2e_lang_support.ts";
import { ASC_MODULES, NODE, NPM, sh, withTempDir } from "./helpers.ts";

/** The probe, as an author would write it against the SDK. */
const PROBE_TS =
  `// probe: reads {"greeting", "allowed", "denied", "wait"}, logs a line, fetches the allowed URL and then
// the denied one, optionally waits for the soft deadline, and reports all of it as JSON.
import * as samuel from "./samuel";

export function probe(): i32 {
  const input = samuel.inputObject();
  if (!input.ok) {
    samuel.diag("probe: " + input.error);
    return 2;
  }
  const greeting = samuel.stringOption(input.value, "greeting", "").value;
  const out = samuel.JSONValue.object()
    .setString("greeting", greeting)
    .setNumber("deadline_start", <f64>samuel.deadlineMs());
  samuel.log(samuel.Level.INFO, "probe says " + greeting);
  const allowed = samuel.get(samuel.stringOption(input.value, "allowed", "").value);
  if (!allowed.ok) {
    samuel.diag("probe: allowed fetch: " + allowed.error);
    return 3;
  }
  out.setNumber("allowed_status", allowed.status).setString("allowed_body", allowed.body);
  const denied = samuel.get(samuel.stringOption(input.value, "denied", "").value);
  out.setBool("denied_is_denied", denied.denied);
  if (!denied.ok) out.setString("denied_error", denied.error);
  const wait = input.value.get("wait");
  if (wait != null && wait.bool) {
    while (!samuel.pastDeadline()) {}
    out.setNumber("deadline_after", <f64>samuel.deadlineMs());
  }
  return samuel.outputJSON(out) ? 0 : 4;
}
`;

const assemblyscript: Language = {
  lang: "assemblyscript",
  async addProbe(dir) {
    await Deno.writeTextFile(`${dir}/assembly/probe.ts`, PROBE_TS);
    const index = await Deno.readTextFile(`${dir}/assembly/index.ts`);
    await Deno.writeTextFile(`${dir}/assembly/index.ts`, index + `\nexport { probe } from "./probe";\n`);
    // What \`npm install\` would put there, from the pinned local copy.
    await Deno.symlink(ASC_MODULES!, `${dir}/node_modules`);
  },
  testsNeedModule: true,
  test: (dir) => sh("npm", ["test"], { cwd: dir }),
  build: (dir) => sh("npm", ["run", "asbuild"], { cwd: dir }),
  lifecycle: "reactor",
};

Deno.test({
  name:
    "e2e assemblyscript: scaffold, npm run asbuild, npm test, validate, install file://, run every export, bench" +
    (ASC_MODULES ? "" : " (needs the AssemblyScript compiler: run scripts/ensure-toolchain.sh)"),
  ignore: ASC_MODULES === undefined || NODE === undefined || NPM === undefined,
  fn: (t) => withTempDir((tmp) => authorLoop(t, tmp, "e2e-as", assemblyscript)),
});
