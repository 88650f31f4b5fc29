package samuel

import (
	"errors"
	"strings"
	"testing"
)

func TestMarshalJSON(t *testing.T) {
	cases := []struct {
		in   any
		want string
	}{
		{nil, `null`},
		{true, `true`},
		{42, `42`},
		{int64(-7), `-7`},
		{1.5, `1.5`},
		{float64(3), `3`},
		{"a\"b\\c\n\u0001é\u2028", `"a\"b\\c\n\u0001é\u2028"`},
		{"\xff", `"\ufffd"`},
		{Fields{{"b", 1}, {"a", []string{"x"}}}, `{"b":1,"a":["x"]}`},
		{map[string]any{"z": nil, "a": []any{1, "2", false}}, `{"a":[1,"2",false],"z":null}`},
		{map[string]string{"k": "v"}, `{"k":"v"}`},
		{RawJSON(`{"pre":1}`), `{"pre":1}`},
	}
	for _, c := range cases {
		got, err := MarshalJSON(c.in)
		if err != nil {
			t.Fatalf("MarshalJSON(%#v): %v", c.in, err)
		}
		if string(got) != c.want {
			t.Errorf("MarshalJSON(%#v) = %s, want %s", c.in, got, c.want)
		}
	}
	if _, err := MarshalJSON(struct{}{}); err == nil {
		t.Error("MarshalJSON(struct{}{}) should fail")
	}
}

func TestParseJSON(t *testing.T) {
	v, err := ParseJSON([]byte(` {"a": [1, -2.5e1, "x\u00e9\ud83d\ude00\n", true, null], "b": {}} `))
	if err != nil {
		t.Fatal(err)
	}
	obj := v.(map[string]any)
	arr := obj["a"].([]any)
	if arr[0].(float64) != 1 || arr[1].(float64) != -25 || arr[2].(string) != "xé😀\n" || arr[3] != true || arr[4] != nil {
		t.Errorf("unexpected array %#v", arr)
	}
	if len(obj["b"].(map[string]any)) != 0 {
		t.Errorf("b should be empty")
	}
	for _, bad := range []string{``, `{`, `{"a"}`, `[1,]`, `01`, `"\x"`, `tru`, `{} x`, "\"a\x01\"", `1.`, `-`} {
		if _, err := ParseJSON([]byte(bad)); err == nil {
			t.Errorf("ParseJSON(%q) should fail", bad)
		}
	}
	deep := strings.Repeat("[", maxDepth+2) + strings.Repeat("]", maxDepth+2)
	if _, err := ParseJSON([]byte(deep)); err == nil {
		t.Error("deep nesting should fail")
	}
}

func TestRequestResponseCodec(t *testing.T) {
	got := string(encodeRequest(Request{Method: "POST", URL: "https://x.test/a", Headers: map[string]string{"b": "2", "a": "1"}, Body: []byte("hi")}))
	want := `{"method":"POST","url":"https://x.test/a","headers":{"a":"1","b":"2"},"body":"hi"}`
	if got != want {
		t.Errorf("encodeRequest = %s, want %s", got, want)
	}
	got = string(encodeRequest(Request{URL: "https://x.test/", Method: "GET", TimeoutMs: 2000}))
	if got != `{"method":"GET","url":"https://x.test/","timeout_ms":2000}` {
		t.Errorf("encodeRequest with timeout = %s", got)
	}
	got = string(encodeRequest(Request{Method: "PUT", URL: "https://x.test/", Body: []byte{0xff, 0}}))
	if !strings.Contains(got, `"body_base64":"/wA="`) {
		t.Errorf("binary body should be base64: %s", got)
	}
	resp, err := decodeResponse([]byte(`{"status":201,"url":"https://x.test/b","headers":{"Content-Type":"text/plain"},"body":"ok"}`))
	if err != nil || resp.Status != 201 || resp.Headers["content-type"] != "text/plain" || resp.Text() != "ok" || !resp.OK() || resp.URL != "https://x.test/b" {
		t.Errorf("decodeResponse = %#v, %v", resp, err)
	}
	resp, err = decodeResponse([]byte(`{"status":500,"body_base64":"/wA="}`))
	if err != nil || resp.OK() || len(resp.Body) != 2 || resp.Body[0] != 0xff {
		t.Errorf("decodeResponse(base64) = %#v, %v", resp, err)
	}
	if _, err := decodeResponse([]byte(`{"headers":{}}`)); err == nil {
		t.Error("a response without status should fail")
	}
}

func TestFetchNativeIsNotInSamuel(t *testing.T) {
	_, err := Get("https://example.com/")
	if !errors.Is(err, ErrNotInSamuel) {
		t.Fatalf("Get natively = %v, want ErrNotInSamuel", err)
	}
	if !strings.Contains(err.Error(), "GET https://example.com/") {
		t.Errorf("error should name the request: %v", err)
	}
	var ne *NetError
	if !errors.As(err, &ne) || ne.Code != codeNotInSamuel {
		t.Errorf("want a *NetError with the code, got %#v", err)
	}
}

func TestEveryHostCodeHasAnError(t *testing.T) {
	for _, code := range []int32{-1, -2, -3, -4, -5, -6, -7, -8, -9, -10} {
		if hostErrorByCode[code] == nil {
			t.Errorf("code %d has no error", code)
		}
	}
}

func TestOptions(t *testing.T) {
	obj := map[string]any{"n": 3.0, "s": "x", "bad": "y"}
	if n, err := Number(obj, "n", 1); err != nil || n != 3 {
		t.Errorf("Number = %v, %v", n, err)
	}
	if n, err := Number(obj, "missing", 7); err != nil || n != 7 {
		t.Errorf("Number default = %v, %v", n, err)
	}
	if _, err := Number(obj, "bad", 1); err == nil {
		t.Error("Number of a string should fail")
	}
	if s, err := String(obj, "s", ""); err != nil || s != "x" {
		t.Errorf("String = %v, %v", s, err)
	}
}
