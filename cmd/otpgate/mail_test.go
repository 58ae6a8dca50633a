package main

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/otpgate/otpgate/config"
	"github.com/otpgate/otpgate/provider/mail"
	"github.com/otpgate/otpgate/provider/mail/mailtest"
)

func TestNewMailer(t *testing.T) {
	const link = "https://login.example.com/login/reset/confirm?token=abc"
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))

	t.Run("SMTP when a host is set", func(t *testing.T) {
		s := mailtest.Start(t)
		host, port := s.Addr()
		cfg := config.Default()
		cfg.Mail = config.Mail{SMTPHost: host, SMTPPort: port, Security: "none", From: "otpgate <login@example.com>"}
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		sender, err := newMailer(cfg, log)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := sender.(*mail.SMTP); !ok {
			t.Fatalf("sender is %T, want *mail.SMTP", sender)
		}
		if err := sender.Send(t.Context(), mail.ResetLink("alice@example.com", link, 15*time.Minute, mail.Locale{})); err != nil {
			t.Fatal(err)
		}
		if got := s.WaitFor(t, "alice@example.com", time.Second); !strings.Contains(got.Text, link) {
			t.Errorf("mail arrived without the link:\n%s", got.Text)
		}
	})

	t.Run("SMTP settings are checked", func(t *testing.T) {
		cfg := config.Default()
		cfg.Mail = config.Mail{SMTPHost: "smtp.example.com", SMTPPort: 25, Security: "none", From: "login@example.com"}
		if sender, err := newMailer(cfg, log); err == nil || sender != nil {
			t.Errorf("got %v, %v; want an error", sender, err)
		}
	})

	t.Run("log in development mode", func(t *testing.T) {
		cfg := config.Default()
		if !cfg.DevMode() {
			t.Fatal("defaults are not development mode")
		}
		sender, err := newMailer(cfg, log)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := sender.(*mail.LogSender); !ok {
			t.Fatalf("sender is %T, want *mail.LogSender", sender)
		}
		if err := sender.Send(t.Context(), mail.ResetLink("bob@example.com", link, 15*time.Minute, mail.Locale{})); err != nil {
			t.Fatal(err)
		}
		if out := logs.String(); !strings.Contains(out, "DEVELOPMENT MAIL (not sent)") || !strings.Contains(out, link) {
			t.Errorf("log lacks the mail:\n%s", out)
		}
	})

	t.Run("off outside development mode", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "otpgate.yaml")
		if err := os.WriteFile(file, []byte("issuer: https://login.example.com\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := config.Load(config.Overrides{ConfigFile: file}, nil)
		if err != nil {
			t.Fatal(err)
		}
		sender, err := newMailer(cfg, log)
		if err != nil || sender != nil {
			t.Errorf("got %#v, %v; want nil, nil", sender, err)
		}
	})
}
