/**
 * The preview1 ABI as numbers: rights bits, flag bits, enum values and struct layouts from
 * `typenames.witx`. All rights fit in 30 bits, so rights are kept as plain numbers (no BigInt) and the
 * high word of a 64-bit rights argument is ignored: it holds no defined right.
 */

// rights (u64 bit flags; only bits 0..29 are defined)
export const RIGHT_FD_DATASYNC = 1 << 0;
export const RIGHT_FD_READ = 1 << 1;
export const RIGHT_FD_SEEK = 1 << 2;
export const RIGHT_FD_FDSTAT_SET_FLAGS = 1 << 3;
export const RIGHT_FD_SYNC = 1 << 4;
export const RIGHT_FD_TELL = 1 << 5;
export const RIGHT_FD_WRITE = 1 << 6;
export const RIGHT_FD_ADVISE = 1 << 7;
export const RIGHT_FD_ALLOCATE = 1 << 8;
export const RIGHT_PATH_CREATE_DIRECTORY = 1 << 9;
export const RIGHT_PATH_CREATE_FILE = 1 << 10;
export const RIGHT_PATH_LINK_SOURCE = 1 << 11;
export const RIGHT_PATH_LINK_TARGET = 1 << 12;
export const RIGHT_PATH_OPEN = 1 << 13;
export const RIGHT_FD_READDIR = 1 << 14;
export const RIGHT_PATH_READLINK = 1 << 15;
export const RIGHT_PATH_RENAME_SOURCE = 1 << 16;
export const RIGHT_PATH_RENAME_TARGET = 1 << 17;
export const RIGHT_PATH_FILESTAT_GET = 1 << 18;
export const RIGHT_PATH_FILESTAT_SET_SIZE = 1 << 19;
export const RIGHT_PATH_FILESTAT_SET_TIMES = 1 << 20;
export const RIGHT_FD_FILESTAT_GET = 1 << 21;
export const RIGHT_FD_FILESTAT_SET_SIZE = 1 << 22;
export const RIGHT_FD_FILESTAT_SET_TIMES = 1 << 23;
export const RIGHT_PATH_SYMLINK = 1 << 24;
export const RIGHT_PATH_REMOVE_DIRECTORY = 1 << 25;
export const RIGHT_PATH_UNLINK_FILE = 1 << 26;
export const RIGHT_POLL_FD_READWRITE = 1 << 27;
export const RIGHT_SOCK_SHUTDOWN = 1 << 28;
export const RIGHT_SOCK_ACCEPT = 1 << 29;

/** Rights that mean something on a directory descriptor. */
export const RIGHTS_DIR_BASE = RIGHT_FD_FDSTAT_SET_FLAGS | RIGHT_FD_SYNC | RIGHT_FD_DATASYNC |
  RIGHT_PATH_CREATE_DIRECTORY | RIGHT_PATH_CREATE_FILE | RIGHT_PATH_LINK_SOURCE | RIGHT_PATH_LINK_TARGET |
  RIGHT_PATH_OPEN | RIGHT_FD_READDIR | RIGHT_PATH_READLINK | RIGHT_PATH_RENAME_SOURCE |
  RIGHT_PATH_RENAME_TARGET | RIGHT_PATH_FILESTAT_GET | RIGHT_PATH_FILESTAT_SET_SIZE |
  RIGHT_PATH_FILESTAT_SET_TIMES | RIGHT_FD_FILESTAT_GET | RIGHT_FD_FILESTAT_SET_TIMES | RIGHT_PATH_SYMLINK |
  RIGHT_PATH_REMOVE_DIRECTORY | RIGHT_PATH_UNLINK_FILE;

/** Rights that mean something on a regular file descriptor. */
export const RIGHTS_FILE_BASE = RIGHT_FD_DATASYNC | RIGHT_FD_READ | RIGHT_FD_SEEK |
  RIGHT_FD_FDSTAT_SET_FLAGS |
  RIGHT_FD_SYNC | RIGHT_FD_TELL | RIGHT_FD_WRITE | RIGHT_FD_ADVISE | RIGHT_FD_ALLOCATE |
  RIGHT_FD_FILESTAT_GET | RIGHT_FD_FILESTAT_SET_SIZE | RIGHT_FD_FILESTAT_SET_TIMES | RIGHT_POLL_FD_READWRITE;

/** What a preopened directory hands down to what is opened beneath it. */
export const RIGHTS_DIR_INHERITING = RIGHTS_DIR_BASE | RIGHTS_FILE_BASE;

/** stdio is a stream: no seek/tell, which is also how wasi-libc's isatty() recognises a terminal. */
export const RIGHTS_STDIN = RIGHT_FD_READ | RIGHT_FD_FDSTAT_SET_FLAGS | RIGHT_FD_FILESTAT_GET |
  RIGHT_POLL_FD_READWRITE;
export const RIGHTS_STDOUT = RIGHT_FD_WRITE | RIGHT_FD_FDSTAT_SET_FLAGS | RIGHT_FD_FILESTAT_GET |
  RIGHT_POLL_FD_READWRITE | RIGHT_FD_SYNC | RIGHT_FD_DATASYNC;

// filetype (u8)
export const FILETYPE_UNKNOWN = 0;
export const FILETYPE_BLOCK_DEVICE = 1;
export const FILETYPE_CHARACTER_DEVICE = 2;
export const FILETYPE_DIRECTORY = 3;
export const FILETYPE_REGULAR_FILE = 4;
export const FILETYPE_SOCKET_DGRAM = 5;
export const FILETYPE_SOCKET_STREAM = 6;
export const FILETYPE_SYMBOLIC_LINK = 7;

// fdflags (u16)
export const FDFLAG_APPEND = 1;
export const FDFLAG_DSYNC = 2;
export const FDFLAG_NONBLOCK = 4;
export const FDFLAG_RSYNC = 8;
export const FDFLAG_SYNC = 16;
export const FDFLAGS_ALL = 31;

// oflags (u16)
export const OFLAG_CREAT = 1;
export const OFLAG_DIRECTORY = 2;
export const OFLAG_EXCL = 4;
export const OFLAG_TRUNC = 8;

// lookupflags (u32)
export const LOOKUP_SYMLINK_FOLLOW = 1;

// fstflags (u16)
export const FST_ATIM = 1;
export const FST_ATIM_NOW = 2;
export const FST_MTIM = 4;
export const FST_MTIM_NOW = 8;

// whence (u8)
export const WHENCE_SET = 0;
export const WHENCE_CUR = 1;
export const WHENCE_END = 2;

// clockid (u32)
export const CLOCK_REALTIME = 0;
export const CLOCK_MONOTONIC = 1;
export const CLOCK_PROCESS_CPUTIME = 2;
export const CLOCK_THREAD_CPUTIME = 3;

// eventtype (u8), subclockflags (u16)
export const EVENTTYPE_CLOCK = 0;
export const EVENTTYPE_FD_READ = 1;
export const EVENTTYPE_FD_WRITE = 2;
export const SUBCLOCK_ABSTIME = 1;

// advice (u8): normal, sequential, random, willneed, dontneed, noreuse
export const ADVICE_MAX = 5;

export const PREOPENTYPE_DIR = 0;

// Struct sizes and field offsets (wasm32, little-endian).
export const IOVEC_SIZE = 8; // buf: u32 @0, buf_len: u32 @4
export const FDSTAT_SIZE = 24; // filetype u8 @0, flags u16 @2, rights_base u64 @8, rights_inheriting u64 @16
export const FILESTAT_SIZE = 64; // dev @0, ino @8, filetype u8 @16, nlink @24, size @32, atim @40, mtim @48, ctim @56
export const DIRENT_SIZE = 24; // d_next u64 @0, d_ino u64 @8, d_namlen u32 @16, d_type u8 @20
export const PRESTAT_SIZE = 8; // tag u8 @0, pr_name_len u32 @4
export const SUBSCRIPTION_SIZE = 48; // userdata u64 @0, tag u8 @8, union @16
export const EVENT_SIZE = 32; // userdata u64 @0, error u16 @8, type u8 @10, nbytes u64 @16, flags u16 @24
