//! HTTP(S) through the host's `net_outbound`: requests and responses travel as protocol-1 JSON.

use std::fmt;

use super::abi;
use super::json::{parse_json, Json};

/// One HTTP request sent through the host. Only http and https URLs are allowed, and only to hosts
/// listed in `[capabilities.network].hosts` of samuel-plugin.toml; the host checks every redirect hop.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// Defaults to GET.
    pub method: String,
    pub url: String,
    /// Sent as given (one value per name).
    pub headers: Vec<(String, String)>,
    /// Sent as text when it is valid UTF-8, base64-encoded otherwise (none for GET and HEAD).
    pub body: Vec<u8>,
    /// When positive, bounds this call; it never outlives the soft deadline anyway.
    pub timeout_ms: i64,
}

impl Request {
    pub fn new(method: &str, url: &str) -> Request {
        Request { method: method.to_string(), url: url.to_string(), ..Request::default() }
    }

    pub fn header(mut self, name: &str, value: &str) -> Request {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn body(mut self, body: &[u8]) -> Request {
        self.body = body.to_vec();
        self
    }
}

/// What the host returns for a request.
#[derive(Clone, Debug, Default)]
pub struct Response {
    pub status: u16,
    /// The final URL, after the redirects the host followed.
    pub url: String,
    /// Names in lower case; repeated headers are joined with ", " (set-cookie with "\n").
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// Whether the status is 2xx.
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str())
    }
}

/// Why a request did not complete, one kind per host error code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetErrorKind {
    /// The host is not in `[capabilities.network].hosts` (on the request or a redirect hop).
    Denied,
    BadRequest,
    Scheme,
    Connection,
    Timeout,
    TooLarge,
    TooManyRedirects,
    BadUrl,
    /// The host could not use the SDK's buffers (an SDK bug: please report it).
    BadBuffer,
    /// The host's answer is not valid protocol-1 JSON.
    BadResponse,
    /// Network calls need the samuel host: not available in native builds (`cargo test`).
    NotInSamuel,
    Unknown,
}

impl NetErrorKind {
    fn from_code(code: i32) -> NetErrorKind {
        match code {
            abi::DENIED => NetErrorKind::Denied,
            abi::BAD_REQUEST => NetErrorKind::BadRequest,
            abi::SCHEME => NetErrorKind::Scheme,
            abi::CONNECTION => NetErrorKind::Connection,
            abi::TIMEOUT => NetErrorKind::Timeout,
            abi::TOO_LARGE => NetErrorKind::TooLarge,
            abi::OUT_OF_BOUNDS | abi::NO_PENDING_RESPONSE => NetErrorKind::BadBuffer,
            abi::TOO_MANY_REDIRECTS => NetErrorKind::TooManyRedirects,
            abi::BAD_URL => NetErrorKind::BadUrl,
            abi::NOT_IN_SAMUEL => NetErrorKind::NotInSamuel,
            _ => NetErrorKind::Unknown,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            NetErrorKind::Denied => "host not in [capabilities.network].hosts of samuel-plugin.toml",
            NetErrorKind::BadRequest => "the host refused the request as malformed (method, header or body)",
            NetErrorKind::Scheme => "only http and https URLs are allowed (also on redirects)",
            NetErrorKind::Connection => "connection failed (DNS, connect, TLS or protocol error)",
            NetErrorKind::Timeout => "timed out (the soft deadline bounds network calls)",
            NetErrorKind::TooLarge => "response larger than the host's size cap",
            NetErrorKind::TooManyRedirects => "too many redirects",
            NetErrorKind::BadUrl => "URL is not valid (or carries user info)",
            NetErrorKind::BadBuffer => "the host could not use the SDK's buffers (SDK bug, please report)",
            NetErrorKind::BadResponse => "the host's response is not valid protocol-1 JSON",
            NetErrorKind::NotInSamuel => "network calls need the samuel host; not available in native builds",
            NetErrorKind::Unknown => "unknown host error",
        }
    }
}

/// The error `fetch` returns when the host refuses or fails a request. HTTP error statuses (4xx, 5xx)
/// are responses, not errors.
#[derive(Clone, Debug)]
pub struct NetError {
    /// The host's raw return code (negative), 0 for a response the SDK could not decode.
    pub code: i32,
    pub kind: NetErrorKind,
    pub method: String,
    pub url: String,
}

impl NetError {
    pub fn is_denied(&self) -> bool {
        self.kind == NetErrorKind::Denied
    }
}

impl fmt::Display for NetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "samuel fetch {} {}: {} (code {})", self.method, self.url, self.kind.describe(), self.code)
    }
}

impl std::error::Error for NetError {}

/// Sends `req` through the host and returns its response.
pub fn fetch(req: &Request) -> Result<Response, NetError> {
    let method = if req.method.is_empty() { "GET".to_string() } else { req.method.to_ascii_uppercase() };
    let fail = |code: i32, kind: NetErrorKind| NetError { code, kind, method: method.clone(), url: req.url.clone() };
    let raw = abi::raw_fetch(encode_request(req, &method).as_bytes())
        .map_err(|code| fail(code, NetErrorKind::from_code(code)))?;
    decode_response(&raw).ok_or_else(|| fail(0, NetErrorKind::BadResponse))
}

/// Fetches `url` with GET and no extra headers.
pub fn get(url: &str) -> Result<Response, NetError> {
    fetch(&Request::new("GET", url))
}

/// `{"method":"GET","url":"…","headers":{"k":"v"},"timeout_ms":N,"body":"text"}` (or `"body_base64"`).
fn encode_request(req: &Request, method: &str) -> String {
    let mut fields = vec![("method".to_string(), Json::from(method)), ("url".to_string(), Json::from(req.url.as_str()))];
    if !req.headers.is_empty() {
        let headers = req.headers.iter().map(|(k, v)| (k.clone(), Json::from(v.as_str()))).collect();
        fields.push(("headers".to_string(), Json::Object(headers)));
    }
    if req.timeout_ms > 0 {
        fields.push(("timeout_ms".to_string(), Json::from(req.timeout_ms)));
    }
    if !req.body.is_empty() {
        match std::str::from_utf8(&req.body) {
            Ok(text) => fields.push(("body".to_string(), Json::from(text))),
            Err(_) => fields.push(("body_base64".to_string(), Json::from(base64_encode(&req.body)))),
        }
    }
    Json::Object(fields).to_string()
}

/// `{"status":200,"url":"…","headers":{…},"body":"…"}` (or `"body_base64"`).
fn decode_response(raw: &[u8]) -> Option<Response> {
    let v = parse_json(raw).ok()?;
    let status = v.get("status")?.as_f64()?;
    let mut resp = Response {
        status: status as u16,
        url: v.get("url").and_then(Json::as_str).unwrap_or("").to_string(),
        ..Response::default()
    };
    if let Some(Json::Object(headers)) = v.get("headers") {
        for (k, val) in headers {
            if let Some(s) = val.as_str() {
                resp.headers.push((k.to_ascii_lowercase(), s.to_string()));
            }
        }
    }
    if let Some(b64) = v.get("body_base64").and_then(Json::as_str) {
        resp.body = base64_decode(b64)?;
    } else if let Some(text) = v.get("body").and_then(Json::as_str) {
        resp.body = text.as_bytes().to_vec();
    }
    Some(resp)
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity((data.len() + 2) / 3 * 4);
    for chunk in data.chunks(3) {
        let n = (chunk[0] as u32) << 16 | (*chunk.get(1).unwrap_or(&0) as u32) << 8 | *chunk.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in text.trim_end_matches('=').as_bytes() {
        let v = B64.iter().position(|&b| b == c)? as u32;
        acc = acc << 6 | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits & 0xff) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_protocol_1_json() {
        let req = Request::new("post", "https://api.example.com/x").header("content-type", "text/plain").body(b"hi");
        assert_eq!(
            encode_request(&req, "POST"),
            r#"{"method":"POST","url":"https://api.example.com/x","headers":{"content-type":"text/plain"},"body":"hi"}"#
        );
        let binary = Request::new("PUT", "http://h/").body(&[0xff, 0, 1]);
        assert!(encode_request(&binary, "PUT").ends_with(r#""body_base64":"/wAB"}"#));
    }

    #[test]
    fn responses_decode_text_and_base64_bodies() {
        let r = decode_response(br#"{"status":201,"url":"http://h/","headers":{"X-A":"1"},"body":"ok"}"#).unwrap();
        assert_eq!((r.status, r.text().as_str(), r.header("x-a")), (201, "ok", Some("1")));
        assert!(r.ok());
        let b = decode_response(br#"{"status":200,"body_base64":"aGVsbG8="}"#).unwrap();
        assert_eq!(b.body, b"hello");
        assert!(decode_response(b"[]").is_none());
        for s in ["", "f", "fo", "foo", "foob", "fooba", "foobar"] {
            assert_eq!(base64_decode(&base64_encode(s.as_bytes())).unwrap(), s.as_bytes());
        }
    }

    #[test]
    fn fetch_outside_samuel_says_so() {
        let err = get("https://example.com/").unwrap_err();
        assert_eq!(err.kind, NetErrorKind::NotInSamuel);
        assert!(!err.is_denied());
        assert!(err.to_string().contains("(code -1000)"));
    }
}
