package mail

import (
	"context"
	"log/slog"
)

// devMailMarker starts every log record LogSender writes, so nobody takes a
// logged mail for a sent one.
const devMailMarker = "DEVELOPMENT MAIL (not sent)"

// LogSender is development mode's Sender: it writes each mail, body and
// links included, to the log instead of sending it, so a developer can follow
// a link without a mail server. Never use it where the log is kept or shared:
// the links it logs are live credentials.
type LogSender struct {
	// Log receives the mails; nil means slog.Default().
	Log *slog.Logger
}

var _ Sender = (*LogSender)(nil)

// Send logs m at level warn (so it shows at every usual log level) and
// never fails.
func (s *LogSender) Send(ctx context.Context, m Message) error {
	log := s.Log
	if log == nil {
		log = slog.Default()
	}
	log.WarnContext(ctx, devMailMarker, "to", m.To, "subject", m.Subject, "text", m.Text)
	return nil
}
