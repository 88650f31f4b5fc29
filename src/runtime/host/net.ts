/**
 * `samuel.net_outbound` and `samuel.net_response`: the guest's only way to the network (DESIGN.md
 * section 4). The call is synchronous for the guest: the import is a JSPI suspending function (jspi.ts),
 * so the guest's stack waits while the host awaits `fetch`; the runtime must enter the guest through
 * `WebAssembly.promising`.
 *
 * ## Imports
 * ```
 * net_outbound(req_ptr: i32, req_len: i32, resp_ptr: i32, resp_cap: i32) -> i32
 * net_response(resp_ptr: i32, resp_cap: i32) -> i32
 * ```
 *
 * ## Request: UTF-8 JSON at [req_ptr, req_ptr+req_len)
 * ```json
 * {"method": "POST", "url": "https://api.example.com/v1/x", "headers": {"content-type": "text/plain"},
 *  "body": "text", "timeout_ms": 2000}
 * ```
 * - `url` (required): absolute http or https URL.
 * - `method`: an HTTP token, case-insensitive, default `GET`; `CONNECT`, `TRACE`, `TRACK` are refused.
 * - `headers`: object of string values. Refused (BAD_REQUEST): `host`, `content-length`,
 *   `transfer-encoding`, `connection`, `keep-alive`, `upgrade`, `te`, `trailer`, `proxy-*` (the host
 *   sets framing and routing itself; a guest must not steer them).
 * - `body` (UTF-8 text) or `body_base64` (standard base64, for binary), not both; none for GET/HEAD
 *   (an empty one is accepted and means none).
 * - `timeout_ms`: optional positive number; the call never outlives the soft deadline anyway.
 * At most 16 MiB of request JSON.
 *
 * ## Response: UTF-8 JSON, written into [resp_ptr, resp_ptr+resp_cap)
 * ```json
 * {"status": 200, "url": "https://api.example.com/v1/x", "headers": {"content-type": "text/plain"},
 *  "body": "…"}
 * ```
 * - `headers`: lowercase names; repeated headers joined with `, ` as `fetch` does, except `set-cookie`,
 *   whose values are joined with `\n` (cookies contain commas).
 * - `body` when the body is valid UTF-8 (also when empty), else `body_base64` (standard base64).
 * - `url`: the final URL after redirects.
 * - Redirects (301, 302, 303, 307, 308 with a `Location`) are followed by the host, up to 5 hops, and the
 *   allowlist is checked again on every hop before connecting to it. 303, and 301/302 after a POST,
 *   continue as GET without body (as browsers do); a hop to another origin drops `authorization`,
 *   `cookie` and `proxy-authorization`.
 *
 * ## Return value (snprintf-like)
 * ≥ 0 is the full length of the response JSON; min(resp_cap, length) bytes were written. When the
 * length exceeds resp_cap the host keeps the response, and `net_response(ptr, cap)` copies it again (same
 * return convention) into a bigger buffer; it is released once read whole, or by the next
 * `net_outbound`. `resp_cap` 0 is allowed (ask the size, then read with `net_response`).
 * Negative values (codes.ts): DENIED -1 (host not in allowlist, on the request or any hop; also a
 * `denied: network.outbound <host> not in allowlist` line in the report), BAD_REQUEST -2,
 * SCHEME_NOT_ALLOWED -3, CONNECTION_FAILED -4, TIMEOUT -5 (soft deadline, or `timeout_ms`), TOO_LARGE -6
 * (response body over the cap, default 8 MiB; the host stops reading at the cap), OUT_OF_BOUNDS -7,
 * TOO_MANY_REDIRECTS -8, BAD_URL -9 (unparsable, or user info in the URL), NO_PENDING_RESPONSE -10
 * (`net_response` only). HTTP error statuses (404, 500) are responses, not errors.
 *
 * ## Code
 * `outbound` and `response` are the two imports; a call goes `parseRequest` -> `exchange` (time budget,
 * abort) -> `follow` (redirect hops, the allowlist on each) -> `readResponse` (`readBody` under the
 * cap, `encodeResponse`).
 */

import { type Allowlist, checkUrl, type UrlCheck } from "./allowlist.ts";
import { Code, codeName, memoryFault } from "./codes.ts";
import type { GuestMemory } from "../wasi/memory.ts";
import type { InvocationReport } from "./report.ts";

export const DEFAULT_RESPONSE_CAP = 8 * 1024 * 1024;
export const DEFAULT_MAX_REDIRECTS = 5;
/** No single call lasts longer than this, whatever the deadlines say. */
export const DEFAULT_CALL_CAP_MS = 30_000;
export const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

export interface NetOptions {
  memory: GuestMemory;
  report: InvocationReport;
  allowlist: Allowlist;
  /** Soft deadline on the `now` clock (`performance.now()` ms). */
  softDeadline: number;
  now?: () => number;
  /** Maximum response body bytes (after content decoding). */
  responseCap?: number;
  maxRedirects?: number;
  callCapMs?: number;
}

export interface NetHost {
  /** Aborts the calls in flight (the guest sees TIMEOUT); for a runtime abandoning the invocation. */
  cancel(): void;
  net_outbound(reqPtr: number, reqLen: number, respPtr: number, respCap: number): Promise<number>;
  net_response(respPtr: number, respCap: number): number;
}

interface Request {
  method: string;
  url: string;
  headers: Headers;
  body: Uint8Array<ArrayBuffer> | undefined;
  timeoutMs: number;
}

/** Why a call ended without a response: the return code, and a denial line when it was a refusal. */
class Failure {
  constructor(readonly code: number, readonly denial?: string) {}
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const FORBIDDEN_METHODS = new Set(["CONNECT", "TRACE", "TRACK"]);
const FORBIDDEN_HEADERS = new Set([
  "host",
  "content-length",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "upgrade",
  "te",
  "trailer",
]);
const CREDENTIAL_HEADERS = ["authorization", "cookie", "proxy-authorization"];
const BODY_HEADERS = ["content-type", "content-encoding", "content-language", "content-location"];
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** What one exchange needs from its host: the policy, the clocks and the calls in flight. */
interface Exchange {
  allowlist: Allowlist;
  softDeadline: number;
  now: () => number;
  cap: number;
  maxRedirects: number;
  callCapMs: number;
  inFlight: Set<AbortController>;
}

/** The call as the report records it, filled in as the exchange goes. */
interface CallRecord {
  status?: number;
  bytes: number;
  redirects: number;
}

/** One invocation's network state: guest memory, report, policy, and the response kept for net_response. */
interface NetState {
  memory: GuestMemory;
  report: InvocationReport;
  x: Exchange;
  pending: Uint8Array | undefined;
}

export function createNet(opts: NetOptions): NetHost {
  const state: NetState = {
    memory: opts.memory,
    report: opts.report,
    x: {
      allowlist: opts.allowlist,
      softDeadline: opts.softDeadline,
      now: opts.now ?? (() => performance.now()),
      cap: opts.responseCap ?? DEFAULT_RESPONSE_CAP,
      maxRedirects: opts.maxRedirects ?? DEFAULT_MAX_REDIRECTS,
      callCapMs: opts.callCapMs ?? DEFAULT_CALL_CAP_MS,
      inFlight: new Set<AbortController>(),
    },
    pending: undefined,
  };
  return {
    net_outbound: (reqPtr, reqLen, respPtr, respCap) => outbound(state, reqPtr, reqLen, respPtr, respCap),
    net_response: (respPtr, respCap) => response(state, respPtr, respCap),
    cancel() {
      for (const abort of state.x.inFlight) abort.abort();
    },
  };
}

/** `net_outbound`: reads and checks the request, runs the exchange, reports it, writes the response. */
async function outbound(
  state: NetState,
  reqPtr: number,
  reqLen: number,
  respPtr: number,
  respCap: number,
): Promise<number> {
  const { memory, report, x } = state;
  state.pending = undefined;
  let raw: Uint8Array;
  try {
    memory.refresh();
    memory.check(respPtr >>> 0, respCap >>> 0);
    raw = memory.bytes(reqPtr >>> 0, reqLen >>> 0);
  } catch (e) {
    return memoryFault(e);
  }
  const started = x.now();
  // Parsed before the first await: the view dies if anything grows the guest's memory.
  const req = parseRequest(raw);
  if (req === undefined) {
    report.addNetCall({ method: "?", host: "?", bytes: 0, redirects: 0, ms: 0, error: "BAD_REQUEST" });
    return Code.BAD_REQUEST;
  }
  const first = checkUrl(req.url, x.allowlist);
  const call = {
    method: req.method,
    host: first.ok ? first.url.host : (first.host ?? "?"),
    status: undefined as number | undefined,
    bytes: 0,
    redirects: 0,
  };
  let result: Uint8Array | Failure;
  try {
    result = first.ok ? await exchange(req, first.url, call, x) : refusal(first, undefined);
  } catch (e) {
    // exchange() maps expected failures itself; this is a host bug, still never thrown into the guest.
    result = new Failure(Code.CONNECTION_FAILED);
    report.note(`net_outbound: unexpected host error: ${e instanceof Error ? e.message : String(e)}`);
  }
  const ms = Math.round((x.now() - started) * 10) / 10;
  if (result instanceof Failure) {
    if (result.denial !== undefined) report.deny(result.denial);
    report.addNetCall({ ...call, status: call.status, ms, error: codeName(result.code) });
    return result.code;
  }
  report.addNetCall({ ...call, ms });
  try {
    memory.refresh();
    memory.write(respPtr >>> 0, respCap >>> 0, result);
  } catch (e) {
    return memoryFault(e);
  }
  if (result.length > respCap >>> 0) state.pending = result;
  return result.length;
}

/** `net_response`: copies the kept response again; releases it once read whole. */
function response(state: NetState, respPtr: number, respCap: number): number {
  const data = state.pending;
  if (data === undefined) return Code.NO_PENDING_RESPONSE;
  try {
    state.memory.refresh();
    state.memory.write(respPtr >>> 0, respCap >>> 0, data);
  } catch (e) {
    return memoryFault(e);
  }
  if (data.length <= respCap >>> 0) state.pending = undefined;
  return data.length;
}

/**
 * Performs the request and its redirects within its time budget (the soft deadline, the request's
 * `timeout_ms` and the per-call cap); returns the encoded response or why it failed.
 */
async function exchange(
  req: Request,
  start: URL,
  call: CallRecord,
  x: Exchange,
): Promise<Uint8Array | Failure> {
  const left = x.softDeadline - x.now();
  if (!(left > 0)) return new Failure(Code.TIMEOUT);
  const budget = Math.max(1, Math.min(left, req.timeoutMs, x.callCapMs));
  const abort = new AbortController();
  x.inFlight.add(abort);
  const timer = setTimeout(() => abort.abort(), budget);
  try {
    return await follow(req, start, call, x, abort.signal);
  } catch {
    if (abort.signal.aborted) return new Failure(Code.TIMEOUT);
    // DNS, refused, reset, TLS: the guest only needs to know the exchange failed.
    return new Failure(Code.CONNECTION_FAILED);
  } finally {
    clearTimeout(timer);
    x.inFlight.delete(abort);
  }
}

/**
 * Sends the request and follows redirects hop by hop, checking the allowlist before each hop; reads the
 * final response. Throws on network failures (`exchange` classifies them).
 */
async function follow(
  req: Request,
  start: URL,
  call: CallRecord,
  x: Exchange,
  signal: AbortSignal,
): Promise<Uint8Array | Failure> {
  let url = start;
  let { method, body } = req;
  const headers = req.headers;
  for (;;) {
    const res = await fetch(url.href, { method, headers, body, redirect: "manual", signal });
    call.status = res.status;
    const location = REDIRECTS.has(res.status) ? res.headers.get("location") : null;
    if (location === null) return await readResponse(res, url, method, call, x.cap);
    await res.body?.cancel();
    if (call.redirects >= x.maxRedirects) return new Failure(Code.TOO_MANY_REDIRECTS);
    call.redirects++;
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      return new Failure(Code.BAD_URL);
    }
    const hop = checkUrl(next, x.allowlist);
    if (!hop.ok) return refusal(hop, url.host);
    if (res.status === 303 ? method !== "HEAD" : (res.status <= 302 && method === "POST")) {
      method = "GET";
      body = undefined;
      for (const name of BODY_HEADERS) headers.delete(name);
    }
    if (next.origin !== url.origin) {
      for (const name of CREDENTIAL_HEADERS) headers.delete(name);
    }
    url = next;
  }
}

/** Streams the body up to the cap, then encodes the response JSON. */
async function readResponse(
  res: Response,
  url: URL,
  method: string,
  call: { bytes: number },
  cap: number,
): Promise<Uint8Array | Failure> {
  // A HEAD response announces the size of a body it does not carry: no verdict or buffer from it.
  const declared = method === "HEAD" ? 0 : Number(res.headers.get("content-length") ?? "0");
  if (declared > cap) {
    await res.body?.cancel();
    return new Failure(Code.TOO_LARGE);
  }
  const body = await readBody(res, declared, cap, call);
  return body instanceof Failure ? body : encodeResponse(res, url, body);
}

/** The body's bytes, TOO_LARGE past the cap (the host stops reading there). */
async function readBody(
  res: Response,
  declared: number,
  cap: number,
  call: { bytes: number },
): Promise<Uint8Array | Failure> {
  // Sized from the declared length when there is one (at most the cap); a lie only costs regrowth.
  let buf = new Uint8Array(declared > 0 ? declared : 0);
  let size = 0;
  if (res.body !== null) {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (size + value.length > cap) {
        await reader.cancel();
        return new Failure(Code.TOO_LARGE);
      }
      if (size + value.length > buf.length) {
        const grown = new Uint8Array(Math.min(cap, Math.max(size + value.length, buf.length * 2, 16384)));
        grown.set(buf.subarray(0, size));
        buf = grown;
      }
      buf.set(value, size);
      size += value.length;
      call.bytes = size;
    }
  }
  return buf.subarray(0, size);
}

/** The response JSON of the module doc; TOO_LARGE when it would not fit an i32 length. */
function encodeResponse(res: Response, url: URL, bytes: Uint8Array): Uint8Array | Failure {
  // No prototype: a header named `__proto__` must be an ordinary key.
  const headers: Record<string, string> = Object.create(null);
  for (const [name, value] of res.headers) {
    headers[name] = name === "set-cookie" && name in headers ? `${headers[name]}\n${value}` : value;
  }
  const out: Record<string, unknown> = { status: res.status, url: url.href, headers };
  try {
    out.body = strictUtf8.decode(bytes);
  } catch {
    out.body_base64 = bytes.toBase64();
  }
  const encoded = encoder.encode(JSON.stringify(out));
  return encoded.length > 0x7fffffff ? new Failure(Code.TOO_LARGE) : encoded;
}

/** A failed allowlist check as a return code and (for refusals, not typos) a report line. */
function refusal(check: Exclude<UrlCheck, { ok: true }>, redirectFrom: string | undefined): Failure {
  const via = redirectFrom === undefined ? "" : ` (redirect from ${redirectFrom})`;
  switch (check.kind) {
    case "host":
      return new Failure(Code.DENIED, `denied: network.outbound ${check.host} not in allowlist${via}`);
    case "scheme":
      return new Failure(Code.SCHEME_NOT_ALLOWED, `denied: network.outbound ${check.reason}${via}`);
    case "userinfo":
      return new Failure(Code.BAD_URL, `denied: network.outbound ${check.host}: ${check.reason}${via}`);
    case "bad_url":
      return new Failure(Code.BAD_URL);
  }
}

/** Validates the request JSON; undefined when anything is off (the guest gets BAD_REQUEST). */
function parseRequest(raw: Uint8Array): Request | undefined {
  if (raw.length > MAX_REQUEST_BYTES) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(strictUtf8.decode(raw));
  } catch {
    return undefined;
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) return undefined;
  const r = json as Record<string, unknown>;
  if (typeof r.url !== "string") return undefined;
  const method = r.method === undefined ? "GET" : r.method;
  if (typeof method !== "string" || !TOKEN.test(method)) return undefined;
  const upper = method.toUpperCase();
  if (FORBIDDEN_METHODS.has(upper)) return undefined;
  const headers = new Headers();
  if (r.headers !== undefined) {
    if (typeof r.headers !== "object" || r.headers === null || Array.isArray(r.headers)) return undefined;
    for (const [name, value] of Object.entries(r.headers)) {
      const lower = name.toLowerCase();
      if (typeof value !== "string" || FORBIDDEN_HEADERS.has(lower) || lower.startsWith("proxy-")) {
        return undefined;
      }
      try {
        headers.append(name, value);
      } catch {
        return undefined;
      }
    }
  }
  let body: Uint8Array<ArrayBuffer> | undefined;
  if (r.body !== undefined && r.body_base64 !== undefined) return undefined;
  if (r.body !== undefined) {
    if (typeof r.body !== "string") return undefined;
    body = encoder.encode(r.body);
  } else if (r.body_base64 !== undefined) {
    if (typeof r.body_base64 !== "string") return undefined;
    try {
      body = Uint8Array.fromBase64(r.body_base64);
    } catch {
      return undefined;
    }
  }
  // An empty body is no body (an SDK may always send the field); a real one on GET/HEAD is a mistake.
  if (body !== undefined && body.length === 0) body = undefined;
  if (body !== undefined && (upper === "GET" || upper === "HEAD")) return undefined;
  let timeoutMs = Infinity;
  if (r.timeout_ms !== undefined) {
    if (typeof r.timeout_ms !== "number" || !(r.timeout_ms > 0)) return undefined;
    timeoutMs = r.timeout_ms;
  }
  // Standard methods are sent upper-case (fetch normalises only some); others exactly as written.
  const standard = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"].includes(upper);
  return { method: standard ? upper : method, url: r.url, headers, body, timeoutMs };
}
