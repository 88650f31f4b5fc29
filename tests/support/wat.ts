/**
 * Assembles WebAssembly text into a binary module with the `wabt` npm package, for tests that need edge
 * cases compilers will not produce. Features beyond the MVP are enabled because fixtures exercise them.
 */

import wabtInit from "wabt";

let wabt: Awaited<ReturnType<typeof wabtInit>> | undefined;

/** Returns the binary module for `source`; throws with wabt's message when the text is invalid. */
export async function wat2wasm(source: string, name = "fixture.wat"): Promise<Uint8Array> {
  wabt ??= await wabtInit();
  const module = wabt.parseWat(name, source, {
    exceptions: true,
    mutable_globals: true,
    sat_float_to_int: true,
    sign_extension: true,
    simd: true,
    threads: true,
    multi_value: true,
    tail_call: true,
    bulk_memory: true,
    reference_types: true,
    annotations: true,
    gc: false,
    memory64: false,
    extended_const: true,
    relaxed_simd: true,
  });
  try {
    module.resolveNames();
    module.validate();
    return new Uint8Array(module.toBinary({ write_debug_names: true }).buffer);
  } finally {
    module.destroy();
  }
}

/** The text of a binary module, folded by nothing: one instruction per line, named where names exist. */
export async function wasm2wat(bytes: Uint8Array): Promise<string> {
  wabt ??= await wabtInit();
  const module = wabt.readWasm(bytes, {
    readDebugNames: true,
    exceptions: true,
    threads: true,
    multi_value: true,
    tail_call: true,
    bulk_memory: true,
    reference_types: true,
  });
  try {
    module.generateNames();
    module.applyNames();
    return module.toText({ foldExprs: false, inlineExport: false });
  } finally {
    module.destroy();
  }
}
