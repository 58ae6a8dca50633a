package mail

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	netmail "net/mail"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Values of SMTPConfig.Security.
const (
	// SecurityStartTLS connects in plain text and requires STARTTLS before
	// anything else is said (the default; port 587).
	SecurityStartTLS = "starttls"
	// SecurityTLS speaks TLS from the first byte (implicit TLS; port 465).
	SecurityTLS = "tls"
	// SecurityNone sends in plain text; allowed only to a loopback host, such
	// as a local relay.
	SecurityNone = "none"
)

// DefaultTimeout bounds one SMTP conversation when SMTPConfig.Timeout is 0.
const DefaultTimeout = 10 * time.Second

// ErrInvalidConfig is wrapped by every error NewSMTP returns.
var ErrInvalidConfig = errors.New("invalid SMTP configuration")

// SMTPConfig configures an SMTP sender.
type SMTPConfig struct {
	// Host is the server's name or IP address, without a port.
	Host string
	// Port defaults to 587 for starttls, 465 for tls and 25 for none.
	Port int
	// Security is "starttls" (the default, STARTTLS required), "tls"
	// (implicit TLS, port 465) or "none" (only allowed to loopback hosts).
	Security string
	// Username and Password are optional; when Username is set, go-mail
	// discovers the best mechanism the server offers (PLAIN and LOGIN
	// included), which happens only over TLS.
	Username, Password string
	// From is the envelope and header sender, e.g. "otpgate <login@example.com>".
	From string
	// Timeout bounds one conversation (default DefaultTimeout).
	Timeout time.Duration
	// RootCAs lets tests trust a self-signed server; nil means the system roots.
	RootCAs *x509.CertPool
}

// LogValue leaves the password out of logs.
func (c SMTPConfig) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("host", c.Host), slog.Int("port", c.Port), slog.String("security", c.Security),
		slog.String("username", c.Username), slog.String("from", c.From))
}

// SMTP sends mail through an SMTP server; it opens one connection per
// message and is safe for concurrent use.
type SMTP struct {
	cfg    SMTPConfig
	from   *netmail.Address
	tls    *tls.Config
	domain string // of From, for Message-IDs
}

var _ Sender = (*SMTP)(nil)

// NewSMTP checks c, fills in defaults and returns a sender. It does not
// connect: the first Send does.
func NewSMTP(c SMTPConfig) (*SMTP, error) {
	if c.Security == "" {
		c.Security = SecurityStartTLS
	}
	if c.Port == 0 {
		switch c.Security {
		case SecurityStartTLS:
			c.Port = 587
		case SecurityTLS:
			c.Port = 465
		case SecurityNone:
			c.Port = 25
		}
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	var problems []string
	switch {
	case c.Host == "":
		problems = append(problems, "host is required")
	case strings.ContainsAny(c.Host, " /[]") || strings.Contains(c.Host, ":") && net.ParseIP(c.Host) == nil:
		problems = append(problems, "host must be a name or IP address without a port")
	}
	switch c.Security {
	case SecurityStartTLS, SecurityTLS:
	case SecurityNone:
		if !isLoopbackHost(c.Host) {
			problems = append(problems, `security "none" is allowed only for a loopback host (127.0.0.1, ::1, localhost)`)
		}
		if c.Username != "" {
			problems = append(problems, `authentication needs TLS: use security "starttls" or "tls"`)
		}
	default:
		problems = append(problems, fmt.Sprintf("security must be starttls, tls or none (got %q)", c.Security))
	}
	if c.Port < 1 || c.Port > 65535 {
		problems = append(problems, "port must be a number from 1 to 65535")
	}
	if c.Password != "" && c.Username == "" {
		problems = append(problems, "a password needs a username")
	}
	if c.Timeout < 0 {
		problems = append(problems, "timeout must not be negative")
	}
	from, err := netmail.ParseAddress(c.From)
	if err != nil {
		problems = append(problems, fmt.Sprintf("from must be an email address (got %q)", c.From))
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrInvalidConfig, strings.Join(problems, "; "))
	}
	_, domain, _ := strings.Cut(from.Address, "@")
	return &SMTP{
		cfg:    c,
		from:   from,
		tls:    &tls.Config{ServerName: c.Host, RootCAs: c.RootCAs, MinVersion: tls.VersionTLS12},
		domain: domain,
	}, nil
}

// isLoopbackHost reports whether host is "localhost" or a loopback IP
// address: the only hosts security "none" may send to.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Send delivers m in one SMTP conversation. It returns when the mail has
// been accepted, the conversation fails, or ctx ends, whichever comes first;
// the error then wraps ctx.Err(). go-mail cannot interrupt a conversation
// once connected, so one abandoned that way ends by its own timeout (Timeout,
// or ctx's deadline if earlier) and may still deliver the mail. Errors name
// the recipient but never carry the body or the password.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	timeout := s.cfg.Timeout
	if deadline, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(deadline))
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mail to %s: %w", m.To, err)
	}
	if timeout <= 0 {
		return fmt.Errorf("mail to %s: %w", m.To, context.DeadlineExceeded)
	}
	msg, err := s.message(m)
	if err != nil {
		return fmt.Errorf("mail to %s: %w", m.To, err)
	}
	client, err := s.client(timeout)
	if err != nil {
		return fmt.Errorf("mail to %s: %w", m.To, s.redact(err))
	}

	done := make(chan error, 1)
	go func() { done <- client.DialAndSendWithContext(ctx, msg) }()
	select {
	case err = <-done:
	case <-ctx.Done():
		select {
		case err = <-done: // finished at the same moment: report what happened
		default:
			return fmt.Errorf("mail to %s: %w", m.To, ctx.Err())
		}
	}
	switch {
	case err == nil:
		return nil
	case ended(ctx) != nil:
		return fmt.Errorf("mail to %s: %w: %w", m.To, ended(ctx), s.redact(err))
	default:
		return fmt.Errorf("mail to %s: %w", m.To, s.redact(err))
	}
}

// ended returns ctx.Err(), or context.DeadlineExceeded once ctx's deadline
// has passed even if ctx's own timer has not fired yet: the conversation's
// timeout is that deadline and may fire a moment earlier.
func ended(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if deadline, ok := ctx.Deadline(); ok && !time.Now().Before(deadline) {
		return context.DeadlineExceeded
	}
	return nil
}

// message builds the go-mail message for m.
func (s *SMTP) message(m Message) (*gomail.Msg, error) {
	if strings.ContainsAny(m.Subject, "\r\n") {
		return nil, errors.New("subject must be one line")
	}
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.From(s.from.String()); err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("recipient: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	// Our own domain, not the host's name, in the Message-ID.
	msg.SetMessageIDWithValue(rand.Text() + "@" + s.domain)
	// RFC 3834: tells vacation responders not to answer.
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	return msg, nil
}

// client returns a go-mail client for one conversation of at most timeout.
func (s *SMTP) client(timeout time.Duration) (*gomail.Client, error) {
	opts := []gomail.Option{
		gomail.WithPort(s.cfg.Port),
		gomail.WithTimeout(timeout),
		gomail.WithTLSConfig(s.tls),
	}
	switch s.cfg.Security {
	case SecurityStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case SecurityTLS:
		opts = append(opts, gomail.WithSSL(), gomail.WithTLSPolicy(gomail.TLSMandatory))
	case SecurityNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if s.cfg.Username != "" {
		opts = append(opts,
			gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.cfg.Username),
			gomail.WithPassword(s.cfg.Password))
	}
	return gomail.NewClient(s.cfg.Host, opts...)
}

// redact removes the password from err's text, should a server or library
// ever echo it. The error chain is dropped in that case, since every link of
// it would carry the password too.
func (s *SMTP) redact(err error) error {
	if s.cfg.Password == "" || !strings.Contains(err.Error(), s.cfg.Password) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), s.cfg.Password, "[redacted]"))
}
