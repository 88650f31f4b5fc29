/**
 * The filesystem behind the upstream `samuel.fs_read` / `samuel.fs_write` imports: the same grants as the
 * WASI preopens, decided by the same resolver (`wasi/paths.ts` `resolvePath`, as a WASI `path_open`
 * from the preopen would be). A guest path must be absolute and normalised and lie under a preopen (the
 * longest matching one wins); the rest of the path is resolved inside that preopen component by
 * component, links included, and refused before any host call on an outside path, so a denial is the
 * same whether the outside target exists or not (no existence oracle). Writes need a read-write preopen.
 * Links are followed as the WASI side follows them: a relative link that stays inside works, an absolute
 * link target never does.
 */

import type { FsError, HostFs } from "./host/upstream.ts";
import type { Preopen } from "./sandbox_spec.ts";
import { ELOOP, ENOENT, ENOTCAPABLE, ENOTDIR } from "./wasi/errno.ts";
import { FdEntry } from "./wasi/fd_table.ts";
import { Resolved, resolvePath } from "./wasi/paths.ts";

interface Root {
  guest: string;
  readOnly: boolean;
  /** The preopen as the WASI resolver sees it (its real host path, no location below it). */
  dir: FdEntry;
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

/** The answer for a resolver errno; ENOTCAPABLE (leaving the grant) is a denial that names no target. */
function failure(op: string, guestPath: string, errno: number): FsError {
  const what = `${op} ${guestPath}`;
  if (errno === ENOTCAPABLE) return denied(`${what}: the path leads outside the grant`);
  if (errno === ENOENT) return { error: "not_found", message: `${what}: no such file or folder` };
  if (errno === ENOTDIR) return { error: "io", message: `${what}: a component is not a folder` };
  if (errno === ELOOP) return { error: "io", message: `${what}: too many levels of links` };
  return { error: "io", message: `${what}: cannot be resolved (errno ${errno})` };
}

export function preopenFs(preopens: readonly Preopen[]): HostFs {
  const roots: Root[] = [];
  for (const p of preopens) {
    try {
      const real = p.realPath ?? Deno.realPathSync(p.hostPath);
      roots.push({
        guest: p.guestPath,
        readOnly: p.readOnly,
        dir: FdEntry.directory(real, [], p.readOnly, 0, 0),
      });
    } catch { /* a preopen that does not exist grants nothing */ }
  }
  roots.sort((a, b) => b.guest.length - a.guest.length);
  const r = new Resolved();

  /** The preopen `guestPath` lies under and the path relative to it; undefined when none grants it. */
  function locate(guestPath: string): { root: Root; rel: string } | undefined {
    if (!normalised(guestPath)) return undefined;
    const root = roots.find((x) => within(guestPath, x.guest));
    if (!root) return undefined;
    const rel = guestPath.slice(root.guest.length).replace(/^\//, "");
    return { root, rel: rel === "" ? "." : rel };
  }

  return {
    read(guestPath) {
      const at = locate(guestPath);
      if (!at) return denied(`fs_read ${guestPath}: not under a granted path`);
      const err = resolvePath(at.root.dir, at.rel, true, r);
      if (err !== 0) return failure("fs_read", guestPath, err);
      if (r.info === null) return failure("fs_read", guestPath, ENOENT);
      try {
        return Deno.readFileSync(r.host);
      } catch (e) {
        return { error: "io", message: `fs_read ${guestPath}: ${(e as Error).name}` };
      }
    },
    write(guestPath, data) {
      const at = locate(guestPath);
      if (!at) return denied(`fs_write ${guestPath}: not under a granted path`);
      if (at.root.readOnly) return denied(`fs_write ${guestPath}: ${at.root.guest} is granted read-only`);
      // Following the last component: an existing link is written through only when it stays inside.
      const err = resolvePath(at.root.dir, at.rel, true, r);
      if (err !== 0) return failure("fs_write", guestPath, err);
      if (r.self || r.info?.isDirectory) {
        return { error: "io", message: `fs_write ${guestPath}: is a folder` };
      }
      try {
        Deno.writeFileSync(r.host, data);
        return undefined;
      } catch (e) {
        return { error: "io", message: `fs_write ${guestPath}: ${(e as Error).name}` };
      }
    },
  };
}
