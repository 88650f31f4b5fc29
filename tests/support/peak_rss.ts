/**
 * Runs the real CLI and measures the peak resident memory of the samuel process, for the tests that
 * bound memory (decompression bombs, endless downloads). `/usr/bin/time` reports it exactly where it
 * exists (GNU `-v` on Linux, BSD `-l` on macOS); elsewhere on Linux the process's own high-water mark
 * (`VmHWM` in `/proc/<pid>/status`) is sampled every few milliseconds until it exits, which can only
 * under-read the last few milliseconds of a run.
 */

import { type CliOptions, type CliResult, runCli } from "./cli.ts";
import { existsQuiet } from "../../src/project/fs.ts";

export interface MeasuredRun extends CliResult {
  peakRssBytes: number;
  /** How the peak was measured, for failure messages. */
  how: string;
}

const HAS_TIME = await existsQuiet("/usr/bin/time");

/** True where `runCliPeak` can measure (Linux, or macOS with its /usr/bin/time). */
export const CAN_MEASURE_RSS = Deno.build.os === "linux" || (Deno.build.os === "darwin" && HAS_TIME);

export async function runCliPeak(args: string[], opts: CliOptions = {}): Promise<MeasuredRun> {
  if (HAS_TIME) {
    const report = await Deno.makeTempFile({ prefix: "samuel-rss-" });
    try {
      const linux = Deno.build.os === "linux";
      const r = await runCli(args, { ...opts, wrap: ["/usr/bin/time", linux ? "-v" : "-l", "-o", report] });
      const text = await Deno.readTextFile(report);
      const m = linux
        ? /Maximum resident set size \(kbytes\): (\d+)/.exec(text)
        : /(\d+)\s+maximum resident set size/.exec(text);
      if (!m) throw new Error(`no peak memory in /usr/bin/time's report:\n${text}`);
      return { ...r, peakRssBytes: Number(m[1]) * (linux ? 1024 : 1), how: "/usr/bin/time" };
    } finally {
      await Deno.remove(report).catch(() => {});
    }
  }
  return await sampled(args, opts);
}

/** Linux without /usr/bin/time: the samuel process's VmHWM, sampled until it exits. */
async function sampled(args: string[], opts: CliOptions): Promise<MeasuredRun> {
  // A shell that execs samuel keeps the pid it prints: that pid's VmHWM is samuel's.
  const pidFile = await Deno.makeTempFile({ prefix: "samuel-pid-" });
  let peak = 0;
  let done = false;
  const sampler = (async () => {
    let pid = "";
    while (!done) {
      if (pid === "") pid = (await Deno.readTextFile(pidFile).catch(() => "")).trim();
      if (pid !== "") {
        const status = await Deno.readTextFile(`/proc/${pid}/status`).catch(() => "");
        const m = /VmHWM:\s+(\d+) kB/.exec(status);
        if (m) peak = Math.max(peak, Number(m[1]) * 1024);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  try {
    const r = await runCli(args, {
      ...opts,
      wrap: ["/bin/sh", "-c", `echo $$ > '${pidFile}'; exec "$@"`, "sh"],
    });
    return { ...r, peakRssBytes: peak, how: "VmHWM sampled every 5 ms" };
  } finally {
    done = true;
    await sampler;
    await Deno.remove(pidFile).catch(() => {});
  }
}
