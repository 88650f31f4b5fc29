/** SHA-256 digests as lowercase hex, the form used in samuel.lock, cache keys and messages. */

// Built on first use: 256 string operations at module load cost every `samuel run` ~0.05 ms, and a
// cache hit hashes nothing.
let HEX: string[] | undefined;

/** Hex SHA-256 of `data` (Web Crypto: native, ~1 ms per MB). */
export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  HEX ??= Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
  let out = "";
  for (const b of digest) out += HEX[b];
  return out;
}

/** True for a 64-character lowercase hex string. */
export function isSha256Hex(value: string): boolean {
  return /^[0-9a-f]{64}$/.test(value);
}
