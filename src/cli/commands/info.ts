/**
 * `samuel info NAME`: a plugin's manifest, source and verification (src/app/info.ts), installed or from a
 * registry, rendered.
 *
 * `--json` data, installed: `{ name, installed: true, version, kind, summary, exports, source, resolved_url,
 * status, verification, capabilities, risky, sha256, installed_at, dir }`; from a registry:
 * `{ name, installed: false, description, source, versions, latest, kind, registry }`.
 */

import type { InstalledInfo, RegistryInfo } from "../../app/info.ts";
import type { CommandResult, Invocation } from "../command.ts";
import type { Output } from "../output.ts";
import { samuelError } from "../../errors.ts";

export async function run(inv: Invocation): Promise<CommandResult> {
  if (inv.args.length !== 1) {
    throw samuelError("SAM-INSTALL-013", {
      message: "info takes one plugin name",
      fix: "run `samuel info NAME`",
    });
  }
  const { pluginInfo } = await import("../../app/info.ts");
  const found = await pluginInfo(inv.cwd, inv.args[0], inv.out);
  return found.installed ? installed(inv.out, found) : fromRegistry(inv.out, found);
}

function installed(out: Output, { plugin: p, summary, exports }: InstalledInfo): CommandResult {
  const l = p.locked;
  out.line(`${out.style(p.name, "bold")} ${l.version} (${l.kind})${summary ? `: ${summary}` : ""}`);
  const rows: [string, string][] = [
    ["source", l.source],
    ["resolved", l.resolvedUrl],
    ["installed", `${l.installedAt} in ${p.dir} (${p.status})`],
    [
      "verified",
      l.verification.method === "sigstore"
        ? `sigstore${
          l.verification.attestation ? ` attestation ${l.verification.attestation.predicateType}` : ""
        }: ${l.verification.san} (issuer ${l.verification.issuer}, log index ${l.verification.logIndex})`
        : `unsigned: ${l.verification.reason}`,
    ],
    ["sha256", `module ${l.sha256.module}, manifest ${l.sha256.manifest}`],
  ];
  if (exports.length) rows.push(["exports", exports.join(", ")]);
  const c = l.capabilities;
  rows.push(
    ["read", c.filesystem.read.join(", ") || "-"],
    ["write", c.filesystem.write.join(", ") || "-"],
    ["network", c.network.hosts.join(", ") || "-"],
    ["env", c.env.join(", ") || "-"],
    [
      "limits",
      `max_memory ${c.maxMemory} MiB, timeout ${c.timeoutMs} ms, hard_timeout ${c.hardTimeoutMs} ms`,
    ],
  );
  for (const [k, v] of rows) out.line(`  ${k.padEnd(10)} ${v}`);
  for (const r of p.risky) out.line(`  ! ${r.capability} ${r.value}: ${r.reason}`);
  const { locked: _, ...rest } = p;
  return { data: { ...rest, installed: true, summary, exports, sha256: l.sha256 } };
}

function fromRegistry(out: Output, { entry: e, latest }: RegistryInfo): CommandResult {
  out.line(
    `${out.style(e.name, "bold")} ${latest ?? ""} (not installed)${
      e.description ? `: ${e.description}` : ""
    }`,
  );
  out.line(`  source     ${e.source}`);
  out.line(`  versions   ${e.versions.join(", ")}`);
  out.line(`  registry   ${e.registry}`);
  out.line(`  install    samuel install ${e.name}`);
  return {
    data: {
      name: e.name,
      installed: false,
      description: e.description ?? "",
      source: e.source,
      versions: e.versions,
      latest,
      kind: e.kind ?? null,
      registry: e.registry,
    },
  };
}
