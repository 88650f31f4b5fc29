package guide

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
)

// projects holds the fixture projects shared with samuel's end-to-end tests.
var projects = filepath.Join("..", "..", "..", "..", "tests", "fixtures", "go-projects")

// expected reads the `// want rule...` markers of a fixture project (skipping the folders the walk
// skips) and returns them as "file:line:rule" strings.
func expected(t *testing.T, fsys fs.FS) []string {
	t.Helper()
	var want []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != "." && (d.Name() == "vendor" || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
			return fs.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") {
			return nil
		}
		f, err := fsys.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for n := 1; sc.Scan(); n++ {
			if _, marker, ok := strings.Cut(sc.Text(), "// want "); ok {
				for _, rule := range strings.Fields(marker) {
					want = append(want, fmt.Sprintf("%s:%d:%s", p, n, rule))
				}
			}
		}
		return sc.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(want)
	return want
}

func keys(fs []Finding) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = fmt.Sprintf("%s:%d:%s", f.File, f.Line, f.Rule)
	}
	sort.Strings(out)
	return out
}

func TestDirtyProjectHasEveryMarkedFinding(t *testing.T) {
	fsys := os.DirFS(filepath.Join(projects, "dirty"))
	want := expected(t, fsys)
	if len(want) < 10 {
		t.Fatalf("fixture markers not found (%d): is %s there?", len(want), projects)
	}
	r := CheckFS(fsys, DefaultConfig(), nil)
	if got := keys(r.Findings); !reflect.DeepEqual(got, want) {
		t.Errorf("findings differ\n got: %v\nwant: %v", got, want)
		for _, f := range r.Findings {
			t.Logf("%s:%d %s: %s", f.File, f.Line, f.Rule, f.Message)
		}
	}
	rules := map[string]bool{}
	for _, f := range r.Findings {
		rules[f.Rule] = true
	}
	for _, rule := range Rules {
		if !rules[rule] {
			t.Errorf("the dirty project should break rule %s", rule)
		}
	}
	if r.Files != 6 || r.Truncated {
		t.Errorf("files = %d (want 6: vendor, testdata and hidden skipped), truncated = %v", r.Files, r.Truncated)
	}
}

func TestCleanProjectHasNoFinding(t *testing.T) {
	r := CheckFS(os.DirFS(filepath.Join(projects, "clean")), DefaultConfig(), nil)
	if len(r.Findings) != 0 {
		t.Errorf("clean project has findings: %#v", r.Findings)
	}
	if r.Files != 3 {
		t.Errorf("files = %d, want 3", r.Files)
	}
}

func check(t *testing.T, src string, cfg Config) []string {
	t.Helper()
	return keys(CheckFile("x/a.go", []byte(src), cfg))
}

func TestErrorStrings(t *testing.T) {
	src := `package a

import (
	e "errors"
	"fmt"
)

func f() {
	_ = e.New("Capital")
	_ = e.New("URL is missing")
	_ = e.New("I/O failed")
	_ = fmt.Errorf("Ends with a colon:")
	_ = fmt.Errorf("ok %d", 1)
	_ = fmt.Errorf("newline\n")
	_ = fmt.Sprintf("Not an error.")
	_ = e.New("")
	_ = e.New("éclair ok")
	_ = e.New("Élan")
}
`
	got := check(t, src, DefaultConfig())
	want := []string{"x/a.go:11:error-string", "x/a.go:12:error-string", "x/a.go:14:error-string", "x/a.go:18:error-string", "x/a.go:9:error-string"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestPanicRules(t *testing.T) {
	lib := "package a\n\nfunc init() { panic(1) }\n\n// MustX panics.\nfunc MustX() { panic(2) }\n\nfunc f() { panic(3) }\n\nfunc g() { func() { panic(4) }() }\n"
	if got, want := check(t, lib, DefaultConfig()), []string{"x/a.go:10:no-panic", "x/a.go:8:no-panic"}; !reflect.DeepEqual(got, want) {
		t.Errorf("library: got %v, want %v", got, want)
	}
	main := strings.Replace(lib, "package a", "package main", 1)
	if got := check(t, main, DefaultConfig()); len(got) != 0 {
		t.Errorf("package main may panic: %v", got)
	}
	shadow := "package a\n\nfunc panic(v any) {}\n\nfunc f() { panic(3) }\n"
	if got := check(t, shadow, DefaultConfig()); len(got) != 0 {
		t.Errorf("a package's own panic function is not the builtin: %v", got)
	}
}

func TestExportedDocs(t *testing.T) {
	src := `package a

// T is documented.
type T struct{}

func (T) M() {}

func (*T) n() {}

type u struct{}

func (u) M() {}

// G documents the group.
var (
	A = 1
	B = 2
)

var (
	// C is documented.
	C = 3
	D, e = 4, 5
	f, G = 6, 7
)

type (
	// H is documented.
	H int
	I int
)

// J is generic.
type J[K comparable] struct{}

func (J[K]) Get() {}
`
	got := check(t, src, DefaultConfig())
	want := []string{"x/a.go:23:exported-doc", "x/a.go:24:exported-doc", "x/a.go:30:exported-doc", "x/a.go:36:exported-doc", "x/a.go:6:exported-doc"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestLengthLimitsAndDisable(t *testing.T) {
	body := strings.Repeat("\tx++\n", 8)
	src := "package a\n\nfunc f() {\n\tx := 0\n" + body + "\t_ = x\n}\n"
	cfg := DefaultConfig()
	cfg.MaxFunctionLines, cfg.MaxFileLines = 10, 12
	got := check(t, src, cfg)
	want := []string{"x/a.go:13:long-file", "x/a.go:3:long-function"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	cfg.Disabled = map[string]bool{RuleLongFile: true, RuleLongFunction: true}
	if got := check(t, src, cfg); len(got) != 0 {
		t.Errorf("disabled rules still reported: %v", got)
	}
	cfg.MaxFunctionLines, cfg.MaxFileLines, cfg.Disabled = 0, 0, nil
	if got := check(t, src, cfg); len(got) != 0 {
		t.Errorf("a limit of 0 disables the rule: %v", got)
	}
}

func TestParseErrorAndStop(t *testing.T) {
	got := CheckFile("b.go", []byte("package b\n\nfunc ( {\n"), DefaultConfig())
	if len(got) != 1 || got[0].Rule != RuleParseError || got[0].Line != 3 {
		t.Errorf("parse error finding = %#v", got)
	}
	fsys := fstest.MapFS{"a.go": {Data: []byte("package a\n")}}
	if r := CheckFS(fsys, DefaultConfig(), func() bool { return true }); !r.Truncated || r.Files != 0 {
		t.Errorf("a stopped walk should be truncated: %#v", r)
	}
}
