// Command go-guide-wasm is a samuel plugin that checks the Go files of a project against a handful of
// style rules (see internal/guide) and prints the findings as JSON. Built from `samuel new plugin`.
//
// Exports: lint (0 = clean, 1 = findings, 2 = bad input or output error), health (0 when /workspace is
// readable) and, through sdk/samuel, samuel_protocol_version.
package main

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"go-guide-wasm/internal/guide"
	"go-guide-wasm/sdk/samuel"
)

// workspace is where samuel mounts the project (the manifest grants read access to it only).
const workspace = "/workspace"

// main runs only in a command build (`make wasm-command`, used with `samuel plugin exec`); the reactor
// that `make wasm` builds never calls it.
func main() { os.Exit(int(lint())) }

// lint walks /workspace and reports style findings.
//
// Input (optional JSON object on stdin): {"max_function_lines": 60, "max_file_lines": 500,
// "disable": ["no-panic"]}. Output: {"findings":[{"file","line","rule","message"}],"files":N,
// "truncated":false}, file paths relative to the project root.
//
//go:wasmexport lint
func lint() int32 {
	cfg, err := config()
	if err != nil {
		samuel.Diagf("go-guide-wasm: %v", err)
		return 2
	}
	report := guide.CheckFS(os.DirFS(workspace), cfg, samuel.PastDeadline)
	if report.Truncated {
		samuel.Log(samuel.LevelWarn, "soft deadline reached: the report covers only part of the project")
	}
	samuel.Logf(samuel.LevelInfo, "checked %d Go files: %d findings", report.Files, len(report.Findings))
	if err := samuel.OutputJSON(toJSON(report)); err != nil {
		samuel.Diagf("go-guide-wasm: writing output: %v", err)
		return 2
	}
	if len(report.Findings) > 0 {
		return 1
	}
	return 0
}

// health is called by `samuel doctor`: the plugin works when it can list /workspace.
//
//go:wasmexport health
func health() int32 {
	if _, err := os.ReadDir(workspace); err != nil {
		samuel.Diagf("go-guide-wasm: cannot read %s: %v", workspace, err)
		return 1
	}
	return 0
}

// config reads the options from the input, refusing unknown keys so a typo is not silently ignored.
func config() (guide.Config, error) {
	cfg := guide.DefaultConfig()
	opts, err := samuel.InputObject()
	if err != nil {
		return cfg, err
	}
	known := map[string]bool{"max_function_lines": true, "max_file_lines": true, "disable": true}
	var unknown []string
	for k := range opts {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return cfg, fmt.Errorf("unknown option(s) %s; known: disable, max_file_lines, max_function_lines", strings.Join(unknown, ", "))
	}
	fn, err := samuel.Number(opts, "max_function_lines", float64(cfg.MaxFunctionLines))
	if err != nil {
		return cfg, err
	}
	fl, err := samuel.Number(opts, "max_file_lines", float64(cfg.MaxFileLines))
	if err != nil {
		return cfg, err
	}
	cfg.MaxFunctionLines, cfg.MaxFileLines = int(fn), int(fl)
	if raw, ok := opts["disable"]; ok && raw != nil {
		list, ok := raw.([]any)
		if !ok {
			return cfg, fmt.Errorf(`option "disable" must be a list of rule names`)
		}
		for _, v := range list {
			name, _ := v.(string)
			if !isRule(name) {
				return cfg, fmt.Errorf("option \"disable\": unknown rule %q; rules: %s", name, strings.Join(guide.Rules, ", "))
			}
			cfg.Disabled[name] = true
		}
	}
	return cfg, nil
}

func isRule(name string) bool {
	for _, r := range guide.Rules {
		if r == name {
			return true
		}
	}
	return false
}

func toJSON(r guide.Report) samuel.Fields {
	findings := make([]any, len(r.Findings))
	for i, f := range r.Findings {
		findings[i] = samuel.Fields{
			{Key: "file", Value: f.File},
			{Key: "line", Value: f.Line},
			{Key: "rule", Value: f.Rule},
			{Key: "message", Value: f.Message},
		}
	}
	return samuel.Fields{{Key: "findings", Value: findings}, {Key: "files", Value: r.Files}, {Key: "truncated", Value: r.Truncated}}
}
