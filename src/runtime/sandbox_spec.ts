/**
 * The sandbox an invocation runs in, as plain data: preopened folders, environment pairs, network hosts,
 * memory and time limits (DESIGN.md section 5). It is built from a plugin's granted capabilities and the
 * project root, and it is the only thing the runtime knows about a plugin's rights: the runtime never sees
 * a manifest. Being plain data, it crosses into the sandbox Worker with `postMessage`.
 */

import { samuelError } from "../errors.ts";

/** A host folder exposed to the guest at `guestPath`. */
export interface Preopen {
  guestPath: string;
  hostPath: string;
  readOnly: boolean;
  /**
   * The folder's real path, once `missingPreopens` has resolved it (and found a folder there): the wall's
   * grants, the WASI host and the samuel host use it instead of resolving the path again (each resolution
   * is a syscall or two, ~0.05-0.1 ms on the run path).
   */
  realPath?: string;
}

export interface SandboxSpec {
  /** Shown in log lines and reports. */
  pluginName: string;
  /** argv of the guest: the plugin name and the export (DESIGN.md section 5). */
  args: string[];
  env: [string, string][];
  preopens: Preopen[];
  /** Network allowlist for `net_outbound` (exact hosts and `*.suffix` patterns). */
  hosts: string[];
  maxMemoryBytes: number;
  /** Soft deadline: surfaced to the guest (`deadline_ms`) and bounding host calls. */
  softTimeoutMs: number;
  /** Hard timeout: the guest is stopped (trap) and the invocation fails with a timeout. */
  hardTimeoutMs: number;
  /** Deterministic budget of meter refills (`[runtime] fuel`), when set. */
  fuel?: number;
  /** Caps on captured stdout/stderr. */
  stdoutCap: number;
  stderrCap: number;
}

/** Grants as recorded in samuel.lock (the runtime's input; see src/project/lockfile.ts). */
export interface Grants {
  env: string[];
  filesystem: { read: string[]; write: string[] };
  network: { hosts: string[] };
  /** MiB. */
  maxMemory: number;
  timeoutMs: number;
  hardTimeoutMs: number;
  fuel?: number;
}

export const DEFAULT_OUTPUT_CAP = 16 * 1024 * 1024;
const WORKSPACE = "/workspace";

/**
 * Maps a guest path to its host path: `/workspace[/…]` is the project root, any other absolute guest
 * path is the same path on the host (DESIGN.md section 3.2).
 */
export function hostPathFor(guestPath: string, projectRoot: string): string {
  if (guestPath === WORKSPACE) return projectRoot;
  if (guestPath.startsWith(WORKSPACE + "/")) return projectRoot + guestPath.slice(WORKSPACE.length);
  return guestPath;
}

/**
 * Builds the sandbox for one invocation. Env values come from `getEnv` (the host's environment): a
 * granted key that is unset on the host is simply absent. A path granted both read and write is one
 * read-write preopen. A grant path that is not absolute and normalised is refused (SAM-RUN-016).
 */
/** Absolute, no empty, `.` or `..` segment, no trailing slash (the manifest's rule for grant paths). */
function normalisedGuestPath(path: string): boolean {
  if (!path.startsWith("/") || path.includes("\0")) return false;
  return path === "/" || path.slice(1).split("/").every((seg) => seg !== "" && seg !== "." && seg !== "..");
}

export function sandboxFromGrants(opts: {
  pluginName: string;
  exportName: string;
  grants: Grants;
  projectRoot: string;
  getEnv: (key: string) => string | undefined;
  hardTimeoutMs?: number;
  outputCap?: number;
}): SandboxSpec {
  const { grants, projectRoot } = opts;
  // Install validated these paths, but samuel.lock is a committed text file: a hand-edited
  // `/workspace/..` would map to the project's parent while reading like a path inside it.
  for (const path of [...grants.filesystem.read, ...grants.filesystem.write]) {
    if (!normalisedGuestPath(path)) {
      throw samuelError("SAM-RUN-016", {
        message: `samuel.lock grants ${opts.pluginName} the path ${
          JSON.stringify(path)
        }, which is not a normalised absolute path`,
        fix:
          "restore samuel.lock from version control, or reinstall the plugin to record its manifest's grants",
      });
    }
  }
  const preopens = new Map<string, Preopen>();
  for (const guestPath of grants.filesystem.read) {
    preopens.set(guestPath, { guestPath, hostPath: hostPathFor(guestPath, projectRoot), readOnly: true });
  }
  for (const guestPath of grants.filesystem.write) {
    preopens.set(guestPath, { guestPath, hostPath: hostPathFor(guestPath, projectRoot), readOnly: false });
  }
  const env: [string, string][] = [];
  for (const key of grants.env) {
    const value = opts.getEnv(key);
    if (value !== undefined) env.push([key, value]);
  }
  const hard = opts.hardTimeoutMs ?? grants.hardTimeoutMs;
  return {
    pluginName: opts.pluginName,
    args: [opts.pluginName, opts.exportName],
    env,
    preopens: [...preopens.values()],
    hosts: [...grants.network.hosts],
    maxMemoryBytes: grants.maxMemory * 1024 * 1024,
    // An overridden hard timeout shorter than the soft one pulls the soft one down with it.
    softTimeoutMs: Math.min(grants.timeoutMs, hard),
    hardTimeoutMs: hard,
    fuel: grants.fuel,
    stdoutCap: opts.outputCap ?? DEFAULT_OUTPUT_CAP,
    stderrCap: opts.outputCap ?? DEFAULT_OUTPUT_CAP,
  };
}

/**
 * The preopens whose host folder is missing (or is not a folder). The WASI host cannot open them, so the
 * runtime checks before starting a sandbox and names them instead of failing inside it. Each existing
 * folder's real path is recorded on its preopen (`realPath`), resolved once here, before narrowing.
 */
export function missingPreopens(spec: SandboxSpec): Preopen[] {
  return spec.preopens.filter((p) => {
    try {
      const real = Deno.realPathSync(p.hostPath);
      if (!Deno.statSync(real).isDirectory) return true;
      p.realPath = real;
      return false;
    } catch {
      return true;
    }
  });
}

/** The host paths a sandbox may read and write: what either wall grants (wall.ts). */
export interface WallGrants {
  read: string[];
  write: string[];
}

/**
 * The host paths to grant for `spec`'s preopens: each host path, and its real path where a link makes
 * them differ (the WASI host resolves guest paths against the real folder, and Deno compares path
 * strings without resolving links). Call it where the paths are still readable (before narrowing).
 */
export function wallGrants(spec: Pick<SandboxSpec, "preopens">): WallGrants {
  const read = new Set<string>();
  const write = new Set<string>();
  for (const p of spec.preopens) {
    const paths = [p.hostPath];
    try {
      const real = p.realPath ?? Deno.realPathSync(p.hostPath);
      if (real !== p.hostPath) paths.push(real);
    } catch { /* a missing folder is reported by the caller (missingPreopens) */ }
    for (const path of paths) {
      read.add(path);
      if (!p.readOnly) write.add(path);
    }
  }
  return { read: [...read], write: [...write] };
}

/**
 * The Deno permissions of the sandbox Worker: no wider than the grants (the outer wall, DESIGN.md
 * section 5). Read-only preopens are readable, read-write ones readable and writable; the network is
 * limited to the allowlisted hosts (Deno accepts `*.suffix` entries); nothing else. Path grants are
 * compared as strings: Deno does not resolve a symbolic link inside a grant (see sandbox_worker.ts).
 */
export function workerPermissions(
  spec: SandboxSpec,
  grants: WallGrants = wallGrants(spec),
): Deno.PermissionOptionsObject {
  return {
    read: grants.read.length ? [...grants.read] : false,
    write: grants.write.length ? [...grants.write] : false,
    net: spec.hosts.length ? [...spec.hosts] : false,
    env: false,
    run: false,
    ffi: false,
    sys: false,
    import: false,
  };
}
