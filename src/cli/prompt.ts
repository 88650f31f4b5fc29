/**
 * The terminal side of the capability review (src/app/review.ts): whether a human can answer, and the
 * question on stderr with its answer read from stdin. A human can answer when stdin is a terminal and the
 * run is not `--json`.
 *
 * Test-only: `SAMUEL_TEST_ASSUME_TTY=1` makes a piped stdin count as a terminal, so tests can drive the
 * prompt. It is not a user-facing setting.
 */

import type { Prompter } from "../app/io.ts";

/** The prompter of a command run from a terminal; `json` is `--json` (never interactive). */
export function terminalPrompter(json: boolean): Prompter {
  return {
    get interactive() {
      return isInteractive(json);
    },
    ask: askOnTerminal,
  };
}

export function isInteractive(json: boolean): boolean {
  if (json) return false;
  try {
    if (Deno.env.get("SAMUEL_TEST_ASSUME_TTY") === "1") return true;
  } catch { /* no env permission: a real run */ }
  return Deno.stdin.isTerminal();
}

/** Reads one line from stdin (up to a newline or EOF); null at EOF with nothing read. */
export async function readStdinLine(): Promise<string | null> {
  const buf = new Uint8Array(1);
  const bytes: number[] = [];
  for (;;) {
    const n = await Deno.stdin.read(buf);
    if (n === null || n === 0) break;
    if (buf[0] === 0x0a) return new TextDecoder().decode(new Uint8Array(bytes)).replace(/\r$/, "");
    bytes.push(buf[0]);
    if (bytes.length > 4096) break;
  }
  return bytes.length ? new TextDecoder().decode(new Uint8Array(bytes)) : null;
}

async function askOnTerminal(question: string): Promise<string | null> {
  await Deno.stderr.write(new TextEncoder().encode(question));
  return await readStdinLine();
}
