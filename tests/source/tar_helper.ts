/** Builds tar and tar.gz bytes in tests, so archives (good and malicious) are crafted exactly. */

const enc = new TextEncoder();

export interface TarEntry {
  name: string;
  /** `0` file, `5` dir, `1` hardlink, `2` symlink, `3` char device, `6` FIFO, `x` pax, `L` GNU long name. */
  type?: string;
  data?: string | Uint8Array;
  link?: string;
  mode?: number;
  /** ustar prefix field. */
  prefix?: string;
}

function field(h: Uint8Array, off: number, len: number, text: string) {
  h.set(enc.encode(text).subarray(0, len), off);
}

function octal(n: number, len: number): string {
  return n.toString(8).padStart(len - 1, "0") + "\0";
}

/** One ustar header block for `e`, whose data is `size` bytes. */
export function header(e: TarEntry, size: number): Uint8Array<ArrayBuffer> {
  const h = new Uint8Array(512);
  field(h, 0, 100, e.name);
  field(h, 100, 8, octal(e.mode ?? 0o644, 8));
  field(h, 108, 8, octal(0, 8));
  field(h, 116, 8, octal(0, 8));
  field(h, 124, 12, octal(size, 12));
  field(h, 136, 12, octal(0, 12));
  field(h, 156, 1, e.type ?? "0");
  field(h, 157, 100, e.link ?? "");
  field(h, 257, 6, "ustar\0");
  field(h, 263, 2, "00");
  field(h, 345, 155, e.prefix ?? "");
  h.fill(0x20, 148, 156);
  const sum = h.reduce((a, b) => a + b, 0);
  field(h, 148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
  return h;
}

/** A minimal ustar writer, so tests can build exactly the (malicious) archives they need. */
export function tar(entries: TarEntry[]): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (const e of entries) {
    const data = typeof e.data === "string" ? enc.encode(e.data) : e.data ?? new Uint8Array();
    blocks.push(header(e, data.length), data, new Uint8Array((512 - (data.length % 512)) % 512));
  }
  blocks.push(new Uint8Array(1024));
  return concat(...blocks);
}

/** The bytes of `parts`, one after the other. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, b) => a + b.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * A gzip bomb, compressed as it is generated (the expanded bytes never exist in the test): `huge` is one
 * member of `bytes` zeros, `many` is members of 1 MiB zeros adding up to `bytes`. 1 GiB compresses to ~1 MB.
 */
export async function gzipBomb(kind: "huge" | "many", bytes: number): Promise<Uint8Array> {
  const gz = new CompressionStream("gzip");
  const done = new Response(gz.readable).arrayBuffer();
  const w = gz.writable.getWriter();
  const zeros = new Uint8Array(1024 * 1024);
  if (kind === "huge") {
    await w.write(header({ name: "zeros" }, bytes));
    for (let left = bytes; left > 0; left -= zeros.length) {
      await w.write(zeros.subarray(0, Math.min(left, zeros.length)));
    }
  } else {
    for (let i = 0; i * zeros.length < bytes; i++) {
      await w.write(header({ name: `f${i}` }, zeros.length));
      await w.write(zeros);
    }
  }
  await w.write(new Uint8Array(1024));
  await w.close();
  return new Uint8Array(await done);
}

export async function gzip(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export function pax(records: Record<string, string>): string {
  return Object.entries(records).map(([k, v]) => {
    const body = ` ${k}=${v}\n`;
    let len = body.length + 1;
    while (String(len).length + body.length !== len) len = String(len).length + body.length;
    return `${len}${body}`;
  }).join("");
}
