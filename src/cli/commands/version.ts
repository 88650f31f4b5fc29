/** `samuel version`: the build's version, the plugin protocol it speaks, and the Deno/V8 it runs on. */

import type { CommandModule } from "../command.ts";
import { PROTOCOL, VERSION } from "../../version.ts";

export const run: CommandModule["run"] = (inv) => {
  const data = { version: VERSION, protocol: PROTOCOL, deno: Deno.version.deno, v8: Deno.version.v8 };
  inv.out.line(`samuel ${VERSION} (plugin protocol ${PROTOCOL}; deno ${data.deno}, v8 ${data.v8})`);
  return Promise.resolve({ data });
};
