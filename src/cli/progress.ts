/**
 * The download progress bar: one `\r`-redrawn line on stderr (`label [#####-----] 1.2/3.4 MiB`), shown
 * only when stderr is a terminal and the run is not `--json`; a no-op otherwise, so scripts, CI logs and
 * JSON consumers never see control characters.
 */

import { formatBytes } from "../source/download.ts";
import { type DownloadProgress, NO_PROGRESS } from "../source/types.ts";

const encoder = new TextEncoder();
const WIDTH = 24;
/** Redraws at most this often: a fast download must not spend its time writing to the terminal. */
const FRAME_MS = 80;

export interface ProgressOptions {
  json?: boolean;
  /** Overrides the TTY check (tests). */
  enabled?: boolean;
  /** Where to draw (tests); default stderr. */
  write?: (text: string) => void;
}

export function createProgress(label: string, options: ProgressOptions = {}): DownloadProgress {
  const enabled = options.enabled ?? (!options.json && stderrIsTerminal());
  if (!enabled) return NO_PROGRESS;
  const write = options.write ?? ((text: string) => Deno.stderr.writeSync(encoder.encode(text)));
  let last = 0;
  let drawn = false;
  return {
    update(received, total) {
      const now = Date.now();
      if (drawn && now - last < FRAME_MS && (total === undefined || received < total)) return;
      last = now;
      drawn = true;
      write(`\r\x1b[2K${render(label, received, total)}`);
    },
    done() {
      if (drawn) write("\r\x1b[2K");
    },
  };
}

export function render(label: string, received: number, total: number | undefined): string {
  if (total === undefined || total <= 0) return `${label} ${formatBytes(received)}`;
  const ratio = Math.min(1, received / total);
  const full = Math.round(ratio * WIDTH);
  return `${label} [${"#".repeat(full)}${"-".repeat(WIDTH - full)}] ${formatBytes(received)}/${
    formatBytes(total)
  }`;
}

function stderrIsTerminal(): boolean {
  try {
    return Deno.stderr.isTerminal();
  } catch {
    return false;
  }
}
