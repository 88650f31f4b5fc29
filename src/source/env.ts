/**
 * The environment variables that steer sources and downloads, their defaults, and how they are read (a
 * denied `--allow-env` counts as unset, so samuel still works in a locked-down run):
 *
 * | variable                     | default                              | meaning                                  |
 * |------------------------------|--------------------------------------|------------------------------------------|
 * | `SAMUEL_GITHUB_API_URL`      | `https://api.github.com`             | GitHub REST API base (latest release)    |
 * | `SAMUEL_GITHUB_DOWNLOAD_URL` | `https://github.com`                 | release asset base                       |
 * | `SAMUEL_GITHUB_RAW_URL`      | `https://raw.githubusercontent.com`  | `github.com/<o>/<r>` registry indexes    |
 * | `GITHUB_TOKEN`               | unset                                | sent as `Bearer` to the three hosts above only |
 * | `SAMUEL_REGISTRY_TTL`        | `1h`                                 | registry index cache lifetime (`90`, `30s`, `10m`, `1h`; `0` = always refetch) |
 * | `SAMUEL_RETRY_BASE_MS`       | `500`                                | first retry delay; doubles each retry, with jitter |
 * | `SAMUEL_DOWNLOAD_TIMEOUT_MS` | `30000`                              | connect and read-idle timeout per attempt |
 * | `SAMUEL_DOWNLOAD_RETRIES`    | `3`                                  | retries after the first attempt (5xx, connection errors, timeouts) |
 * | `SAMUEL_HOME`                | `~/.samuel`                          | read through `src/project/paths.ts`      |
 */

import { envGet } from "../env.ts";

/** Reads one variable; a missing `--allow-env` permission reads as unset. */
export type EnvGetter = (key: string) => string | undefined;

export { envGet };

export const DEFAULT_GITHUB_API_URL = "https://api.github.com";
export const DEFAULT_GITHUB_DOWNLOAD_URL = "https://github.com";
export const DEFAULT_GITHUB_RAW_URL = "https://raw.githubusercontent.com";

/** A non-negative integer from the environment, or `fallback` when unset or malformed. */
export function envInt(key: string, fallback: number, env: EnvGetter = envGet): number {
  const raw = env(key)?.trim();
  if (!raw || !/^\d+$/.test(raw)) return fallback;
  return Number(raw);
}

/** A duration in milliseconds: plain seconds (`90`) or `<n>ms|s|m|h`; `fallback` when unset or malformed. */
export function envDurationMs(key: string, fallbackMs: number, env: EnvGetter = envGet): number {
  const raw = env(key)?.trim();
  if (!raw) return fallbackMs;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(raw);
  if (!m) return fallbackMs;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? "s"] ?? 1000;
  return Math.round(Number(m[1]) * unit);
}

/** A base URL without its trailing slashes. */
export function baseUrl(key: string, fallback: string, env: EnvGetter = envGet): string {
  return (env(key)?.trim() || fallback).replace(/\/+$/, "");
}
