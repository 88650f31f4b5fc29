/**
 * `samuel new plugin --kind=wasm|skill --name=NAME [--dir D] [--lang go] [--force]`: scaffolds a plugin
 * folder (src/app/new.ts, which holds the rules below), then lists what it wrote and what to do next.
 *
 * - The name follows the manifest rule (`[a-z0-9][a-z0-9-]{0,63}`): it becomes the manifest `name`, the
 *   Go module path and the default folder, so a name the manifest would refuse is refused here first.
 * - A new folder is written completely in a staging folder next to it and renamed into place: an
 *   interrupted run leaves either nothing or the whole plugin. An existing empty folder is replaced the
 *   same way. A non-empty folder is refused (exit 2) unless `--force`; with `--force` each template file
 *   is written atomically over the folder's contents and other files are kept.
 * - `--lang` picks the template of a wasm plugin: `go` (default; TinyGo or Go build the same source, alias
 *   `tinygo`), `rust` (a Cargo cdylib, alias `rs`) or `assemblyscript` (an npm package built with asc and
 *   the WASI shim, alias `as`). Each has the same example exports (`lint`, `health`) and a vendored SDK
 *   over the same host imports. Other languages get a clear error naming the ones that exist.
 * - The closing "next:" lines are the author guide's path: build, then `samuel install file://$(pwd)
 *   --allow-unsigned` in the plugin folder (which makes it its own test project) and `samuel doctor`.
 */

import type { CommandResult, Invocation } from "../command.ts";
import { columns } from "../output.ts";
import { samuelError } from "../../errors.ts";
import { NAME_RULE, newPlugin } from "../../app/new.ts";

const text = (v: unknown) => typeof v === "string" ? v : undefined;

export async function run(inv: Invocation): Promise<CommandResult> {
  if (inv.args.length > 0) {
    const [arg] = inv.args;
    throw samuelError("SAM-NEW-007", {
      message: `unexpected argument "${arg}"`,
      fix: NAME_RULE.test(arg) && inv.flags.name === undefined
        ? `pass the name as a flag: samuel new plugin --name=${arg}`
        : "pass the name as --name=NAME and the folder as --dir D",
    });
  }
  const made = await newPlugin({
    cwd: inv.cwd,
    kind: text(inv.flags.kind),
    name: text(inv.flags.name),
    lang: text(inv.flags.lang),
    dir: text(inv.flags.dir),
    force: inv.flags.force === true,
    out: inv.out,
  });

  const out = inv.out;
  out.line(`${out.style("created", "green")} ${made.what} in ${made.shown}/`);
  const sdk = made.sdk;
  for (const f of made.files) if (!sdk || !f.startsWith(sdk.folder)) out.line(`  ${f}`);
  if (sdk && sdk.files > 0) out.line(`  ${sdk.folder} (${sdk.name}, ${sdk.files} files)`);
  out.line();
  out.line("next:");
  out.line(columns(made.next.map(([cmd, why]) => why ? [`  ${cmd}`, `# ${why}`] : [`  ${cmd}`])));

  const { name, kind, lang, dir, folder, forced, files, next } = made;
  return {
    data: {
      name,
      kind,
      ...(lang ? { lang } : {}),
      dir,
      folder,
      forced,
      files,
      next: next.map(([cmd]) => cmd),
    },
  };
}
