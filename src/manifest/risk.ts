/**
 * Which capability grants are *risky* (DESIGN.md 3.2): reads outside `/workspace`, any write, any network
 * host and any env key. `samuel install` lists these and asks for confirmation; `update` re-asks only for
 * new ones, which is why each grant is a comparable `{ capability, value }` pair. Pure functions.
 */

import type { Capabilities } from "./schema.ts";

/** The guest path of the project root. */
export const WORKSPACE = "/workspace";

export type RiskyCapability = "filesystem.read" | "filesystem.write" | "network.hosts" | "env";

/** One grant that needs the user's consent, and why, in words an installer can show as is. */
export interface RiskyGrant {
  capability: RiskyCapability;
  /** The guest path, host pattern or env key, as written in the manifest. */
  value: string;
  reason: string;
}

/** True when `path` (absolute, normalised) is `/workspace` or inside it. */
export function insideWorkspace(path: string): boolean {
  return path === WORKSPACE || path.startsWith(WORKSPACE + "/");
}

/** Lists the risky grants of `caps`, in manifest order: reads, writes, hosts, env keys. */
export function riskyGrants(caps: Capabilities): RiskyGrant[] {
  const out: RiskyGrant[] = [];
  for (const path of caps.filesystem.read) {
    if (insideWorkspace(path)) continue;
    out.push({
      capability: "filesystem.read",
      value: path,
      reason: path === "/"
        ? "reads the entire host filesystem"
        : `reads ${path} on the host, outside the project (/workspace)`,
    });
  }
  for (const path of caps.filesystem.write) {
    out.push({
      capability: "filesystem.write",
      value: path,
      reason: insideWorkspace(path)
        ? `writes to ${
          path === WORKSPACE ? "the project" : `${path} in the project`
        } (create, change, delete files)`
        : `writes to ${path} on the host, outside the project (create, change, delete files)`,
    });
  }
  for (const host of caps.network.hosts) {
    out.push({
      capability: "network.hosts",
      value: host,
      reason: host.startsWith("*.")
        ? `sends requests to any subdomain of ${host.slice(2)}`
        : `sends requests to ${host}`,
    });
  }
  for (const key of caps.env) {
    out.push({ capability: "env", value: key, reason: `reads the environment variable ${key}` });
  }
  return out;
}
