/**
 * File metadata in WASI shape: filetype from a Deno FileInfo, the 64-byte `filestat` struct, and setting
 * access/modification times.
 *
 * Timestamp precision: Deno reports and sets times with millisecond precision only, while WASI speaks
 * nanoseconds and guests check round trips exactly (set mtim to T, read back T). So when the guest sets
 * times through us, we remember the exact values per (dev, ino) and report them for as long as the
 * host's millisecond view of that file still matches what we set; any other change to the file (a write,
 * another process touching it) makes the host value differ and the host value wins again. Nothing is
 * invented: the remembered value is what the guest itself asked for and what the OS stores (truncated).
 */

import {
  FILETYPE_BLOCK_DEVICE,
  FILETYPE_CHARACTER_DEVICE,
  FILETYPE_DIRECTORY,
  FILETYPE_REGULAR_FILE,
  FILETYPE_SOCKET_STREAM,
  FILETYPE_SYMBOLIC_LINK,
  FILETYPE_UNKNOWN,
  FST_ATIM,
  FST_ATIM_NOW,
  FST_MTIM,
  FST_MTIM_NOW,
} from "./layout.ts";
import type { TimesOverride, WasiContext } from "./context.ts";
import type { GuestMemory } from "./memory.ts";

const NS_PER_MS = 1_000_000n;

export function filetypeOf(info: Deno.FileInfo): number {
  if (info.isFile) return FILETYPE_REGULAR_FILE;
  if (info.isDirectory) return FILETYPE_DIRECTORY;
  if (info.isSymlink) return FILETYPE_SYMBOLIC_LINK;
  if (info.isCharDevice) return FILETYPE_CHARACTER_DEVICE;
  if (info.isBlockDevice) return FILETYPE_BLOCK_DEVICE;
  // WASI has no FIFO type; a socket file is the closest honest answer for a socket, unknown for a FIFO.
  if (info.isSocket) return FILETYPE_SOCKET_STREAM;
  return FILETYPE_UNKNOWN;
}

function msOf(d: Date | null): number {
  return d === null ? 0 : d.getTime();
}

function nsOfMs(ms: number): bigint {
  return ms <= 0 ? 0n : BigInt(Math.trunc(ms)) * NS_PER_MS;
}

function overrideFor(ctx: WasiContext, info: Deno.FileInfo): TimesOverride | undefined {
  if (ctx.times.size === 0) return undefined;
  return ctx.times.get(`${info.dev}:${info.ino}`);
}

/** Current (atim, mtim) in ns as the guest sees them. */
export function guestTimes(ctx: WasiContext, info: Deno.FileInfo): [bigint, bigint] {
  const aMs = msOf(info.atime);
  const mMs = msOf(info.mtime);
  let atim = nsOfMs(aMs);
  let mtim = nsOfMs(mMs);
  const o = overrideFor(ctx, info);
  if (o !== undefined) {
    if (o.atimMs === Math.trunc(aMs)) atim = o.atim;
    if (o.mtimMs === Math.trunc(mMs)) mtim = o.mtim;
  }
  return [atim, mtim];
}

/** Writes a `filestat` at ptr. */
export function writeFilestat(ctx: WasiContext, mem: GuestMemory, ptr: number, info: Deno.FileInfo): void {
  mem.check(ptr, 64);
  const v = mem.view;
  const [atim, mtim] = guestTimes(ctx, info);
  mem.setU64(ptr, info.dev ?? 0);
  mem.setU64(ptr + 8, info.ino ?? 0);
  v.setUint8(ptr + 16, filetypeOf(info));
  for (let i = 17; i < 24; i++) v.setUint8(ptr + i, 0);
  mem.setU64(ptr + 24, info.nlink ?? 1);
  mem.setU64(ptr + 32, info.size);
  v.setBigUint64(ptr + 40, atim, true);
  v.setBigUint64(ptr + 48, mtim, true);
  v.setBigUint64(ptr + 56, nsOfMs(msOf(info.ctime ?? info.mtime)), true);
}

/** Writes a filestat for a descriptor with no host file behind it (stdio). */
export function writeEmptyFilestat(mem: GuestMemory, ptr: number, filetype: number): void {
  mem.check(ptr, 64);
  mem.u8.fill(0, ptr, ptr + 64);
  mem.view.setUint8(ptr + 16, filetype);
  mem.view.setUint32(ptr + 24, 1, true);
}

/** True when fstflags are contradictory (a time both given and "now"), which the spec makes EINVAL. */
export function badFstflags(flags: number): boolean {
  return ((flags & FST_ATIM) !== 0 && (flags & FST_ATIM_NOW) !== 0) ||
    ((flags & FST_MTIM) !== 0 && (flags & FST_MTIM_NOW) !== 0) || (flags & ~15) !== 0;
}

/**
 * Computes the new (atime, mtime) pair from fstflags, keeping unchanged fields at their current guest
 * value, applies it with `apply` (seconds, as Deno wants), and remembers the exact ns values.
 */
export function setTimes(
  ctx: WasiContext,
  info: Deno.FileInfo,
  atimArg: bigint,
  mtimArg: bigint,
  flags: number,
  apply: (atimeSec: number, mtimeSec: number) => void,
): void {
  const [curA, curM] = guestTimes(ctx, info);
  const now = ctx.clock.realtime();
  const atim = (flags & FST_ATIM_NOW) !== 0 ? now : (flags & FST_ATIM) !== 0 ? atimArg : curA;
  const mtim = (flags & FST_MTIM_NOW) !== 0 ? now : (flags & FST_MTIM) !== 0 ? mtimArg : curM;
  apply(secondsOf(atim), secondsOf(mtim));
  // Bounded: past this many files the oldest precision is dropped (times fall back to milliseconds).
  if (ctx.times.size >= 4096) ctx.times.delete(ctx.times.keys().next().value!);
  ctx.times.set(`${info.dev}:${info.ino}`, {
    atim,
    mtim,
    atimMs: Number(atim / NS_PER_MS),
    mtimMs: Number(mtim / NS_PER_MS),
  });
}

/**
 * ns → seconds for Deno. Aims at the middle of the target millisecond so float rounding in the
 * seconds → timespec conversion cannot land in the previous millisecond.
 */
function secondsOf(ns: bigint): number {
  return (Number(ns / NS_PER_MS) + 0.5) / 1000;
}
