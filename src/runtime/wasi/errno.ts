/**
 * WASI preview1 errno values (`typenames.witx`, enum `errno`) and the single place where host failures
 * (Deno errors, raw OS error codes) become errno values. Keeping the mapping in one function means every
 * call reports the same errno for the same host condition, and an unexpected host error can never escape
 * into the guest as a JavaScript exception.
 */

export const ESUCCESS = 0;
export const E2BIG = 1;
export const EACCES = 2;
export const EADDRINUSE = 3;
export const EADDRNOTAVAIL = 4;
export const EAFNOSUPPORT = 5;
export const EAGAIN = 6;
export const EALREADY = 7;
export const EBADF = 8;
export const EBADMSG = 9;
export const EBUSY = 10;
export const ECANCELED = 11;
export const ECHILD = 12;
export const ECONNABORTED = 13;
export const ECONNREFUSED = 14;
export const ECONNRESET = 15;
export const EDEADLK = 16;
export const EDESTADDRREQ = 17;
export const EDOM = 18;
export const EDQUOT = 19;
export const EEXIST = 20;
export const EFAULT = 21;
export const EFBIG = 22;
export const EHOSTUNREACH = 23;
export const EIDRM = 24;
export const EILSEQ = 25;
export const EINPROGRESS = 26;
export const EINTR = 27;
export const EINVAL = 28;
export const EIO = 29;
export const EISCONN = 30;
export const EISDIR = 31;
export const ELOOP = 32;
export const EMFILE = 33;
export const EMLINK = 34;
export const EMSGSIZE = 35;
export const EMULTIHOP = 36;
export const ENAMETOOLONG = 37;
export const ENETDOWN = 38;
export const ENETRESET = 39;
export const ENETUNREACH = 40;
export const ENFILE = 41;
export const ENOBUFS = 42;
export const ENODEV = 43;
export const ENOENT = 44;
export const ENOEXEC = 45;
export const ENOLCK = 46;
export const ENOLINK = 47;
export const ENOMEM = 48;
export const ENOMSG = 49;
export const ENOPROTOOPT = 50;
export const ENOSPC = 51;
export const ENOSYS = 52;
export const ENOTCONN = 53;
export const ENOTDIR = 54;
export const ENOTEMPTY = 55;
export const ENOTRECOVERABLE = 56;
export const ENOTSOCK = 57;
export const ENOTSUP = 58;
export const ENOTTY = 59;
export const ENXIO = 60;
export const EOVERFLOW = 61;
export const EOWNERDEAD = 62;
export const EPERM = 63;
export const EPIPE = 64;
export const EPROTO = 65;
export const EPROTONOSUPPORT = 66;
export const EPROTOTYPE = 67;
export const ERANGE = 68;
export const EROFS = 69;
export const ESPIPE = 70;
export const ESRCH = 71;
export const ESTALE = 72;
export const ETIMEDOUT = 73;
export const ETXTBSY = 74;
export const EXDEV = 75;
export const ENOTCAPABLE = 76;

/** POSIX error names as Deno reports them in `error.code`, mapped to their WASI errno. */
const BY_CODE: Record<string, number> = {
  E2BIG,
  EACCES,
  EADDRINUSE,
  EADDRNOTAVAIL,
  EAFNOSUPPORT,
  EAGAIN,
  EWOULDBLOCK: EAGAIN,
  EALREADY,
  EBADF,
  EBUSY,
  ECANCELED,
  ECONNABORTED,
  ECONNREFUSED,
  ECONNRESET,
  EDEADLK,
  EDQUOT,
  EEXIST,
  EFAULT,
  EFBIG,
  EHOSTUNREACH,
  EILSEQ,
  EINTR,
  EINVAL,
  EIO,
  EISDIR,
  ELOOP,
  EMFILE,
  EMLINK,
  ENAMETOOLONG,
  ENFILE,
  ENOBUFS,
  ENODEV,
  ENOENT,
  ENOEXEC,
  ENOMEM,
  ENOSPC,
  ENOSYS,
  ENOTDIR,
  ENOTEMPTY,
  ENOTSUP,
  EOPNOTSUPP: ENOTSUP,
  ENOTTY,
  ENXIO,
  EOVERFLOW,
  EPERM,
  EPIPE,
  ERANGE,
  EROFS,
  ESPIPE,
  ESTALE,
  ETIMEDOUT,
  ETXTBSY,
  EXDEV,
};

/** Deno error classes for hosts that do not fill `code` (e.g. errors raised by Deno itself). */
const BY_NAME: Record<string, number> = {
  NotFound: ENOENT,
  AlreadyExists: EEXIST,
  PermissionDenied: EACCES,
  // Deno's own permission system said no: to the guest this is a capability it does not hold.
  NotCapable: ENOTCAPABLE,
  IsADirectory: EISDIR,
  NotADirectory: ENOTDIR,
  DirectoryNotEmpty: ENOTEMPTY,
  InvalidData: EINVAL,
  TimedOut: ETIMEDOUT,
  Interrupted: EINTR,
  WriteZero: EIO,
  UnexpectedEof: EIO,
  BadResource: EBADF,
  Busy: EBUSY,
  NotSupported: ENOTSUP,
  FilesystemLoop: ELOOP,
  FileTooLarge: EFBIG,
  ReadOnlyFilesystem: EROFS,
  BrokenPipe: EPIPE,
  WouldBlock: EAGAIN,
  ConnectionRefused: ECONNREFUSED,
  ConnectionReset: ECONNRESET,
  ConnectionAborted: ECONNABORTED,
  NotConnected: ENOTCONN,
  AddrInUse: EADDRINUSE,
  AddrNotAvailable: EADDRNOTAVAIL,
};

/** Errno for anything a host call threw; EIO when the failure is not recognisable. */
export function errnoFrom(e: unknown): number {
  if (e !== null && typeof e === "object") {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") {
      const n = BY_CODE[code];
      if (n !== undefined) return n;
    }
    const name = (e as { name?: unknown }).name;
    if (typeof name === "string") {
      const n = BY_NAME[name];
      if (n !== undefined) return n;
    }
  }
  return EIO;
}
