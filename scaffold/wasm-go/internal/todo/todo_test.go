package todo

import (
	"strings"
	"testing"
	"testing/fstest"

	"{{module}}/sdk/samuel"
)

func TestScan(t *testing.T) {
	fsys := fstest.MapFS{
		"main.go":            {Data: []byte("package main\n\n// TODO: say more\nfunc main() {}\n")},
		"docs/notes.md":      {Data: []byte("nothing here\nTODO write docs\n")},
		".git/config":        {Data: []byte("TODO hidden\n")},
		"vendor/x/x.go":      {Data: []byte("// TODO vendored\n")},
		"bin/tool":           {Data: []byte("TODO\x00binary\n")},
		"clean/clean_file.c": {Data: []byte("int x;\n")},
	}
	r := Scan(fsys, "TODO", 100, nil)
	if len(r.Findings) != 2 {
		t.Fatalf("want 2 findings, got %#v", r.Findings)
	}
	if r.Findings[0].File != "docs/notes.md" || r.Findings[0].Line != 2 {
		t.Errorf("first finding = %#v", r.Findings[0])
	}
	if r.Findings[1].File != "main.go" || r.Findings[1].Line != 3 || r.Findings[1].Text != "// TODO: say more" {
		t.Errorf("second finding = %#v", r.Findings[1])
	}
	out, err := samuel.MarshalJSON(r.JSON())
	if err != nil || !strings.HasPrefix(string(out), `{"findings":[{"file":"docs/notes.md","line":2,`) {
		t.Errorf("JSON = %s, %v", out, err)
	}
}

func TestScanStopsEarly(t *testing.T) {
	fsys := fstest.MapFS{"a.txt": {Data: []byte("TODO\n")}}
	if r := Scan(fsys, "TODO", 100, func() bool { return true }); !r.Truncated || len(r.Findings) != 0 {
		t.Errorf("a stopped scan should be truncated and empty: %#v", r)
	}
}
