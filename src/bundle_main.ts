/**
 * Entry point of the bundle the single binary is compiled from (scripts/bundle.ts builds it into
 * dist/bundle/, and `deno compile` embeds that folder): tells code_url.ts that samuel's modules are the
 * bundle's `.js` files next to this one, then runs the CLI exactly as main.ts does. In source form this
 * file is not used.
 *
 * Why a bundle at all: `deno run main.ts` loads ~70 modules before a plugin runs, and loading a module
 * costs Deno a file read and a cache lookup; the bundle gives the run path a handful of files instead,
 * which measured ~11 ms off a whole `samuel run` (bench/RESULTS.md, "Start-up: source and bundle").
 */

import { useBundle } from "./code_url.ts";
import { main } from "../main.ts";

useBundle(new URL("./", import.meta.url));
Deno.exit(await main(Deno.args));
