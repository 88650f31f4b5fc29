package samuel

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
)

var (
	inputRead bool
	inputData []byte
	inputErr  error
)

// Input returns the invocation's input: everything on stdin (what `samuel run --input` fed the
// plugin). It is read once and cached, so calling it again is cheap.
func Input() ([]byte, error) {
	if !inputRead {
		inputData, inputErr = io.ReadAll(os.Stdin)
		inputRead = true
	}
	return inputData, inputErr
}

// InputObject parses the input as a JSON object. Empty input (or only whitespace) gives an empty
// object, so plugins can treat every option as optional. Values are decoded as ParseJSON does.
func InputObject() (map[string]any, error) {
	data, err := Input()
	if err != nil {
		return nil, fmt.Errorf("reading input: %w", err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return map[string]any{}, nil
	}
	v, err := ParseJSON(data)
	if err != nil {
		return nil, fmt.Errorf("input is not valid JSON: %w", err)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("input must be a JSON object")
	}
	return obj, nil
}

// Output writes b to stdout: the plugin's result.
func Output(b []byte) error {
	_, err := os.Stdout.Write(b)
	return err
}

// Outputf formats like fmt.Printf to stdout.
func Outputf(format string, args ...any) error {
	_, err := fmt.Fprintf(os.Stdout, format, args...)
	return err
}

// OutputJSON encodes v with MarshalJSON and writes it to stdout with a trailing newline.
func OutputJSON(v any) error {
	b, err := MarshalJSON(v)
	if err != nil {
		return err
	}
	return Output(append(b, '\n'))
}

// Diagf writes a diagnostic line to stderr (samuel shows it next to the output, and keeps it in the
// --json envelope). A newline is added when missing.
func Diagf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if len(msg) == 0 || msg[len(msg)-1] != '\n' {
		msg += "\n"
	}
	_, _ = os.Stderr.WriteString(msg)
}

// Number reads a numeric option from a decoded JSON object, returning def when the key is absent. A
// present value that is not a number is an error naming the key.
func Number(obj map[string]any, key string, def float64) (float64, error) {
	v, ok := obj[key]
	if !ok || v == nil {
		return def, nil
	}
	n, ok := v.(float64)
	if !ok {
		return def, fmt.Errorf("option %q must be a number", key)
	}
	return n, nil
}

// String reads a string option from a decoded JSON object, returning def when the key is absent.
func String(obj map[string]any, key string, def string) (string, error) {
	v, ok := obj[key]
	if !ok || v == nil {
		return def, nil
	}
	s, ok := v.(string)
	if !ok {
		return def, fmt.Errorf("option %q must be a string", key)
	}
	return s, nil
}
