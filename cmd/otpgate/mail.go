package main

import (
	"fmt"
	"log/slog"

	"github.com/otpgate/otpgate/config"
	"github.com/otpgate/otpgate/provider/mail"
)

// newMailer maps the mail section onto a sender: SMTP when a host is set;
// otherwise, in zero-config development mode, a LogSender that writes each
// mail (links included) to log; otherwise nil, nil: mail is off and callers
// must skip sending.
func newMailer(cfg *config.Config, log *slog.Logger) (mail.Sender, error) {
	switch {
	case cfg.Mail.Enabled():
		m := cfg.Mail
		sender, err := mail.NewSMTP(mail.SMTPConfig{
			Host:     m.SMTPHost,
			Port:     m.SMTPPort,
			Security: m.Security,
			Username: m.Username,
			Password: m.Password,
			From:     m.From,
		})
		if err != nil {
			return nil, fmt.Errorf("mail: %w", err)
		}
		return sender, nil
	case cfg.DevMode():
		return &mail.LogSender{Log: log}, nil
	default:
		return nil, nil
	}
}
