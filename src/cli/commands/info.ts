/**
 * `samuel info NAME`: a plugin's manifest, source and verification. For an installed plugin it reads the
 * lock entry and the installed manifest copy; a name that is not installed is looked up in the
 * registries of `samuel.toml` (`SAM-REGISTRY-004`, exit 2, when none lists it).
 *
 * `--json` data, installed: `{ name, installed: true, version, kind, summary, exports, source, resolved_url,
 * status, verification, capabilities, risky, sha256, installed_at, dir }`; from a registry:
 * `{ name, installed: false, description, source, versions, latest, kind, registry }`.
 */

import type { CommandResult, Invocation } from "../command.ts";
import { invalidInput } from "../../errors.ts";
import { join, projectRoot } from "../../project/paths.ts";

export async function run(inv: Invocation): Promise<CommandResult> {
  if (inv.args.length !== 1) {
    throw invalidInput("SAM-INSTALL-013", "info takes one plugin name", "run `samuel info NAME`");
  }
  const name = inv.args[0];
  const root = projectRoot(inv.cwd);
  const { listPlugins } = await import("../../app/list.ts");
  const { plugins } = await listPlugins(root, inv.out);
  const p = plugins.find((x) => x.name === name);
  if (!p || !p.locked) return await registryInfo(inv, name, root);
  let summary = "";
  let exports: string[] = [];
  try {
    const { parseManifest } = await import("../../manifest/mod.ts");
    const text = await Deno.readTextFile(join(p.dir, "samuel-plugin.toml"));
    const m = (await parseManifest(text, { trusted: true })).manifest;
    if (m) {
      summary = m.summary;
      if (m.kind === "wasm") exports = m.wasm.exports;
    }
  } catch { /* status says the files are missing */ }
  const out = inv.out;
  const l = p.locked;
  out.line(`${out.style(name, "bold")} ${l.version} (${l.kind})${summary ? `: ${summary}` : ""}`);
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

async function registryInfo(inv: Invocation, name: string, root: string): Promise<CommandResult> {
  const { loadConfig } = await import("../../project/config.ts");
  const { registriesFor } = await import("../../app/fetch.ts");
  const { info } = await import("../../source/mod.ts");
  const config = await loadConfig(root, { optional: true });
  const e = await info(name, registriesFor(config.registries, root), {
    cwd: inv.cwd,
    warn: (m) => inv.out.warn(m),
  });
  const semver = (await import("npm:semver@7.8.6")).default;
  const latest = semver.maxSatisfying(e.versions, "*") ?? e.versions[e.versions.length - 1] ?? null;
  const out = inv.out;
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
