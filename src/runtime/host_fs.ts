/**
 * The filesystem behind the upstream `samuel.fs_read` / `samuel.fs_write` imports: the same grants as the
 * WASI preopens. A guest path must be absolute and normalised, lie under a preopen (the longest matching
 * one wins), and resolve (symlinks included) to a host path inside that preopen's real folder; writes
 * need a read-write preopen. Anything else is denied without touching the outside path, so the answer
 * reveals nothing about it.
 */

import type { FsError, HostFs } from "./host/upstream.ts";
import type { Preopen } from "./sandbox_spec.ts";

interface Root {
  guest: string;
  real: string;
  readOnly: boolean;
}

const denied = (message: string): FsError => ({ error: "denied", message });

function normalised(path: string): boolean {
  if (!path.startsWith("/") || path.includes("\0")) return false;
  if (path === "/") return true;
  return path.slice(1).split("/").every((seg) => seg !== "" && seg !== "." && seg !== "..");
}

function within(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith("/") ? root : root + "/");
}

export function preopenFs(preopens: readonly Preopen[]): HostFs {
  const roots: Root[] = [];
  for (const p of preopens) {
    try {
      roots.push({ guest: p.guestPath, real: Deno.realPathSync(p.hostPath), readOnly: p.readOnly });
    } catch { /* a preopen that does not exist grants nothing */ }
  }
  roots.sort((a, b) => b.guest.length - a.guest.length);

  /** The host path for `guestPath` under its preopen, before symlink resolution; undefined when denied. */
  function locate(guestPath: string): { root: Root; host: string } | undefined {
    if (!normalised(guestPath)) return undefined;
    const root = roots.find((r) => within(guestPath, r.guest));
    if (!root) return undefined;
    return { root, host: root.real + guestPath.slice(root.guest.length) };
  }

  return {
    read(guestPath) {
      const at = locate(guestPath);
      if (!at) return denied(`fs_read ${guestPath}: not under a granted path`);
      let real: string;
      try {
        real = Deno.realPathSync(at.host);
      } catch (e) {
        return e instanceof Deno.errors.NotFound
          ? { error: "not_found", message: `fs_read ${guestPath}: no such file` }
          : { error: "io", message: `fs_read ${guestPath}: ${(e as Error).message}` };
      }
      if (!within(real, at.root.real)) return denied(`fs_read ${guestPath}: a link leads outside the grant`);
      try {
        return Deno.readFileSync(real);
      } catch (e) {
        return { error: "io", message: `fs_read ${guestPath}: ${(e as Error).name}` };
      }
    },
    write(guestPath, data) {
      const at = locate(guestPath);
      if (!at) return denied(`fs_write ${guestPath}: not under a granted path`);
      if (at.root.readOnly) return denied(`fs_write ${guestPath}: ${at.root.guest} is granted read-only`);
      const slash = at.host.lastIndexOf("/");
      let parent: string;
      try {
        parent = Deno.realPathSync(at.host.slice(0, slash) || "/");
      } catch {
        return { error: "not_found", message: `fs_write ${guestPath}: the folder does not exist` };
      }
      if (!within(parent, at.root.real)) {
        return denied(`fs_write ${guestPath}: a link leads outside the grant`);
      }
      const target = `${parent}/${at.host.slice(slash + 1)}`;
      try {
        // An existing link at the target must not redirect the write outside the grant.
        const st = Deno.lstatSync(target);
        if (st.isSymlink && !within(Deno.realPathSync(target), at.root.real)) {
          return denied(`fs_write ${guestPath}: a link leads outside the grant`);
        }
      } catch { /* new file */ }
      try {
        Deno.writeFileSync(target, data);
        return undefined;
      } catch (e) {
        return { error: "io", message: `fs_write ${guestPath}: ${(e as Error).name}` };
      }
    },
  };
}
