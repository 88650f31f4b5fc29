/**
 * The names of `wasi_snapshot_preview1`: the import module and every function of it, in the order of the
 * preview1 spec. This module imports nothing, so the install-time import check (store/module_check.ts)
 * and `samuel plugin exec` can know what the host provides without loading the host. The table of
 * implementations (functions.ts) is typed against this list and a test checks the two agree exactly.
 */

/** The module name preview1 functions are imported from. */
export const WASI_MODULE = "wasi_snapshot_preview1";

/** Every preview1 function, all provided by our host (sockets answer EBADF / ENOTSOCK). */
export const WASI_FUNCTION_NAMES = [
  "args_get",
  "args_sizes_get",
  "environ_get",
  "environ_sizes_get",
  "clock_res_get",
  "clock_time_get",
  "fd_advise",
  "fd_allocate",
  "fd_close",
  "fd_datasync",
  "fd_fdstat_get",
  "fd_fdstat_set_flags",
  "fd_fdstat_set_rights",
  "fd_filestat_get",
  "fd_filestat_set_size",
  "fd_filestat_set_times",
  "fd_pread",
  "fd_prestat_get",
  "fd_prestat_dir_name",
  "fd_pwrite",
  "fd_read",
  "fd_readdir",
  "fd_renumber",
  "fd_seek",
  "fd_sync",
  "fd_tell",
  "fd_write",
  "path_create_directory",
  "path_filestat_get",
  "path_filestat_set_times",
  "path_link",
  "path_open",
  "path_readlink",
  "path_remove_directory",
  "path_rename",
  "path_symlink",
  "path_unlink_file",
  "poll_oneoff",
  "proc_exit",
  "proc_raise",
  "sched_yield",
  "random_get",
  "sock_accept",
  "sock_recv",
  "sock_send",
  "sock_shutdown",
] as const;

export type WasiFunctionName = (typeof WASI_FUNCTION_NAMES)[number];
