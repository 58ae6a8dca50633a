package mail_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/otpgate/otpgate/provider/mail"
)

func TestLogSenderWritesTheWholeMail(t *testing.T) {
	var buf bytes.Buffer
	sender := &mail.LogSender{Log: slog.New(slog.NewTextHandler(&buf, nil))}
	m := mail.ResetLink("alice@example.com", testLink, 15*time.Minute, mail.Locale{})
	if err := sender.Send(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"DEVELOPMENT MAIL (not sent)", "alice@example.com", "otpgate: reset your device", testLink} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

// TestMessageKeepsItsBodyOutOfLogs: logging or printing a Message by mistake
// must not reveal its link.
func TestMessageKeepsItsBodyOutOfLogs(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	m := mail.ProofLink("alice@example.com", testLink, 10*time.Minute, mail.Locale{})
	log.Info("sending", "mail", m)
	for _, out := range []string{buf.String(), m.String()} {
		if strings.Contains(out, "token=") || !strings.Contains(out, "alice@example.com") {
			t.Errorf("bad rendering: %s", out)
		}
	}

	buf.Reset()
	log.Info("config", "smtp", mail.SMTPConfig{Host: "smtp.example.com", Password: testPassword})
	if strings.Contains(buf.String(), testPassword) || !strings.Contains(buf.String(), "smtp.example.com") {
		t.Errorf("bad rendering of the config: %s", buf.String())
	}
}
