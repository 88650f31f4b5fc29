// Package guide implements go-guide's style rules over Go source files with go/parser and go/ast. It
// knows nothing of samuel or WASI, so `go test` exercises it natively on in-memory file systems.
package guide

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The rules, by the name findings carry.
const (
	RuleExportedDoc  = "exported-doc"  // exported top-level identifiers have a doc comment
	RuleErrorString  = "error-string"  // error strings are not capitalised and do not end with punctuation
	RuleNoPanic      = "no-panic"      // library packages return errors instead of panicking
	RuleLongFunction = "long-function" // functions longer than MaxFunctionLines
	RuleLongFile     = "long-file"     // files longer than MaxFileLines
	RuleParseError   = "parse-error"   // the file is not valid Go
)

// Rules lists every rule name, for option validation.
var Rules = []string{RuleExportedDoc, RuleErrorString, RuleNoPanic, RuleLongFunction, RuleLongFile, RuleParseError}

// Config tunes the rules.
type Config struct {
	// MaxFunctionLines is the longest function allowed, from its func line to its closing brace.
	MaxFunctionLines int
	// MaxFileLines is the longest file allowed.
	MaxFileLines int
	// Disabled holds rule names to skip.
	Disabled map[string]bool
}

// DefaultConfig returns the limits used when the input gives none.
func DefaultConfig() Config {
	return Config{MaxFunctionLines: 60, MaxFileLines: 500, Disabled: map[string]bool{}}
}

// Finding is one rule violation.
type Finding struct {
	File    string
	Line    int
	Rule    string
	Message string
}

// Report is the result of checking a tree.
type Report struct {
	Findings []Finding
	// Files is the number of Go files checked.
	Files int
	// Truncated is set when the walk stopped early (see CheckFS).
	Truncated bool
}

// CheckFS checks every .go file of fsys, skipping vendor/, testdata/ and hidden or `_` folders (as the
// go tool does). stop is polled between files; when it returns true (e.g. past the soft deadline) the
// walk ends and the report is marked truncated. Findings are sorted by file, line and rule.
func CheckFS(fsys fs.FS, cfg Config, stop func() bool) Report {
	var r Report
	_ = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // an unreadable entry is skipped, not fatal
		}
		name := d.Name()
		if d.IsDir() {
			if p != "." && (name == "vendor" || name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !strings.HasSuffix(name, ".go") || strings.HasPrefix(name, ".") {
			return nil
		}
		if stop != nil && stop() {
			r.Truncated = true
			return fs.SkipAll
		}
		src, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil
		}
		r.Files++
		r.Findings = append(r.Findings, CheckFile(p, src, cfg)...)
		return nil
	})
	sort.SliceStable(r.Findings, func(i, j int) bool {
		a, b := r.Findings[i], r.Findings[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Rule < b.Rule
	})
	return r
}

// CheckFile applies every enabled rule to one file; name is used in findings and to tell test files.
func CheckFile(name string, src []byte, cfg Config) []Finding {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, name, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		if cfg.Disabled[RuleParseError] {
			return nil
		}
		line, msg := 1, err.Error()
		if list, ok := err.(scanner.ErrorList); ok && len(list) > 0 {
			line, msg = list[0].Pos.Line, list[0].Msg
		}
		return []Finding{{File: name, Line: line, Rule: RuleParseError, Message: "cannot parse: " + msg}}
	}
	c := &checker{fset: fset, name: name, cfg: cfg}
	isTest := strings.HasSuffix(path.Base(name), "_test.go")
	library := file.Name.Name != "main" && !isTest
	if library {
		c.exportedDocs(file) // a main package's or a test's exported names are not an API
	}
	c.errorStrings(file)
	if library {
		c.panics(file)
	}
	c.longFunctions(file)
	c.longFile(file, src)
	return c.findings
}

type checker struct {
	fset     *token.FileSet
	name     string
	cfg      Config
	findings []Finding
}

func (c *checker) add(rule string, pos token.Pos, format string, args ...any) {
	if c.cfg.Disabled[rule] {
		return
	}
	c.findings = append(c.findings, Finding{File: c.name, Line: c.fset.Position(pos).Line, Rule: rule, Message: fmt.Sprintf(format, args...)})
}

// exportedDocs: every exported top-level func, type, const and var of a library package (tests
// excluded) has a doc comment. Methods count
// when both the method and its receiver type are exported. In a const/var/type group, the group's
// comment documents its members.
func (c *checker) exportedDocs(file *ast.File) {
	for _, decl := range file.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			if !d.Name.IsExported() || d.Doc != nil {
				continue
			}
			if d.Recv != nil {
				recv := receiverType(d.Recv)
				if recv == "" || !ast.IsExported(recv) {
					continue
				}
				c.add(RuleExportedDoc, d.Name.Pos(), "exported method %s.%s should have a doc comment starting with %q", recv, d.Name.Name, d.Name.Name+" ")
				continue
			}
			c.add(RuleExportedDoc, d.Name.Pos(), "exported function %s should have a doc comment starting with %q", d.Name.Name, d.Name.Name+" ")
		case *ast.GenDecl:
			if d.Tok == token.IMPORT || (d.Lparen.IsValid() && d.Doc != nil) {
				continue
			}
			kind := d.Tok.String()
			for _, spec := range d.Specs {
				switch s := spec.(type) {
				case *ast.TypeSpec:
					if s.Name.IsExported() && d.Doc == nil && s.Doc == nil {
						c.add(RuleExportedDoc, s.Name.Pos(), "exported type %s should have a doc comment starting with %q", s.Name.Name, s.Name.Name+" ")
					}
				case *ast.ValueSpec:
					if d.Doc != nil || s.Doc != nil {
						continue
					}
					for _, n := range s.Names {
						if n.IsExported() {
							c.add(RuleExportedDoc, n.Pos(), "exported %s %s should have a doc comment (or be in a documented group)", kind, n.Name)
							break
						}
					}
				}
			}
		}
	}
}

func receiverType(fl *ast.FieldList) string {
	if fl == nil || len(fl.List) == 0 {
		return ""
	}
	t := fl.List[0].Type
	for {
		switch x := t.(type) {
		case *ast.StarExpr:
			t = x.X
		case *ast.IndexExpr: // generic receiver T[K]
			t = x.X
		case *ast.IndexListExpr: // T[K, V]
			t = x.X
		case *ast.ParenExpr:
			t = x.X
		case *ast.Ident:
			return x.Name
		default:
			return ""
		}
	}
}

// errorStrings: the literal message of errors.New and fmt.Errorf starts with a lower-case letter (an
// initialism such as "URL" or "EOF" is fine) and does not end with punctuation or a newline, because
// error strings are usually wrapped into other messages.
func (c *checker) errorStrings(file *ast.File) {
	errorsName, fmtName := importName(file, "errors"), importName(file, "fmt")
	if errorsName == "" && fmtName == "" {
		return
	}
	ast.Inspect(file, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) == 0 {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		pkg, ok := sel.X.(*ast.Ident)
		if !ok || !((pkg.Name == errorsName && sel.Sel.Name == "New") || (pkg.Name == fmtName && sel.Sel.Name == "Errorf")) {
			return true
		}
		lit, ok := call.Args[0].(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		s, err := strconv.Unquote(lit.Value)
		if err != nil || s == "" {
			return true
		}
		call0 := pkg.Name + "." + sel.Sel.Name
		if capitalised(s) {
			c.add(RuleErrorString, lit.Pos(), "error strings should not be capitalized: %s(%s)", call0, lit.Value)
		} else if last, _ := utf8.DecodeLastRuneInString(s); strings.ContainsRune(".:!\n", last) {
			c.add(RuleErrorString, lit.Pos(), "error strings should not end with punctuation or a newline: %s(%s)", call0, lit.Value)
		}
		return true
	})
}

// capitalised reports whether s starts with an upper-case letter that is not part of an initialism
// (a first word in capitals, like "URL" or "EOF", is allowed).
func capitalised(s string) bool {
	first, size := utf8.DecodeRuneInString(s)
	if !unicode.IsUpper(first) {
		return false
	}
	word := s
	if i := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }); i >= 0 {
		word = s[:i]
	}
	if len(word) > size && strings.ToUpper(word) == word {
		return false
	}
	return true
}

// importName returns the name under which file imports pkgPath ("" when it does not, or imports it
// with _ or .).
func importName(file *ast.File, pkgPath string) string {
	for _, imp := range file.Imports {
		p, err := strconv.Unquote(imp.Path.Value)
		if err != nil || p != pkgPath {
			continue
		}
		if imp.Name != nil {
			if imp.Name.Name == "_" || imp.Name.Name == "." {
				return ""
			}
			return imp.Name.Name
		}
		return path.Base(p)
	}
	return ""
}

// panics: library packages return errors. panic is tolerated in init functions and in Must* helpers,
// whose contract is to panic (regexp.MustCompile style).
func (c *checker) panics(file *ast.File) {
	shadowed := false
	for _, decl := range file.Decls {
		if fd, ok := decl.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == "panic" {
			shadowed = true // the file's package defines its own panic
		}
	}
	if shadowed {
		return
	}
	for _, decl := range file.Decls {
		fd, ok := decl.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		if (fd.Recv == nil && fd.Name.Name == "init") || strings.HasPrefix(fd.Name.Name, "Must") {
			continue
		}
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if id, ok := call.Fun.(*ast.Ident); ok && id.Name == "panic" {
				c.add(RuleNoPanic, call.Pos(), "panic in library package %s (in %s): return an error instead", file.Name.Name, fd.Name.Name)
			}
			return true
		})
	}
}

// longFunctions: function and method declarations longer than MaxFunctionLines, counted from the func
// keyword (after the doc comment) to the closing brace.
func (c *checker) longFunctions(file *ast.File) {
	max := c.cfg.MaxFunctionLines
	if max <= 0 {
		return
	}
	for _, decl := range file.Decls {
		fd, ok := decl.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		lines := c.fset.Position(fd.End()).Line - c.fset.Position(fd.Pos()).Line + 1
		if lines > max {
			c.add(RuleLongFunction, fd.Name.Pos(), "function %s is %d lines long (limit %d): split it into smaller functions", funcName(fd), lines, max)
		}
	}
}

func funcName(fd *ast.FuncDecl) string {
	if recv := receiverType(fd.Recv); recv != "" {
		return recv + "." + fd.Name.Name
	}
	return fd.Name.Name
}

// longFile: files longer than MaxFileLines; reported on the first line past the limit.
func (c *checker) longFile(file *ast.File, src []byte) {
	max := c.cfg.MaxFileLines
	if max <= 0 {
		return
	}
	lines := strings.Count(string(src), "\n")
	if len(src) > 0 && src[len(src)-1] != '\n' {
		lines++
	}
	if lines > max {
		tf := c.fset.File(file.Pos())
		c.add(RuleLongFile, tf.LineStart(max+1), "file is %d lines long (limit %d): split it by responsibility", lines, max)
	}
}
