package samuel

import "time"

// DeadlineMs returns the milliseconds left before the invocation's soft deadline ([runtime] timeout in
// samuel-plugin.toml); it is negative once the deadline has passed. Past the hard timeout the host
// stops the plugin, so long-running work should check this and wrap up early with a partial result.
func DeadlineMs() int64 { return rawDeadlineMs() }

// Deadline returns the time left before the soft deadline as a time.Duration (negative once passed).
func Deadline() time.Duration { return time.Duration(rawDeadlineMs()) * time.Millisecond }

// PastDeadline reports whether the soft deadline has passed.
func PastDeadline() bool { return rawDeadlineMs() < 0 }
