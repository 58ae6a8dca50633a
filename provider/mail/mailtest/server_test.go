package mailtest_test

import (
	"crypto/tls"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/otpgate/otpgate/provider/mail/mailtest"
)

// send runs one conversation with go-smtp's own client, independent of the
// code under test elsewhere.
func send(t *testing.T, s *mailtest.Server, tlsConfig *tls.Config, auth sasl.Client, data string) error {
	t.Helper()
	host, port := s.Addr()
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	var (
		c   *smtp.Client
		err error
	)
	if tlsConfig != nil {
		c, err = smtp.DialStartTLS(addr, tlsConfig)
	} else {
		c, err = smtp.Dial(addr)
	}
	if err != nil {
		return err
	}
	defer c.Close()
	if auth != nil {
		if err := c.Auth(auth); err != nil {
			return err
		}
	}
	return c.SendMail("sender@example.com", []string{"Rcpt@Example.com"}, strings.NewReader(data))
}

func TestConversationWithSTARTTLSAndAuth(t *testing.T) {
	s := mailtest.Start(t, mailtest.WithSTARTTLS(), mailtest.WithAuth("user", "pass"))
	roots := &tls.Config{RootCAs: s.RootCAs(), ServerName: "127.0.0.1"}
	data := "From: sender@example.com\r\nTo: rcpt@example.com\r\n" +
		"Subject: =?UTF-8?B?44OH44OQ44Kk44K5?=\r\nContent-Type: text/plain; charset=UTF-8\r\n" +
		"Content-Transfer-Encoding: quoted-printable\r\n\r\nline one=\r\n continued\r\n=E3=83=87\r\n"

	if err := send(t, s, roots, nil, data); err == nil || !strings.Contains(err.Error(), "authenticate") {
		t.Errorf("mail without AUTH: got %v, want an authentication error", err)
	}
	if err := send(t, s, roots, sasl.NewPlainClient("", "user", "wrong"), data); err == nil {
		t.Error("wrong password accepted")
	}
	if err := send(t, s, roots, sasl.NewPlainClient("", "user", "pass"), data); err != nil {
		t.Fatal(err)
	}

	got := s.WaitFor(t, "rcpt@example.com", time.Second)
	if got.From != "sender@example.com" || got.Username != "user" || !got.TLS {
		t.Errorf("envelope = %q, user %q, TLS %v", got.From, got.Username, got.TLS)
	}
	if got.Subject != "デバイス" || got.Text != "line one continued\nデ\n" {
		t.Errorf("subject %q, text %q", got.Subject, got.Text)
	}
	if n := len(s.Messages()); n != 1 {
		t.Errorf("%d messages stored, want 1", n)
	}
}

func TestDecodesBase64AndMultipart(t *testing.T) {
	s := mailtest.Start(t)
	for _, data := range []string{
		"Subject: plain\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
			"aGVsbG8g44GT44KT\r\n44Gr44Gh44Gv\r\n",
		"Subject: multi\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n" +
			"--b\r\nContent-Type: text/html\r\n\r\n<p>no</p>\r\n" +
			"--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
			"aGVsbG8g44GT44KT44Gr44Gh44Gv\r\n--b--\r\n",
	} {
		if err := send(t, s, nil, nil, data); err != nil {
			t.Fatal(err)
		}
	}
	msgs := s.Messages()
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want 2", len(msgs))
	}
	for _, m := range msgs {
		if m.Text != "hello こんにちは" || m.TLS {
			t.Errorf("%s: text %q, TLS %v", m.Subject, m.Text, m.TLS)
		}
	}
}
