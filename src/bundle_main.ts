/**
 * Entry point of the bundle the single binary is compiled from (scripts/bundle.ts builds it into
 * dist/bundle/, and `deno compile` embeds that folder). It carries the run path in its own file, without
 * splitting: the commands a workflow calls on every iteration (`run`, `plugin exec`, `version`) with
 * everything they import, and provides them to the command table; every other command, the sandbox
 * Worker and the modules hot paths load on demand are the bundle's other entries, found through
 * code_url.ts. Then it runs the CLI exactly as main.ts does. In source form this file is not used.
 *
 * Why: `deno run main.ts` loads ~70 modules before a plugin runs, and each costs Deno a file read and a
 * compile; a chunked bundle still loads ~25 chunks for `run`; this one file measured ~11 ms off a whole
 * `samuel run` (bench/RESULTS.md, "Start-up: source and bundle").
 */

import { folderOf, useBundle } from "./code_url.ts";
import { provideCommands } from "./cli/registry.ts";
import * as run from "./cli/commands/run.ts";
import * as pluginExec from "./cli/commands/plugin_exec.ts";
import * as version from "./cli/commands/version.ts";
import { exit, main } from "../main.ts";

useBundle(folderOf(import.meta.url));
provideCommands({ run, plugin_exec: pluginExec, version });
await exit(await main(Deno.args));
