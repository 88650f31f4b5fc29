// HTTP(S) through the host's net_outbound: requests and responses travel as protocol-1 JSON.

import { host_net_outbound, host_net_response } from "./abi";
import { JSONValue, Kind, parseJSON } from "./json";
import { ptr, text, utf8 } from "./memory";

/** The negative return codes of net_outbound and net_response (the host's table; see the author guide). */
export namespace NetCode {
  export const DENIED: i32 = -1;
  export const BAD_REQUEST: i32 = -2;
  export const SCHEME: i32 = -3;
  export const CONNECTION: i32 = -4;
  export const TIMEOUT: i32 = -5;
  export const TOO_LARGE: i32 = -6;
  export const OUT_OF_BOUNDS: i32 = -7;
  export const TOO_MANY_REDIRECTS: i32 = -8;
  export const BAD_URL: i32 = -9;
  export const NO_PENDING_RESPONSE: i32 = -10;
  /** The SDK's own: the host's answer is not valid protocol-1 JSON. */
  export const BAD_RESPONSE: i32 = -1001;
}

/** What a code means, for error messages. */
export function describeNetCode(code: i32): string {
  if (code == NetCode.DENIED) return "host not in [capabilities.network].hosts of samuel-plugin.toml";
  if (code == NetCode.BAD_REQUEST) return "the host refused the request as malformed (method, header or body)";
  if (code == NetCode.SCHEME) return "only http and https URLs are allowed (also on redirects)";
  if (code == NetCode.CONNECTION) return "connection failed (DNS, connect, TLS or protocol error)";
  if (code == NetCode.TIMEOUT) return "timed out (the soft deadline bounds network calls)";
  if (code == NetCode.TOO_LARGE) return "response larger than the host's size cap";
  if (code == NetCode.OUT_OF_BOUNDS || code == NetCode.NO_PENDING_RESPONSE) {
    return "the host could not use the SDK's buffers (SDK bug, please report)";
  }
  if (code == NetCode.TOO_MANY_REDIRECTS) return "too many redirects";
  if (code == NetCode.BAD_URL) return "URL is not valid (or carries user info)";
  if (code == NetCode.BAD_RESPONSE) return "the host's response is not valid protocol-1 JSON";
  return "unknown host error";
}

/**
 * One HTTP request sent through the host. Only http and https URLs are allowed, and only to hosts listed
 * in [capabilities.network].hosts of samuel-plugin.toml; the host checks every redirect hop too.
 */
export class Request {
  headerNames: string[] = [];
  headerValues: string[] = [];
  /** Sent as text (none for GET and HEAD). */
  body: string = "";
  /** When positive, bounds this call; it never outlives the soft deadline anyway. */
  timeoutMs: i64 = 0;

  constructor(public method: string, public url: string) {}

  header(name: string, value: string): Request {
    this.headerNames.push(name);
    this.headerValues.push(value);
    return this;
  }

  withBody(body: string): Request {
    this.body = body;
    return this;
  }

  /** `{"method":"GET","url":"…","headers":{"k":"v"},"timeout_ms":N,"body":"text"}`. */
  toJSON(): JSONValue {
    const obj = JSONValue.object()
      .setString("method", this.method.length > 0 ? this.method.toUpperCase() : "GET")
      .setString("url", this.url);
    if (this.headerNames.length > 0) {
      const headers = JSONValue.object();
      for (let i = 0; i < this.headerNames.length; i++) headers.setString(this.headerNames[i], this.headerValues[i]);
      obj.set("headers", headers);
    }
    if (this.timeoutMs > 0) obj.setNumber("timeout_ms", <f64>this.timeoutMs);
    if (this.body.length > 0) obj.setString("body", this.body);
    return obj;
  }
}

/** What the host returned: a response, or the error code and message of a request that did not complete. */
export class Response {
  status: i32 = 0;
  /** The final URL, after the redirects the host followed. */
  url: string = "";
  /** Names in lower case; repeated headers are joined with ", " (set-cookie with "\n"). */
  headers: JSONValue = JSONValue.object();
  /** The body as text (a binary body arrives base64-encoded in `bodyBase64`). */
  body: string = "";
  bodyBase64: string = "";
  /** 0, or the host's negative code (`NetCode`) when the request did not complete. */
  code: i32 = 0;
  /** Empty, or what went wrong: `samuel fetch GET <url>: <why> (code -1)`. */
  error: string = "";

  get ok(): bool {
    return this.code == 0;
  }

  /** The host is not in [capabilities.network].hosts (on the request or a redirect hop). */
  get denied(): bool {
    return this.code == NetCode.DENIED;
  }

  header(name: string): string | null {
    const v = this.headers.get(name.toLowerCase());
    return v == null ? null : v.str;
  }
}

/** The buffer offered on the first try; bigger responses cost one more host call, never a truncation. */
const INITIAL_RESPONSE_CAP = 64 << 10;

function failed(req: Request, code: i32): Response {
  const r = new Response();
  r.code = code;
  const method = req.method.length > 0 ? req.method.toUpperCase() : "GET";
  r.error = "samuel fetch " + method + " " + req.url + ": " + describeNetCode(code) + " (code " + code.toString() + ")";
  return r;
}

/**
 * Sends `req` through the host. HTTP error statuses (4xx, 5xx) are responses with `ok` true; `ok` is
 * false when the request did not complete (denied, timed out, ...), with `code` and `error` set.
 */
export function fetch(req: Request): Response {
  const encoded = utf8(req.toJSON().toString());
  let buf = new Uint8Array(INITIAL_RESPONSE_CAP);
  const n = host_net_outbound(ptr(encoded), encoded.length, ptr(buf), buf.length);
  if (n < 0) return failed(req, n);
  if (n > buf.length) {
    buf = new Uint8Array(n);
    const m = host_net_response(ptr(buf), buf.length);
    if (m < 0) return failed(req, m);
    if (m > buf.length) return failed(req, NetCode.OUT_OF_BOUNDS);
  }
  const parsed = parseJSON(text(buf.subarray(0, n)));
  const status = parsed.value.get("status");
  if (!parsed.ok || status == null || status.kind != Kind.Number) return failed(req, NetCode.BAD_RESPONSE);
  const r = new Response();
  r.status = <i32>status.num;
  const url = parsed.value.get("url");
  if (url != null) r.url = url.str;
  const headers = parsed.value.get("headers");
  if (headers != null && headers.isObject) r.headers = headers;
  const body = parsed.value.get("body");
  if (body != null) r.body = body.str;
  const b64 = parsed.value.get("body_base64");
  if (b64 != null) r.bodyBase64 = b64.str;
  return r;
}

/** Fetches `url` with GET and no extra headers. */
export function get(url: string): Response {
  return fetch(new Request("GET", url));
}
