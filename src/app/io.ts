/**
 * The small interfaces through which a use case talks to whoever runs it, declared here so the use cases
 * never import the CLI: a `Reporter` for notes, warnings and result lines, a `Prompter` for the one
 * question samuel asks (the capability review), and a `ProgressSink` for downloads. The CLI provides the
 * real ones (`src/cli/output.ts`'s `Output` is a Reporter; `src/cli/prompt.ts` and `src/cli/progress.ts`
 * the others); tests provide their own.
 */

import type { DownloadProgress } from "../source/types.ts";

/** What a use case shows as it goes (`Output` satisfies it). */
export interface Reporter {
  readonly json: boolean;
  note(text: string): void;
  warn(text: string): void;
  line(text?: string): void;
  /** Detail for `--verbose` (phase timings). */
  debug?(text: string): void;
  style(text: string, style: "red" | "green" | "yellow" | "dim" | "bold"): string;
}

/** How the capability review asks a human (absent: nobody can answer, so risky grants need `--yes`). */
export interface Prompter {
  /** Whether a human can answer now. */
  readonly interactive: boolean;
  /** Asks `question` and reads one answer line; null when there is none (end of input). */
  ask(question: string): Promise<string | null>;
}

/** Makes the progress display of one download, named by `label` (the asset's file name). */
export type ProgressSink = (label: string) => DownloadProgress;
