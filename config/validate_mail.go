package config

import (
	"net"
	"time"
	// The zone database travels with the binary: a minimal host may have none.
	"net/mail"
	"strings"
	_ "time/tzdata"
)

// Values of mail.security.
const (
	mailStartTLS = "starttls"
	mailTLS      = "tls"
	mailNone     = "none"
)

var mailSecurities = []string{mailStartTLS, mailTLS, mailNone}

// mailBoth is the mail.language that writes every mail in both languages.
const mailBoth = "both"

var mailLanguages = []string{"en", "ja", mailBoth}

// validate checks the mail section. The password is never quoted.
func (m Mail) validate(p *problems) {
	if m.SMTPPort < 1 || m.SMTPPort > 65535 {
		p.add("mail.smtp_port", "must be a number from 1 to 65535 (got %d)", m.SMTPPort)
	}
	oneOf(p, "mail.security", m.Security, mailSecurities)
	if m.Language != "" {
		oneOf(p, "mail.language", m.Language, mailLanguages)
	}
	if _, err := time.LoadLocation(m.TimeZone); err != nil {
		p.add("mail.time_zone", "must be an IANA time zone such as UTC or Asia/Tokyo (got %q)", m.TimeZone)
	}
	if m.Password != "" && m.Username == "" {
		p.add("mail.password", "set only together with mail.username")
	}
	if !m.Enabled() {
		return
	}
	if msg := smtpHostProblem(m.SMTPHost); msg != "" {
		p.add("mail.smtp_host", "%s", msg)
	}
	if m.Security == mailNone {
		if !isLoopbackHost(m.SMTPHost) {
			p.add("mail.security", "none is allowed only when smtp_host is 127.0.0.1, ::1 or localhost; use starttls or tls")
		}
		if m.Username != "" {
			p.add("mail.username", "authentication needs TLS: use security starttls or tls")
		}
	}
	switch addr, err := mail.ParseAddress(m.From); {
	case m.From == "":
		p.add("mail.from", "required when mail.smtp_host is set, e.g. \"otpgate <login@example.com>\"")
	case err != nil || strings.ContainsAny(m.From, "\r\n") || !strings.Contains(addr.Address, "@"):
		p.add("mail.from", "must be an email address like \"otpgate <login@example.com>\" (got %q)", m.From)
	}
}

// smtpHostProblem checks an SMTP host name or IP address and returns "" when
// it is acceptable.
func smtpHostProblem(host string) string {
	switch {
	case strings.Contains(host, "://"):
		return "must be a host name or IP address, not a URL"
	case strings.ContainsAny(host, " \t/@[]") ||
		strings.Contains(host, ":") && net.ParseIP(host) == nil:
		return "must be a host name or IP address without a port (set mail.smtp_port)"
	}
	return ""
}
