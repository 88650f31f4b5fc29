/**
 * HTTP downloads for plugin sources: streamed with a hard size limit, connect and read-idle timeouts,
 * retries with exponential backoff and jitter on 5xx, connection errors and timeouts (never on other
 * 4xx), `Retry-After` honoured within bounds, and one distinct `SAM-DOWNLOAD-*` error per failure a user
 * can act on: 404 (which asset, which URL), rate limits (when they reset, `GITHUB_TOKEN`), TLS, size,
 * timeout, connection, other statuses.
 *
 * Redirects are followed by hand so an `Authorization` header never reaches an origin that was not
 * trusted with it (GitHub sends asset downloads to a storage host with a signed URL; the token must not
 * follow).
 */

import { isSamuelError, SamuelError, samuelError } from "../errors.ts";
import { envInt } from "./env.ts";

export interface DownloadOptions {
  /** What is being downloaded, for messages (e.g. `release asset plugin.wasm of acme/x@v1.0.0`). */
  label?: string;
  /** Abort as soon as the body passes this many bytes. Default 256 MiB. */
  maxBytes?: number;
  /** Per attempt: time to response headers, and the longest gap between body chunks. Default 30 s. */
  timeoutMs?: number;
  /** Attempts after the first one, for 5xx, 429, connection errors and timeouts. Default 3. */
  retries?: number;
  /** First backoff delay; doubles per retry, with jitter. Default `SAMUEL_RETRY_BASE_MS` or 500. */
  retryBaseMs?: number;
  /** The longest single wait (backoff or `Retry-After`); a longer `Retry-After` ends the retries. Default 30 s. */
  retryMaxMs?: number;
  headers?: Record<string, string>;
  /**
   * Origins (`scheme://host:port`) that may receive the `Authorization` header. Default: the origin of
   * the first URL. On a redirect to any other origin the header is dropped.
   */
  trustedOrigins?: string[];
  /** Default 5. */
  maxRedirects?: number;
  /** Added as the cause of a 404 error (e.g. "the release has no such asset"). */
  notFoundHint?: string;
  /** Called after each chunk; `total` is the Content-Length when the server sent one. */
  onProgress?: (received: number, total: number | undefined) => void;
  /** Cancels the whole download (no retry). */
  signal?: AbortSignal;
}

const MiB = 1024 * 1024;
export const DEFAULT_MAX_BYTES = 256 * MiB;

interface Resolved {
  label: string;
  maxBytes: number;
  timeoutMs: number;
  retries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  maxRedirects: number;
}

function resolve(url: string, o: DownloadOptions): Resolved {
  return {
    label: o.label ?? url,
    maxBytes: o.maxBytes ?? DEFAULT_MAX_BYTES,
    timeoutMs: o.timeoutMs ?? envInt("SAMUEL_DOWNLOAD_TIMEOUT_MS", 30_000),
    retries: o.retries ?? envInt("SAMUEL_DOWNLOAD_RETRIES", 3),
    retryBaseMs: o.retryBaseMs ?? envInt("SAMUEL_RETRY_BASE_MS", 500),
    retryMaxMs: o.retryMaxMs ?? 30_000,
    maxRedirects: o.maxRedirects ?? 5,
  };
}

/**
 * Collects a body in memory by copying each chunk into blocks of its own. Keeping the chunks themselves
 * would keep what backs them: Deno's fetch hands out small views of much larger buffers, so an endless
 * body in 8 KiB chunks held 1.6 GB at the 256 MiB cap, and one in 1 KiB chunks 12 GB (issue 17). With a
 * Content-Length the body goes into one buffer of that size, which is returned as it is.
 */
class MemorySink implements Sink {
  #blocks: Uint8Array[] = [];
  #fill = 0;
  #size = 0;
  #exact: Uint8Array | undefined;

  reset(): void {
    this.#blocks = [];
    this.#fill = 0;
    this.#size = 0;
    this.#exact = undefined;
  }

  expect(total: number): void {
    if (this.#size === 0 && total > 0) this.#exact = new Uint8Array(total);
  }

  write(chunk: Uint8Array): Promise<void> {
    if (this.#exact !== undefined && this.#size + chunk.length > this.#exact.length) {
      // More than announced: carry on in blocks.
      const head = this.#exact.subarray(0, this.#size);
      this.#exact = undefined;
      this.#blocks = [head];
      this.#fill = head.length;
    }
    if (this.#exact !== undefined) {
      this.#exact.set(chunk, this.#size);
    } else {
      let rest = chunk;
      while (rest.length > 0) {
        let block = this.#blocks.at(-1);
        if (block === undefined || this.#fill === block.length) {
          block = new Uint8Array(BLOCK_BYTES);
          this.#blocks.push(block);
          this.#fill = 0;
        }
        const n = Math.min(rest.length, block.length - this.#fill);
        block.set(rest.subarray(0, n), this.#fill);
        this.#fill += n;
        rest = rest.subarray(n);
      }
    }
    this.#size += chunk.length;
    return Promise.resolve();
  }

  bytes(): Uint8Array {
    if (this.#exact !== undefined) {
      return this.#size === this.#exact.length ? this.#exact : this.#exact.slice(0, this.#size);
    }
    const out = new Uint8Array(this.#size);
    let at = 0;
    for (const b of this.#blocks) {
      const n = Math.min(b.length, this.#size - at);
      out.set(b.subarray(0, n), at);
      at += n;
    }
    this.#blocks = [];
    return out;
  }
}

const BLOCK_BYTES = 1024 * 1024;

/** Downloads `url` into memory. */
export async function download(url: string, options: DownloadOptions = {}): Promise<Uint8Array> {
  const sink = new MemorySink();
  await downloadTo(url, options, sink);
  return sink.bytes();
}

/** Downloads `url` as UTF-8 text. */
export async function downloadText(url: string, options: DownloadOptions = {}): Promise<string> {
  return new TextDecoder().decode(await download(url, options));
}

/** Streams `url` into the file at `path` (created or truncated); returns the byte count. */
export async function downloadToFile(
  url: string,
  path: string,
  options: DownloadOptions = {},
): Promise<number> {
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  let size = 0;
  try {
    await downloadTo(url, options, {
      async reset() {
        await file.truncate(0);
        await file.seek(0, Deno.SeekMode.Start);
        size = 0;
      },
      async write(chunk) {
        let off = 0;
        while (off < chunk.length) off += await file.write(chunk.subarray(off));
        size += chunk.length;
      },
    });
  } finally {
    file.close();
  }
  return size;
}

interface Sink {
  /** Drops what an earlier failed attempt wrote. */
  reset(): void | Promise<void>;
  /** The body's announced size (Content-Length, within the limit), before its first chunk. */
  expect?(total: number): void;
  write(chunk: Uint8Array): Promise<void>;
}

/** Thrown inside an attempt when it may be retried; carries the error to report when retries run out. */
class Retryable {
  constructor(readonly error: SamuelError, readonly waitMs?: number) {}
}

/** The reason our own timer aborts a fetch with, told apart from a caller's abort. */
class TimeoutMark {
  constructor(readonly phase: "connect" | "read") {}
}

async function downloadTo(url: string, options: DownloadOptions, sink: Sink): Promise<void> {
  const r = resolve(url, options);
  checkScheme(url, r.label);
  for (let attempt = 0;; attempt++) {
    try {
      if (attempt > 0) await sink.reset();
      await attemptOnce(url, options, r, sink);
      return;
    } catch (e) {
      if (!(e instanceof Retryable)) throw e;
      if (attempt >= r.retries) throw e.error;
      if (e.waitMs !== undefined && e.waitMs > r.retryMaxMs) throw e.error;
      const backoff = Math.min(r.retryMaxMs, r.retryBaseMs * 2 ** attempt);
      // Equal jitter: half fixed, half random, so concurrent clients spread out yet still back off.
      const wait = e.waitMs ?? backoff / 2 + Math.random() * backoff / 2;
      await sleep(wait, options.signal);
    }
  }
}

function checkScheme(url: string, label: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw samuelError("SAM-DOWNLOAD-009", {
      message: `cannot download ${label}: ${JSON.stringify(url)} is not a URL`,
      fix: "check the base URL settings (SAMUEL_GITHUB_*_URL) and the registry URLs in samuel.toml",
    });
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw samuelError("SAM-DOWNLOAD-009", {
      message: `cannot download ${label}: ${url} is not an http(s) URL`,
      fix: "use an https:// URL (or file:// where a local path is accepted)",
    });
  }
}

async function attemptOnce(url: string, o: DownloadOptions, r: Resolved, sink: Sink): Promise<void> {
  const trusted = new Set(o.trustedOrigins ?? [new URL(url).origin]);
  let current = url;
  let headers = new Headers(o.headers ?? {});
  for (let hop = 0;; hop++) {
    const res = await fetchHeaders(current, headers, r, o.signal);
    if (res.status >= 300 && res.status < 400 && res.status !== 304) {
      const location = res.headers.get("location");
      await res.body?.cancel();
      if (!location || hop >= r.maxRedirects) {
        throw samuelError("SAM-DOWNLOAD-008", {
          message: location
            ? `too many redirects downloading ${r.label} (more than ${r.maxRedirects}, last ${current})`
            : `redirect without a Location header downloading ${r.label} from ${current}`,
          fix: "check the URL, mirror or proxy configuration",
        });
      }
      const next = new URL(location, current);
      if (!trusted.has(next.origin) && headers.has("authorization")) {
        headers = new Headers(headers);
        headers.delete("authorization");
      }
      current = next.href;
      continue;
    }
    if (!res.ok) throw await statusError(res, current, r, headers.has("authorization"), o.notFoundHint);
    await readBody(res, current, r, sink, o);
    return;
  }
}

/** One fetch up to the response headers, under the connect timeout. */
async function fetchHeaders(
  url: string,
  headers: Headers,
  r: Resolved,
  signal?: AbortSignal,
): Promise<Response> {
  const ctrl = new AbortController();
  const onAbort = () => ctrl.abort(signal?.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  const timer = setTimeout(() => ctrl.abort(new TimeoutMark("connect")), r.timeoutMs);
  try {
    return await fetch(url, { headers, redirect: "manual", signal: ctrl.signal });
  } catch (e) {
    // A caller's cancellation is passed through untouched: never retried, never dressed up as a network error.
    if (signal?.aborted) throw e;
    throw classifyFetchError(e, ctrl.signal.reason, url, r);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
}

async function readBody(
  res: Response,
  url: string,
  r: Resolved,
  sink: Sink,
  o: DownloadOptions,
): Promise<void> {
  const lengthHeader = res.headers.get("content-length");
  const total = lengthHeader !== null && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
  if (total !== undefined && total > r.maxBytes) {
    await res.body?.cancel();
    throw tooLarge(r, url, total);
  }
  if (!res.body) return;
  if (total !== undefined) sink.expect?.(total);
  const reader = res.body.getReader();
  let received = 0;
  let timedOut = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      reader.cancel().catch(() => {});
    }, r.timeoutMs);
  };
  try {
    arm();
    for (;;) {
      if (o.signal?.aborted) {
        await reader.cancel().catch(() => {});
        throw o.signal.reason;
      }
      let step: ReadableStreamReadResult<Uint8Array>;
      try {
        step = await reader.read();
      } catch (e) {
        if (timedOut) throw new Retryable(timeoutError(r, url, "read"));
        throw classifyFetchError(e, undefined, url, r);
      }
      if (timedOut) throw new Retryable(timeoutError(r, url, "read"));
      if (step.done) break;
      received += step.value.length;
      if (received > r.maxBytes) {
        await reader.cancel().catch(() => {});
        throw tooLarge(r, url, received);
      }
      await sink.write(step.value);
      o.onProgress?.(received, total);
      arm();
    }
  } finally {
    clearTimeout(timer);
  }
}

function tooLarge(r: Resolved, url: string, seen: number): SamuelError {
  return samuelError("SAM-DOWNLOAD-004", {
    message:
      `${r.label} is larger than the ${formatBytes(r.maxBytes)} limit (at least ${formatBytes(seen)}), ` +
      `download from ${url} aborted`,
    cause:
      "an oversized artifact is refused before it is stored, so a broken or hostile server cannot fill the disk",
    fix: "check that the source publishes the right file; plugin artifacts are normally a few MiB",
  });
}

function timeoutError(r: Resolved, url: string, phase: "connect" | "read"): SamuelError {
  return samuelError("SAM-DOWNLOAD-005", {
    message: phase === "connect"
      ? `timed out after ${r.timeoutMs} ms waiting for ${url} (${r.label}) to answer`
      : `timed out: ${url} (${r.label}) sent nothing for ${r.timeoutMs} ms`,
    cause: `gave up after ${r.retries + 1} attempt(s)`,
    fix: "check your network or proxy and retry; SAMUEL_DOWNLOAD_TIMEOUT_MS raises the timeout",
  });
}

/** The messages (along the `cause` chain) of a fetch failure. */
function messages(e: unknown): string {
  const parts: string[] = [];
  for (let cur: unknown = e, depth = 0; cur && depth < 5; depth++) {
    if (cur instanceof Error) {
      parts.push(cur.message);
      cur = cur.cause;
    } else {
      parts.push(String(cur));
      break;
    }
  }
  return parts.join(": ");
}

/**
 * True when a fetch failure is a TLS problem. Deno reports these as a `TypeError` whose message carries
 * rustls' wording: `invalid peer certificate: UnknownIssuer`, `certificate expired`, `received corrupt
 * message` (an HTTPS client talking to a plain-HTTP server), handshake failures.
 */
export function isTlsError(e: unknown): boolean {
  // URLs are cut out first: a host like `tls.example.com` must not make a refused connection look like TLS.
  const text = messages(e).replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s)]+/gi, "<url>");
  return /certificate|\btls\b|\bssl\b|handshake|corrupt message|InvalidContentType|peer is incompatible/i
    .test(text);
}

function classifyFetchError(e: unknown, reason: unknown, url: string, r: Resolved): unknown {
  if (reason instanceof TimeoutMark) return new Retryable(timeoutError(r, url, reason.phase));
  if (e instanceof TimeoutMark) return new Retryable(timeoutError(r, url, e.phase));
  if (e instanceof DOMException && e.name === "AbortError") return e;
  if (isSamuelError(e)) return e;
  const detail = messages(e);
  if (isTlsError(e)) {
    // Not retried: a certificate does not become trusted on the second try.
    return samuelError("SAM-DOWNLOAD-003", {
      message: `TLS failure connecting to ${new URL(url).host} for ${r.label}`,
      cause: detail,
      fix: "check the system clock and any TLS-intercepting proxy; a private CA can be added with " +
        "DENO_CERT=<ca.pem> (or --cert); never point samuel at an untrusted mirror",
      inner: e,
    });
  }
  return new Retryable(
    samuelError("SAM-DOWNLOAD-006", {
      message: `could not connect to ${new URL(url).host} to download ${r.label}`,
      cause: `${detail} (after ${r.retries + 1} attempt(s))`,
      fix: "check your network connection, proxy (HTTPS_PROXY) and the URL, then retry",
      inner: e,
    }),
  );
}

/** Seconds (`120`) or an HTTP date, as milliseconds from now; undefined when absent or malformed. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

async function statusError(
  res: Response,
  url: string,
  r: Resolved,
  sentToken: boolean,
  notFoundHint?: string,
): Promise<unknown> {
  await res.body?.cancel();
  const status = res.status;
  const retryAfter = parseRetryAfter(res.headers.get("retry-after"));
  const remaining = res.headers.get("x-ratelimit-remaining");
  const resetHeader = res.headers.get("x-ratelimit-reset");
  if (status === 404 || status === 410) {
    return samuelError("SAM-DOWNLOAD-001", {
      message: `not found: ${r.label} at ${url} (HTTP ${status})`,
      cause: notFoundHint,
      fix: sentToken
        ? "check the owner, repository, tag and asset name"
        : "check the owner, repository, tag and asset name; a private repository also needs GITHUB_TOKEN",
    });
  }
  const rateLimited = (status === 403 || status === 429) && (remaining === "0" || retryAfter !== undefined) ||
    status === 429;
  if (rateLimited) {
    const resetMs = remaining === "0" && resetHeader && /^\d+$/.test(resetHeader)
      ? Number(resetHeader) * 1000
      : retryAfter !== undefined
      ? Date.now() + retryAfter
      : undefined;
    const when = resetMs === undefined
      ? "the server did not say when it resets"
      : `it resets at ${new Date(resetMs).toISOString()} (in ${formatWait(resetMs - Date.now())})`;
    const error = samuelError("SAM-DOWNLOAD-002", {
      message: `rate limited by ${new URL(url).host} (HTTP ${status}) while downloading ${r.label}; ${when}`,
      cause: remaining === "0" ? "the API request quota (x-ratelimit-remaining: 0) is used up" : undefined,
      fix: sentToken
        ? "wait until the limit resets, then retry"
        : "set GITHUB_TOKEN (authenticated requests get a much higher limit), or wait until the limit resets",
    });
    // The primary GitHub limit lasts until its reset (up to an hour): waiting for it is not a retry.
    if (remaining === "0") return error;
    return new Retryable(error, retryAfter);
  }
  const error = samuelError("SAM-DOWNLOAD-007", {
    message: `HTTP ${status}${res.statusText ? ` ${res.statusText}` : ""} downloading ${r.label} from ${url}`,
    cause: status >= 500 ? `the server failed ${r.retries + 1} time(s) in a row` : undefined,
    fix: status === 401 || status === 403
      ? "check GITHUB_TOKEN (is it valid, does it grant read access to the repository?)"
      : status >= 500
      ? "the server is having trouble; retry later"
      : "check the URL and the source",
  });
  return status >= 500 ? new Retryable(error, retryAfter) : error;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < MiB) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / MiB).toFixed(1)} MiB`;
}

function formatWait(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  return `${Math.round(s / 60)} min`;
}
