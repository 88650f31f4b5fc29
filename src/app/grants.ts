/**
 * Capability grants as the lock records them: built from a validated manifest, compared with what a
 * plugin was granted before (for `update` and reinstall-over), and listed as rows for the review and
 * `ls`. Pure functions.
 */

import { DEFAULTS, type Manifest, type RiskyGrant, riskyGrants } from "../manifest/mod.ts";
import type { LockedCapabilities } from "../project/lockfile.ts";

/** The full grant set a manifest asks for (limits included), in the lock's shape. */
export function grantsOf(m: Manifest): LockedCapabilities {
  const c = m.capabilities;
  const caps: LockedCapabilities = {
    env: [...c.env],
    filesystem: { read: [...c.filesystem.read], write: [...c.filesystem.write] },
    network: { hosts: [...c.network.hosts] },
    maxMemory: m.kind === "wasm" ? m.runtime.maxMemoryMiB : DEFAULTS.maxMemoryMiB,
    timeoutMs: m.kind === "wasm" ? m.runtime.timeoutMs : DEFAULTS.timeoutMs,
    hardTimeoutMs: m.kind === "wasm" ? m.runtime.hardTimeoutMs : DEFAULTS.hardTimeoutMs,
  };
  if (m.kind === "wasm" && m.runtime.fuel !== undefined) caps.fuel = m.runtime.fuel;
  return caps;
}

/** One grant, risky or not, as shown to the user. */
export interface GrantRow {
  capability: string;
  value: string;
  risky: boolean;
  reason?: string;
}

const key = (g: { capability: string; value: string }) => `${g.capability}\u0000${g.value}`;

/** Every access grant of `caps` (reads, writes, hosts, env), risky ones marked with their reason. */
export function grantRows(caps: LockedCapabilities): GrantRow[] {
  const risky = new Map(riskyGrants(caps).map((r) => [key(r), r]));
  const rows: GrantRow[] = [];
  const add = (capability: string, value: string) => {
    const r = risky.get(key({ capability, value }));
    rows.push(r ? { capability, value, risky: true, reason: r.reason } : { capability, value, risky: false });
  };
  for (const p of caps.filesystem.read) add("filesystem.read", p);
  for (const p of caps.filesystem.write) add("filesystem.write", p);
  for (const h of caps.network.hosts) add("network.hosts", h);
  for (const k of caps.env) add("env", k);
  return rows;
}

/** Limits, as `name value` rows (memory in MiB, times in ms). */
export function limitRows(caps: LockedCapabilities): { name: string; value: string }[] {
  const rows = [
    { name: "max_memory", value: `${caps.maxMemory} MiB` },
    { name: "timeout", value: `${caps.timeoutMs} ms` },
    { name: "hard_timeout", value: `${caps.hardTimeoutMs} ms` },
  ];
  if (caps.fuel !== undefined) rows.push({ name: "fuel", value: String(caps.fuel) });
  return rows;
}

/** What changed between two grant sets. */
export interface GrantDiff {
  /** Grants in `next` that `previous` did not have. */
  added: GrantRow[];
  /** Grants `previous` had that `next` drops. */
  removed: GrantRow[];
  /** The added grants that are risky: the only ones a user is asked about again. */
  addedRisky: RiskyGrant[];
  /** Limits whose value changed, `from` -> `to`. */
  limits: { name: string; from: string; to: string }[];
}

export function diffGrants(previous: LockedCapabilities | undefined, next: LockedCapabilities): GrantDiff {
  const nextRows = grantRows(next);
  if (previous === undefined) {
    return { added: nextRows, removed: [], addedRisky: riskyGrants(next), limits: [] };
  }
  const prevRows = grantRows(previous);
  const prevKeys = new Set(prevRows.map(key));
  const nextKeys = new Set(nextRows.map(key));
  const prevRisky = new Set(riskyGrants(previous).map(key));
  const before = new Map(limitRows(previous).map((r) => [r.name, r.value]));
  const limits = limitRows(next)
    .filter((r) => before.get(r.name) !== r.value)
    .map((r) => ({ name: r.name, from: before.get(r.name) ?? "none", to: r.value }));
  for (const name of before.keys()) {
    if (!limitRows(next).some((r) => r.name === name)) {
      limits.push({ name, from: before.get(name)!, to: "none" });
    }
  }
  return {
    added: nextRows.filter((r) => !prevKeys.has(key(r))),
    removed: prevRows.filter((r) => !nextKeys.has(key(r))),
    addedRisky: riskyGrants(next).filter((r) => !prevRisky.has(key(r))),
    limits,
  };
}

/** True when both grant sets are the same (order-insensitive). */
export function sameGrants(a: LockedCapabilities, b: LockedCapabilities): boolean {
  const norm = (c: LockedCapabilities) =>
    JSON.stringify({
      env: [...new Set(c.env)].sort(),
      read: [...new Set(c.filesystem.read)].sort(),
      write: [...new Set(c.filesystem.write)].sort(),
      hosts: [...new Set(c.network.hosts)].sort(),
      m: c.maxMemory,
      t: c.timeoutMs,
      h: c.hardTimeoutMs,
      f: c.fuel ?? null,
    });
  return norm(a) === norm(b);
}

/** The lock's grants in the JSON envelope's snake_case shape. */
export function grantsJson(c: LockedCapabilities): Record<string, unknown> {
  const out: Record<string, unknown> = {
    env: c.env,
    filesystem: { read: c.filesystem.read, write: c.filesystem.write },
    network: { hosts: c.network.hosts },
    max_memory: c.maxMemory,
    timeout_ms: c.timeoutMs,
    hard_timeout_ms: c.hardTimeoutMs,
  };
  if (c.fuel !== undefined) out.fuel = c.fuel;
  return out;
}
