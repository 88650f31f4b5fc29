// Package todo holds the plugin's logic, kept free of the sandbox so `go test` runs it natively
// against an in-memory file system.
package todo

import (
	"bufio"
	"io/fs"
	"strings"

	"{{module}}/sdk/samuel"
)

// Finding is one line that contains the marker; File is relative to the project root.
type Finding struct {
	File string
	Line int
	Text string
}

// Report is the result of a scan.
type Report struct {
	Findings  []Finding
	Files     int
	Truncated bool
}

// Scan walks fsys for text files (skipping hidden folders, vendor/ and node_modules/) and returns the
// lines that contain marker, up to limit findings. stop is polled between files; when it returns true
// (e.g. past the soft deadline) the scan ends early and the report says it was truncated.
func Scan(fsys fs.FS, marker string, limit int, stop func() bool) Report {
	var r Report
	_ = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // unreadable entries are skipped, not fatal
		}
		if d.IsDir() {
			name := d.Name()
			if p != "." && (strings.HasPrefix(name, ".") || name == "vendor" || name == "node_modules") {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if stop != nil && stop() || len(r.Findings) >= limit {
			r.Truncated = true
			return fs.SkipAll
		}
		f, err := fsys.Open(p)
		if err != nil {
			return nil
		}
		defer f.Close()
		r.Files++
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for n := 1; sc.Scan(); n++ {
			line := sc.Text()
			if strings.Contains(line, "\x00") {
				return nil // binary file
			}
			if strings.Contains(line, marker) && len(r.Findings) < limit {
				r.Findings = append(r.Findings, Finding{File: p, Line: n, Text: strings.TrimSpace(line)})
			}
		}
		return nil
	})
	return r
}

// JSON returns the report as the plugin's output object.
func (r Report) JSON() samuel.Fields {
	findings := make([]any, len(r.Findings))
	for i, f := range r.Findings {
		findings[i] = samuel.Fields{{Key: "file", Value: f.File}, {Key: "line", Value: f.Line}, {Key: "text", Value: f.Text}}
	}
	return samuel.Fields{{Key: "findings", Value: findings}, {Key: "files", Value: r.Files}, {Key: "truncated", Value: r.Truncated}}
}
