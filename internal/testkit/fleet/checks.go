//go:build linux

package fleet

import (
	"fmt"
	"regexp"
	"strings"
)

// StackTrace reports a response no outage may produce: anything that looks
// like a stack trace ("" when the body is clean).
func StackTrace(status int, body string) string {
	if strings.Contains(body, "goroutine ") || strings.Contains(body, "panic:") || strings.Contains(body, ".go:") {
		return fmt.Sprintf("status %d with what looks like a stack trace: %q", status, Tail(body, 300))
	}
	return ""
}

var status5xx = regexp.MustCompile(`msg=request .*status=5[0-9][0-9]`)

// ServerErrors returns a replica log's request lines with a 5xx status.
func ServerErrors(log string) []string {
	var out []string
	for _, line := range strings.Split(log, "\n") {
		if status5xx.MatchString(line) {
			out = append(out, line)
		}
	}
	return out
}
