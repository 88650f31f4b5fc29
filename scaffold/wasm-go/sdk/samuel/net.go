package samuel

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Request is one HTTP request sent through the host. Only http and https URLs are allowed, and only to
// hosts listed in [capabilities.network].hosts of samuel-plugin.toml; the host checks every redirect
// hop too.
type Request struct {
	// Method defaults to GET.
	Method string
	URL    string
	// Headers are sent as given (one value per name).
	Headers map[string]string
	// Body is sent as text when it is valid UTF-8, base64-encoded otherwise (none for GET and HEAD).
	Body []byte
	// TimeoutMs, when positive, bounds this call; it never outlives the soft deadline anyway.
	TimeoutMs int64
}

// Response is what the host returns for a Request.
type Response struct {
	Status int
	// URL is the final URL, after the redirects the host followed.
	URL string
	// Headers holds one value per name, names in lower case; repeated headers are joined with ", "
	// (set-cookie with "\n").
	Headers map[string]string
	Body    []byte
}

// OK reports whether Status is 2xx.
func (r Response) OK() bool { return r.Status >= 200 && r.Status < 300 }

// Text returns the body as a string.
func (r Response) Text() string { return string(r.Body) }

// initialResponseCap is the buffer offered for a response on the first try; bigger responses cost one
// more host call (net_response), never a truncated body.
const initialResponseCap = 64 << 10

// The negative return codes of net_outbound and net_response (protocol 1), as in the host's table
// (src/runtime/host/codes.ts in samuel). codeNotInSamuel is the SDK's own, for builds without the host.
const (
	codeDenied            int32 = -1
	codeBadRequest        int32 = -2
	codeScheme            int32 = -3
	codeConnection        int32 = -4
	codeTimeout           int32 = -5
	codeTooLarge          int32 = -6
	codeOutOfBounds       int32 = -7
	codeTooManyRedirects  int32 = -8
	codeBadURL            int32 = -9
	codeNoPendingResponse int32 = -10
	codeNotInSamuel       int32 = -1000
)

// Errors Fetch returns, one per host error code. Test with errors.Is; the error text adds the request.
var (
	ErrDenied           = errors.New("host not in [capabilities.network].hosts of samuel-plugin.toml")
	ErrBadRequest       = errors.New("the host refused the request as malformed (method, header or body)")
	ErrScheme           = errors.New("only http and https URLs are allowed (also on redirects)")
	ErrConnection       = errors.New("connection failed (DNS, connect, TLS or protocol error)")
	ErrTimeout          = errors.New("timed out (the soft deadline bounds network calls)")
	ErrTooLarge         = errors.New("response larger than the host's size cap")
	ErrTooManyRedirects = errors.New("too many redirects")
	ErrBadURL           = errors.New("URL is not valid (or carries user info)")
	ErrBadBuffer        = errors.New("the host could not use the SDK's buffers (SDK bug, please report)")
	ErrNotInSamuel      = errors.New("network calls need the samuel host; not available in native builds")
	ErrBadResponse      = errors.New("the host's response is not valid protocol-1 JSON")
	errUnknownCode      = errors.New("unknown host error")
	hostErrorByCode     = map[int32]error{
		codeDenied:            ErrDenied,
		codeBadRequest:        ErrBadRequest,
		codeScheme:            ErrScheme,
		codeConnection:        ErrConnection,
		codeTimeout:           ErrTimeout,
		codeTooLarge:          ErrTooLarge,
		codeOutOfBounds:       ErrBadBuffer,
		codeTooManyRedirects:  ErrTooManyRedirects,
		codeBadURL:            ErrBadURL,
		codeNoPendingResponse: ErrBadBuffer,
		codeNotInSamuel:       ErrNotInSamuel,
	}
)

// NetError is the error Fetch returns when the host refuses or fails a request.
type NetError struct {
	// Code is the host's raw return code (negative).
	Code int32
	// Method and URL identify the request.
	Method, URL string
	// Err is one of the Err* values above.
	Err error
}

func (e *NetError) Error() string {
	return fmt.Sprintf("samuel fetch %s %s: %v (code %d)", e.Method, e.URL, e.Err, e.Code)
}

// Unwrap lets errors.Is(err, samuel.ErrDenied) and friends work.
func (e *NetError) Unwrap() error { return e.Err }

// Fetch sends req through the host and returns its response. HTTP error statuses (4xx, 5xx) are
// responses, not errors; errors mean the request did not complete (denied, timed out, ...).
func Fetch(req Request) (Response, error) {
	if req.Method == "" {
		req.Method = "GET"
	}
	req.Method = strings.ToUpper(req.Method)
	raw, code := rawFetch(encodeRequest(req))
	if code < 0 {
		err, ok := hostErrorByCode[code]
		if !ok {
			err = errUnknownCode
		}
		return Response{}, &NetError{Code: code, Method: req.Method, URL: req.URL, Err: err}
	}
	resp, err := decodeResponse(raw)
	if err != nil {
		return Response{}, &NetError{Method: req.Method, URL: req.URL, Err: fmt.Errorf("%w: %v", ErrBadResponse, err)}
	}
	return resp, nil
}

// Get fetches url with GET and no extra headers.
func Get(url string) (Response, error) { return Fetch(Request{Method: "GET", URL: url}) }

// encodeRequest writes the protocol-1 request JSON:
// {"method":"GET","url":"…","headers":{"k":"v"},"timeout_ms":N,"body":"text"} (or "body_base64").
func encodeRequest(req Request) []byte {
	f := Fields{{"method", req.Method}, {"url", req.URL}}
	if len(req.Headers) > 0 {
		f = append(f, Field{"headers", req.Headers})
	}
	if req.TimeoutMs > 0 {
		f = append(f, Field{"timeout_ms", req.TimeoutMs})
	}
	if len(req.Body) > 0 {
		if utf8.Valid(req.Body) {
			f = append(f, Field{"body", string(req.Body)})
		} else {
			f = append(f, Field{"body_base64", base64.StdEncoding.EncodeToString(req.Body)})
		}
	}
	out, _ := MarshalJSON(f) // only strings and string maps: cannot fail
	return out
}

// decodeResponse reads {"status":200,"url":"…","headers":{…},"body":"…"} (or "body_base64").
func decodeResponse(raw []byte) (Response, error) {
	v, err := ParseJSON(raw)
	if err != nil {
		return Response{}, err
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return Response{}, errors.New("not a JSON object")
	}
	var resp Response
	status, ok := obj["status"].(float64)
	if !ok {
		return Response{}, errors.New(`"status" missing or not a number`)
	}
	resp.Status = int(status)
	resp.URL, _ = obj["url"].(string)
	resp.Headers = map[string]string{}
	if h, ok := obj["headers"].(map[string]any); ok {
		for k, val := range h {
			if s, ok := val.(string); ok {
				resp.Headers[strings.ToLower(k)] = s
			}
		}
	}
	if b64, ok := obj["body_base64"].(string); ok {
		body, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return Response{}, fmt.Errorf(`"body_base64" is not base64: %v`, err)
		}
		resp.Body = body
	} else if s, ok := obj["body"].(string); ok {
		resp.Body = []byte(s)
	}
	return resp, nil
}
