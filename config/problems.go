package config

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong with a configuration.
type Problem struct {
	// Key is what the problem is about: a dotted key path such as
	// "mail.smtp_host" or "clients[1].secret", or the name of an
	// environment variable such as "OTPGATE_LOGIN_FLOW_LIFETIME".
	Key string
	// Line is the line of the YAML file the key is written on; 0 when the
	// problem is not tied to a line (environment variables, validation).
	Line int
	// Message says what is wrong.
	Message string
	// Hint, when not empty, says what to do instead ("did you mean
	// mail.smtp_host?").
	Hint string
}

// String formats the problem as one line that starts with its key:
// "key: message (line N); hint".
func (p Problem) String() string {
	s := p.Key + ": " + p.Message
	if p.Line > 0 {
		s += fmt.Sprintf(" (line %d)", p.Line)
	}
	if p.Hint != "" {
		s += "; " + p.Hint
	}
	return s
}

// Error is a configuration that cannot be used, with every problem found:
// those of the file (unknown keys, wrongly typed values), of the
// environment, and of validation.
type Error struct {
	// File is the YAML file that was read, "" if none.
	File string
	// Problems are in the order found: the file's by line, then the
	// environment's, then validation's.
	Problems []Problem
}

// Error lists the problems, one line each, each line starting with its key.
func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// problems collects the problems of one pass.
type problems []Problem

func (p *problems) add(key, format string, args ...any) {
	*p = append(*p, Problem{Key: key, Message: fmt.Sprintf(format, args...)})
}

// err returns nil when there is no problem, else an *Error naming file.
func (p problems) err(file string) error {
	if len(p) == 0 {
		return nil
	}
	return &Error{File: file, Problems: p}
}

// covers reports whether a problem already reported about key, or about
// a key that holds it (clients[0] holds clients[0].id), makes a
// validation problem of key a consequence rather than news: a value that
// could not be read was left at its default.
func (p problems) covers(key string) bool {
	for _, q := range p {
		if q.Key == key || strings.HasPrefix(key, q.Key+".") || strings.HasPrefix(key, q.Key+"[") {
			return true
		}
	}
	return false
}
