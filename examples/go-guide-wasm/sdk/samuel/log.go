package samuel

import "fmt"

// Level is a log level the host understands.
type Level string

// The levels of protocol 1, from the most to the least verbose.
const (
	LevelTrace Level = "trace"
	LevelDebug Level = "debug"
	LevelInfo  Level = "info"
	LevelWarn  Level = "warn"
	LevelError Level = "error"
)

// Log sends one line to the host's log at the given level. The host rate-limits plugins to 10 lines
// per second per invocation and reports how many lines it dropped, so log progress, not every item.
// An unknown level is sent as info.
func Log(level Level, msg string) {
	switch level {
	case LevelTrace, LevelDebug, LevelInfo, LevelWarn, LevelError:
	default:
		level = LevelInfo
	}
	rawLog(string(level), msg)
}

// Logf formats its arguments like fmt.Sprintf and logs the result.
func Logf(level Level, format string, args ...any) {
	Log(level, fmt.Sprintf(format, args...))
}
