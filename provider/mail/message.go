package mail

import (
	"context"
	"log/slog"
)

// Message is one plain-text email.
type Message struct {
	// To is the recipient's address, e.g. "alice@example.com".
	To string
	// Subject is one line, without line breaks.
	Subject string
	// Text is the UTF-8 body. It may carry a single-use link, so it is a
	// secret as far as logs and errors are concerned.
	Text string
}

// LogValue keeps the body, which may carry a single-use link, out of logs.
func (m Message) LogValue() slog.Value {
	return slog.GroupValue(slog.String("to", m.To), slog.String("subject", m.Subject))
}

// String describes the message without its body, for the same reason.
func (m Message) String() string {
	return "mail to " + m.To + ": " + m.Subject
}

// Sender sends mail. Implementations must never log a message's body or
// return it in an error (LogSender, for development only, is the exception
// that proves the rule: logging the body is its purpose).
type Sender interface {
	Send(ctx context.Context, m Message) error
}
