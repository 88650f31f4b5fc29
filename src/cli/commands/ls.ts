/**
 * `samuel ls` (`list`): the plugins of this project with version, verification and capabilities
 * (`src/app/list.ts`).
 *
 * `--json` data: `{ root, pending_transaction, plugins: [{ name, version, kind, source, resolved_url,
 * status: "ok" | "files-missing" | "files-changed" | "not-installed", verification, capabilities, risky,
 * installed_at, dir }] }` (shapes as in `samuel install`; null where not installed).
 */

import type { CommandResult, Invocation } from "../command.ts";
import { columns } from "../output.ts";
import { projectRoot } from "../../project/paths.ts";

export async function run(inv: Invocation): Promise<CommandResult> {
  const root = projectRoot(inv.cwd);
  const { listPlugins } = await import("../../app/list.ts");
  const { plugins, pending } = await listPlugins(root, inv.out);
  const out = inv.out;
  if (plugins.length === 0) out.line("no plugins installed (samuel install SOURCE adds one)");
  else {
    const rows = [["NAME", "VERSION", "KIND", "VERIFIED", "CAPABILITIES", "STATUS"]];
    for (const p of plugins) {
      const v = p.locked?.verification;
      const verified = !v ? "-" : v.method === "sigstore" ? `signed ${v.san}` : `unsigned (${v.reason})`;
      const caps = p.locked?.capabilities;
      const grants = caps
        ? [
          ...caps.filesystem.read.map((x) => `read:${x}`),
          ...caps.filesystem.write.map((x) => `write:${x}`),
          ...caps.network.hosts.map((x) => `net:${x}`),
          ...caps.env.map((x) => `env:${x}`),
        ].join(" ") || "none"
        : "-";
      const risky = p.risky.length ? ` (${p.risky.length} risky)` : "";
      rows.push([p.name, p.version ?? "-", p.kind ?? "-", verified, grants + risky, p.status]);
    }
    out.line(columns(rows));
  }
  return {
    data: {
      root,
      pending_transaction: pending,
      plugins: plugins.map(({ locked: _, ...rest }) => rest),
    },
  };
}
