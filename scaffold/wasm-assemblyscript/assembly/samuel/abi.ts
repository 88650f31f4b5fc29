// The raw imports the SDK needs: the `samuel` host module (protocol 1) and the few WASI preview1
// functions the AssemblyScript standard library does not wrap (files, stdin). Everything here passes
// plain integers and pointers into linear memory; the rest of the SDK wraps them in AssemblyScript types,
// so plugin code never touches a pointer.

// @ts-ignore: decorator
@external("samuel", "log")
export declare function host_log(levelPtr: usize, levelLen: usize, msgPtr: usize, msgLen: usize): void;

// @ts-ignore: decorator
@external("samuel", "deadline_ms")
export declare function host_deadline_ms(): i64;

// @ts-ignore: decorator
@external("samuel", "net_outbound")
export declare function host_net_outbound(reqPtr: usize, reqLen: usize, respPtr: usize, respCap: usize): i32;

// @ts-ignore: decorator
@external("samuel", "net_response")
export declare function host_net_response(respPtr: usize, respCap: usize): i32;

// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "fd_read")
export declare function fd_read(fd: u32, iovs: usize, iovsLen: usize, nread: usize): u16;

// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "fd_write")
export declare function fd_write(fd: u32, iovs: usize, iovsLen: usize, nwritten: usize): u16;

// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "fd_close")
export declare function fd_close(fd: u32): u16;

// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "fd_readdir")
export declare function fd_readdir(fd: u32, buf: usize, bufLen: usize, cookie: u64, bufused: usize): u16;

// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "fd_prestat_get")
export declare function fd_prestat_get(fd: u32, buf: usize): u16;

// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "fd_prestat_dir_name")
export declare function fd_prestat_dir_name(fd: u32, path: usize, pathLen: usize): u16;

// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "path_open")
export declare function path_open(
  dirfd: u32,
  dirflags: u32,
  path: usize,
  pathLen: usize,
  oflags: u16,
  rightsBase: u64,
  rightsInheriting: u64,
  fdflags: u16,
  fd: usize,
): u16;

// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "path_filestat_get")
export declare function path_filestat_get(fd: u32, flags: u32, path: usize, pathLen: usize, buf: usize): u16;

/** The samuel plugin ABI protocol this SDK implements. */
export const PROTOCOL_VERSION: i32 = 1;

/**
 * Tells the host, at install time, which ABI protocol this module speaks. Re-export it from
 * assembly/index.ts (`export { samuel_protocol_version } from "./samuel"`): only the entry file's exports
 * become the module's.
 */
export function samuel_protocol_version(): i32 {
  return PROTOCOL_VERSION;
}
