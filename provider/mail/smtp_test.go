package mail_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otpgate/otpgate/provider/mail"
	"github.com/otpgate/otpgate/provider/mail/mailtest"
)

const (
	testUser     = "otpgate"
	testPassword = "hunter2-smtp-password"
	testFrom     = "otpgate <login@example.com>"
	testLink     = "https://login.example.com/login/reset/confirm?token=0123456789abcdef"
)

// newSender returns a sender for the test server s.
func newSender(t *testing.T, s *mailtest.Server, security, username, password string) *mail.SMTP {
	t.Helper()
	host, port := s.Addr()
	sender, err := mail.NewSMTP(mail.SMTPConfig{
		Host: host, Port: port, Security: security,
		Username: username, Password: password,
		From: testFrom, RootCAs: s.RootCAs(), Timeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	return sender
}

// checkDelivered sends a reset-link mail to alice and checks what arrived.
func checkDelivered(t *testing.T, s *mailtest.Server, sender mail.Sender, wantUser string) {
	t.Helper()
	m := mail.ResetLink("alice@example.com", testLink, 15*time.Minute, mail.Locale{})
	if err := sender.Send(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	got := s.WaitFor(t, "alice@example.com", 2*time.Second)
	if got.From != "login@example.com" {
		t.Errorf("envelope from = %q", got.From)
	}
	if got.Subject != m.Subject {
		t.Errorf("subject = %q, want %q", got.Subject, m.Subject)
	}
	if got.Text != m.Text {
		t.Errorf("text arrived as:\n%s\nwant:\n%s", got.Text, m.Text)
	}
	if got.Username != wantUser {
		t.Errorf("authenticated as %q, want %q", got.Username, wantUser)
	}
	for _, h := range []string{"Auto-Submitted: auto-generated", "@example.com>", `From: "otpgate" <login@example.com>`} {
		if !strings.Contains(string(got.Data), h) {
			t.Errorf("headers lack %q:\n%s", h, got.Data)
		}
	}
}

func TestSendSTARTTLSWithAuth(t *testing.T) {
	s := mailtest.Start(t, mailtest.WithSTARTTLS(), mailtest.WithAuth(testUser, testPassword))
	checkDelivered(t, s, newSender(t, s, mail.SecurityStartTLS, testUser, testPassword), testUser)
	if !s.Messages()[0].TLS {
		t.Error("message was not sent over TLS")
	}
}

func TestSendImplicitTLS(t *testing.T) {
	s := mailtest.Start(t, mailtest.WithImplicitTLS(), mailtest.WithAuth(testUser, testPassword))
	checkDelivered(t, s, newSender(t, s, mail.SecurityTLS, testUser, testPassword), testUser)
	if !s.Messages()[0].TLS {
		t.Error("message was not sent over TLS")
	}
}

func TestSendWithoutTLSToLoopback(t *testing.T) {
	s := mailtest.Start(t)
	checkDelivered(t, s, newSender(t, s, mail.SecurityNone, "", ""), "")
}

func TestSendConcurrently(t *testing.T) {
	s := mailtest.Start(t, mailtest.WithSTARTTLS())
	sender := newSender(t, s, mail.SecurityStartTLS, "", "")
	var wg sync.WaitGroup
	for i := range 5 {
		wg.Go(func() {
			to := string(rune('a'+i)) + "@example.com"
			if err := sender.Send(t.Context(), mail.DeviceReset(to, time.Now(), mail.Locale{})); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := len(s.Messages()); n != 5 {
		t.Errorf("%d messages arrived, want 5", n)
	}
}

func TestSendFailures(t *testing.T) {
	tests := []struct {
		name     string
		server   []mailtest.Option
		security string
		password string
		trust    bool
		want     string
	}{
		{
			name:   "server refuses the password",
			server: []mailtest.Option{mailtest.WithSTARTTLS(), mailtest.WithAuth(testUser, "the-right-one")},
			// The wrong password is the one that must not leak.
			security: mail.SecurityStartTLS, password: testPassword, trust: true, want: "535",
		},
		{
			name:     "STARTTLS required but not offered: no plain-text fallback",
			server:   nil,
			security: mail.SecurityStartTLS, password: testPassword, trust: true, want: "STARTTLS",
		},
		{
			name:     "untrusted certificate",
			server:   []mailtest.Option{mailtest.WithSTARTTLS(), mailtest.WithAuth(testUser, testPassword)},
			security: mail.SecurityStartTLS, password: testPassword, trust: false, want: "certificate",
		},
		{
			name:     "implicit TLS to a plain server",
			server:   []mailtest.Option{mailtest.WithAuth(testUser, testPassword)},
			security: mail.SecurityTLS, password: testPassword, trust: true, want: "mail to alice@example.com",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := mailtest.Start(t, tc.server...)
			host, port := s.Addr()
			cfg := mail.SMTPConfig{
				Host: host, Port: port, Security: tc.security, Username: testUser, Password: tc.password,
				From: testFrom, Timeout: 5 * time.Second,
			}
			if tc.trust {
				cfg.RootCAs = s.RootCAs()
			}
			sender, err := mail.NewSMTP(cfg)
			if err != nil {
				t.Fatal(err)
			}
			m := mail.ResetLink("alice@example.com", testLink, 15*time.Minute, mail.Locale{})
			err = sender.Send(t.Context(), m)
			if err == nil {
				t.Fatal("Send succeeded")
			}
			t.Logf("error: %v", err)
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error does not contain %q", tc.want)
			}
			for _, secret := range []string{tc.password, testLink, "token="} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error contains %q", secret)
				}
			}
			if n := len(s.Messages()); n != 0 {
				t.Errorf("%d messages arrived, want none", n)
			}
		})
	}
}

// silentServer accepts connections and never says a word, so a client waits
// for the greeting until something stops it.
func silentServer(t *testing.T) (string, int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	a := ln.Addr().(*net.TCPAddr)
	return a.IP.String(), a.Port
}

func TestSendHonoursContext(t *testing.T) {
	host, port := silentServer(t)
	sender, err := mail.NewSMTP(mail.SMTPConfig{
		Host: host, Port: port, Security: mail.SecurityNone, From: testFrom, Timeout: time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	m := mail.AccountLocked("alice@example.com", time.Now(), mail.Locale{})

	t.Run("deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := sender.Send(ctx, m)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want context.DeadlineExceeded", err)
		}
		if elapsed := time.Since(start); elapsed > 2*time.Second {
			t.Errorf("Send took %s with a 200ms deadline", elapsed)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(100*time.Millisecond, cancel)
		start := time.Now()
		if err := sender.Send(ctx, m); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
		if elapsed := time.Since(start); elapsed > 2*time.Second {
			t.Errorf("Send took %s after a cancel at 100ms", elapsed)
		}
	})
	t.Run("already expired", func(t *testing.T) {
		ctx, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
		defer cancel()
		if err := sender.Send(ctx, m); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want context.DeadlineExceeded", err)
		}
	})
}

func TestNewSMTPValidates(t *testing.T) {
	valid := mail.SMTPConfig{Host: "smtp.example.com", Username: testUser, Password: testPassword, From: testFrom}
	tests := []struct {
		name string
		edit func(c *mail.SMTPConfig)
		want string // "" means valid
	}{
		{"defaults", func(c *mail.SMTPConfig) {}, ""},
		{"implicit TLS", func(c *mail.SMTPConfig) { c.Security = mail.SecurityTLS }, ""},
		{"none to loopback", func(c *mail.SMTPConfig) {
			c.Security, c.Host, c.Username, c.Password = mail.SecurityNone, "::1", "", ""
		}, ""},
		{"no host", func(c *mail.SMTPConfig) { c.Host = "" }, "host is required"},
		{"host with port", func(c *mail.SMTPConfig) { c.Host = "smtp.example.com:587" }, "without a port"},
		{"bracketed host", func(c *mail.SMTPConfig) { c.Host = "[::1]" }, "without a port"},
		{"unknown security", func(c *mail.SMTPConfig) { c.Security = "ssl" }, `security must be starttls, tls or none (got "ssl")`},
		{"none to a remote host", func(c *mail.SMTPConfig) {
			c.Security, c.Username, c.Password = mail.SecurityNone, "", ""
		}, "only for a loopback host"},
		{"none with a login", func(c *mail.SMTPConfig) { c.Security, c.Host = mail.SecurityNone, "127.0.0.1" }, "authentication needs TLS"},
		{"bad port", func(c *mail.SMTPConfig) { c.Port = 70000 }, "port must be"},
		{"password without username", func(c *mail.SMTPConfig) { c.Username = "" }, "a password needs a username"},
		{"no from", func(c *mail.SMTPConfig) { c.From = "" }, "from must be an email address"},
		{"bad from", func(c *mail.SMTPConfig) { c.From = "otpgate" }, "from must be an email address"},
		{"negative timeout", func(c *mail.SMTPConfig) { c.Timeout = -time.Second }, "timeout"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := valid
			tc.edit(&c)
			_, err := mail.NewSMTP(c)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.want == "":
				return
			case err == nil:
				t.Fatalf("accepted, want %q", tc.want)
			case !strings.Contains(err.Error(), tc.want):
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			if !errors.Is(err, mail.ErrInvalidConfig) {
				t.Errorf("error %v is not ErrInvalidConfig", err)
			}
			if strings.Contains(err.Error(), testPassword) {
				t.Errorf("error contains the password: %v", err)
			}
		})
	}
}
