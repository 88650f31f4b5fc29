/**
 * Reads what a host must provide before instantiating a module that the JS API cannot tell: the limits
 * of an imported memory (WebAssembly.Module.imports names it but does not give its size). Only the import
 * section is decoded; anything malformed yields null and instantiation reports the real error.
 */

/** An imported memory's location and limits (in 64 KiB pages). */
export interface MemoryImport {
  module: string;
  name: string;
  initial: number;
  maximum?: number;
  shared: boolean;
}

const decoder = new TextDecoder();

export function memoryImport(bytes: Uint8Array): MemoryImport | null {
  let p = 8;
  const u32 = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (p >= bytes.length) throw new RangeError("eof");
      const b = bytes[p++];
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 63) throw new RangeError("leb");
    }
  };
  const name = (): string => {
    const n = u32();
    const s = decoder.decode(bytes.subarray(p, p + n));
    p += n;
    return s;
  };
  const limits = (): { min: number; max?: number; flags: number } => {
    const flags = u32();
    const min = u32();
    const max = (flags & 1) !== 0 ? u32() : undefined;
    return { min, max, flags };
  };
  try {
    if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
      return null;
    }
    while (p < bytes.length) {
      const id = bytes[p++];
      const size = u32();
      const end = p + size;
      if (id !== 2) {
        p = end;
        continue;
      }
      const count = u32();
      for (let i = 0; i < count; i++) {
        const module = name();
        const field = name();
        const kind = bytes[p++];
        if (kind === 0) u32(); // function: type index
        else if (kind === 1) {
          p++; // table: reftype
          limits();
        } else if (kind === 2) {
          const l = limits();
          return { module, name: field, initial: l.min, maximum: l.max, shared: (l.flags & 2) !== 0 };
        } else if (kind === 3) {
          p++; // global: valtype, mutability
          p++;
        } else if (kind === 4) {
          p++; // tag: attribute, type index
          u32();
        } else return null;
      }
      return null;
    }
  } catch {
    return null;
  }
  return null;
}
