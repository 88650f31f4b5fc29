/**
 * The outer wall (DESIGN.md section 5): Deno's permissions, no wider than a plugin's grants, around the
 * code that runs the guest. Two shapes of the same wall:
 *
 * - **process**: the process narrows itself in place (`narrowProcess`) and the guest runs in the main
 *   isolate. This needs the process to hold explicit root entries (`--allow-read=/ --allow-write=/`,
 *   scripts/flags.ts): Deno can then add an entry per grant and revoke the root, which leaves exactly the
 *   grants, for good (PLATFORM-NOTES "A process can narrow its own permissions in place"). Everything
 *   else (`env`, `net`, `sys`, `run`, `ffi`, `import`) is revoked wholesale, which is also why a plugin
 *   granted network hosts cannot use this shape: Deno cannot narrow `net` to a host list in place.
 * - **worker**: a Worker started with `deno.permissions` (sandbox.ts). Used where the process cannot
 *   narrow: network grants, several plugins with different grants in one process (`run --all`), and a
 *   process started with the bare global `--allow-read`/`--allow-write` or `-A` (revoking a path under a
 *   global grant changes nothing, so narrowing would silently leave the process wide open).
 *
 * `chooseWall` decides, `narrowProcess` narrows and then checks that it worked (a guest never runs in an
 * isolate wider than its grants: if a check fails, it throws instead of running). Both walls grant a
 * preopen's host path and its real path: the WASI host resolves guest paths against the real folder
 * (wasi/paths.ts), and Deno compares path strings without resolving links.
 *
 * @example Narrow a process started with `--allow-read=/ --allow-write=/`, then run the guest here
 * ```ts
 * const wall = chooseWall(spec);
 * if (wall.kind === "process") narrowProcess(wallGrants(spec)); // wallGrants: sandbox_spec.ts
 * ```
 */

import type { SandboxSpec, WallGrants } from "./sandbox_spec.ts";

export type Wall =
  | { kind: "process" }
  | { kind: "worker"; reason: string };

/**
 * Permissions revoked wholesale when the process narrows (the guest needs none of them). Deno 2.9 accepts
 * `import` here although its type declarations do not list it (tests/runtime/outer_wall_test.ts checks
 * a remote-style import is refused afterwards).
 */
const REVOKED = ["env", "net", "sys", "run", "ffi", "import"] as unknown as readonly Deno.PermissionName[];

/**
 * Why this process cannot narrow its read and write permissions in place, or undefined when it can:
 * it must hold them as explicit root entries, not as global grants.
 */
export function cannotNarrow(): string | undefined {
  for (const name of ["read", "write"] as const) {
    if (Deno.permissions.querySync({ name }).state === "granted") {
      return `the process holds a global --allow-${name} (or -A), which cannot be narrowed in place; ` +
        `samuel ships with --allow-${name}=/ for this`;
    }
    if (Deno.permissions.querySync({ name, path: "/" }).state !== "granted") {
      return `the process was not started with --allow-${name}=/`;
    }
  }
  return undefined;
}

/** The wall a one-shot invocation of `spec` gets: the process itself when it can, else a Worker. */
export function chooseWall(spec: Pick<SandboxSpec, "hosts">): Wall {
  if (spec.hosts.length > 0) {
    return {
      kind: "worker",
      reason: "the plugin is granted network hosts, and a process cannot narrow --allow-net to a host list",
    };
  }
  const why = cannotNarrow();
  return why === undefined ? { kind: "process" } : { kind: "worker", reason: why };
}

/** Raised when the process could not be narrowed as asked: the guest must not run. */
export class WallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WallError";
  }
}

/**
 * Narrows this process to `grants` for the rest of its life: read to `grants.read`, write to
 * `grants.write`, and no env, net, sys, run, ffi or import. Everything samuel itself needs must be done
 * (and every module it will use loaded) before calling this. Throws `WallError` if the result is wider
 * than asked.
 */
export function narrowProcess(grants: WallGrants): void {
  const why = cannotNarrow();
  if (why !== undefined) throw new WallError(`cannot narrow the process: ${why}`);
  // Entries first, root last: while the root entry stands, each request is covered and granted at once
  // (also under --no-prompt); revoking the root then leaves only the entries.
  for (const path of grants.read) request({ name: "read", path });
  for (const path of grants.write) request({ name: "write", path });
  // Each revoke answers with the state it leaves, which is what the check needs (no second query).
  const wide: string[] = [];
  for (const name of ["read", "write"] as const) {
    if (Deno.permissions.revokeSync({ name, path: "/" }).state === "granted") wide.push(`${name} /`);
  }
  for (const name of REVOKED) {
    if (Deno.permissions.revokeSync({ name } as Deno.PermissionDescriptor).state === "granted") {
      wide.push(name);
    }
  }
  verifyNarrowed(grants, wide);
}

function request(desc: Deno.ReadPermissionDescriptor | Deno.WritePermissionDescriptor): void {
  const state = Deno.permissions.requestSync(desc).state;
  if (state !== "granted") {
    throw new WallError(`could not keep ${desc.name} access to ${desc.path}: ${state}`);
  }
}

/**
 * The root and every revoked permission must now be refused (`wide` lists those still granted) and every
 * read grant kept; a wall that did not take is an error.
 */
function verifyNarrowed(grants: WallGrants, wide: string[]): void {
  for (const path of grants.read) {
    if (Deno.permissions.querySync({ name: "read", path }).state !== "granted") {
      wide.push(`lost read ${path}`);
    }
  }
  if (wide.length > 0) throw new WallError(`the process wall did not take: ${wide.join(", ")}`);
}
