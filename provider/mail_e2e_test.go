package provider_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/client/rp"

	"github.com/otpgate/otpgate/provider"
	"github.com/otpgate/otpgate/provider/mail"
	"github.com/otpgate/otpgate/provider/mail/mailtest"
)

// smtpNotifier starts a real SMTP server (STARTTLS and AUTH) for the test
// and returns it with a notifier that talks to it.
func smtpNotifier(t *testing.T) (*mailtest.Server, provider.MailNotifier) {
	t.Helper()
	srv := mailtest.Start(t, mailtest.WithSTARTTLS(), mailtest.WithAuth("otpgate", "smtp-password"))
	host, port := srv.Addr()
	sender, err := mail.NewSMTP(mail.SMTPConfig{Host: host, Port: port, Security: mail.SecurityStartTLS,
		Username: "otpgate", Password: "smtp-password", From: "otpgate <login@example.com>",
		RootCAs: srv.RootCAs(), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return srv, provider.MailNotifier{Sender: sender, Now: time.Now}
}

// waitForMail waits for a mail whose text contains want.
func waitForMail(t *testing.T, srv *mailtest.Server, want string) mailtest.Received {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		for _, m := range srv.Messages() {
			if strings.Contains(m.Text, want) {
				return m
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no mail containing %q among %d", want, len(srv.Messages()))
	return mailtest.Received{}
}

var linkPattern = regexp.MustCompile(`https?://\S+/login/reset/link\?token=[A-Za-z0-9_-]+`)

// TestLostDeviceLinkThroughSMTP: the reset link travels through a real
// SMTP conversation; the person opens it from the mail, enrols a new
// device, and is told about the reset and the new device.
func TestLostDeviceLinkThroughSMTP(t *testing.T) {
	t.Parallel()
	srv, notifier := smtpNotifier(t)
	h, _, _ := enrolled(t, func(o *provider.Options) { o.Notifier = notifier })
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	b := newBrowser(t)
	p := lostDevice(t, h, b, app, nonce)
	if p = b.postForm(p, "/login/reset/email", nil); p.Step() != "reset" || p.Status != 200 {
		t.Fatalf("asking for a link: step %q status %d", p.Step(), p.Status)
	}
	msg := waitForMail(t, srv, "/login/reset/link?token=")
	if !msg.TLS || msg.Username != "otpgate" || msg.To[0] != "erin@example.com" {
		t.Fatalf("mail not sent over authenticated TLS: tls %v user %q", msg.TLS, msg.Username)
	}
	link := linkPattern.FindString(msg.Text)
	if link == "" || !strings.HasPrefix(link, h.issuer+"/") {
		t.Fatalf("no reset link built from the issuer in the mail:\n%s", msg.Text)
	}
	p, _ = h.enroll(b, b.get(link))
	exchange(t, app, p)
	subjects := []string{}
	deadline := time.Now().Add(5 * time.Second)
	for len(srv.Messages()) < 4 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	for _, m := range srv.Messages() {
		subjects = append(subjects, m.Subject)
	}
	if len(subjects) != 4 {
		t.Fatalf("mails: %q, want the first enrollment notice, the link, the reset notice and the new-device notice", subjects)
	}
}

// TestLockoutMailThroughSMTP: the account-locked notice is mailed.
func TestLockoutMailThroughSMTP(t *testing.T) {
	t.Parallel()
	srv, notifier := smtpNotifier(t)
	h, _, secret := enrolled(t, func(o *provider.Options) { o.Notifier = notifier })
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	b := newBrowser(t)
	p := b.toSecondFactor(authURL(app, nonce, ""), "erin", erinPW, "rex")
	for range 5 {
		p = b.submit(p, map[string]string{"code": h.wrongCode(t, secret)})
	}
	if p.Step() != "locked" {
		t.Fatalf("step %q", p.Step())
	}
	waitForMail(t, srv, "locked")
}

// TestResetMailFloodThroughSMTP: asking again and again for a reset link
// mails at most three an hour (the default), says so on the page, and
// leaves only the newest link working; the account is not locked by it.
func TestResetMailFloodThroughSMTP(t *testing.T) {
	t.Parallel()
	srv, notifier := smtpNotifier(t)
	h, _, _ := enrolled(t, func(o *provider.Options) { o.Notifier = notifier })
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	b := newBrowser(t)
	p := lostDevice(t, h, b, app, nonce)
	for i := 1; i <= 5; i++ {
		q := b.postForm(p, "/login/reset/email", nil)
		limited := i > 3
		if q.Step() != "reset" || (q.Status == http.StatusTooManyRequests) != limited ||
			strings.Contains(q.Alert(), "reset links were already sent") != limited {
			t.Fatalf("request %d: step %q status %d alert %q", i, q.Step(), q.Status, q.Alert())
		}
		h.clock.Advance(time.Minute)
	}
	var links []string
	for _, m := range srv.Messages() {
		if l := linkPattern.FindString(m.Text); l != "" {
			links = append(links, l)
		}
	}
	if len(links) != 3 {
		t.Fatalf("%d reset links mailed, want 3", len(links))
	}
	for _, old := range links[:2] {
		if q := b.get(old); q.Step() != "error" || q.Status != http.StatusBadRequest {
			t.Fatalf("an older link still works: step %q status %d", q.Step(), q.Status)
		}
	}
	if q := b.get(links[2]); q.Step() != "enroll" {
		t.Fatalf("the newest link: step %q status %d alert %q", q.Step(), q.Status, q.Alert())
	}
	u, err := h.store.UserByUsername(context.Background(), "erin")
	if err != nil || u.OTPLocked || u.OTPFailures != 0 || u.LoginLockedUntil != 0 {
		t.Fatalf("the mail limit locked or counted: %+v %v", u, err)
	}
}

// TestMailsInThePersonsLanguage: a sign-in's mails are written in the
// language of its pages, with times in the configured zone; a finished
// sign-in records its language on the account, and the mails that come
// later (outside any sign-in) are written in it. The new-device notice
// names the app as the person chose it from the list.
func TestMailsInThePersonsLanguage(t *testing.T) {
	t.Parallel()
	srv, notifier := smtpNotifier(t)
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	notifier.Locale.Zone = tokyo
	h, clock, secret := enrolled(t, func(o *provider.Options) { o.Notifier = notifier })
	ctx := context.Background()
	enrolledMail := waitForMail(t, srv, "Google Authenticator")
	if strings.Contains(enrolledMail.Text, "google-authenticator") || strings.Contains(enrolledMail.Subject, " / ") {
		t.Fatalf("new-device notice: %q\n%s", enrolledMail.Subject, enrolledMail.Text)
	}
	if u, _ := h.store.UserByUsername(ctx, "erin"); u.Lang != "en" {
		t.Fatalf("language after an English sign-in: %q", u.Lang)
	}

	// A sign-in in Japanese: recorded on the account when it finishes.
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	ja := rp.WithURLParam("ui_locales", "ja")
	jb := newBrowser(t)
	p := jb.toSecondFactor(authURL(app, nonce, "", ja), "erin", erinPW, "rex")
	exchange(t, app, jb.submit(p, map[string]string{"code": h.passcode(t, secret)}))
	clock.NextTOTPStep()
	u, err := h.store.UserByUsername(ctx, "erin")
	if err != nil || u.Lang != "ja" {
		t.Fatalf("language after a Japanese sign-in: %q (%v)", u.Lang, err)
	}
	// Outside any sign-in, the account's language and the zone.
	if err := notifier.DeviceReset(ctx, u); err != nil {
		t.Fatal(err)
	}
	m := waitForMail(t, srv, "認証デバイスがリセットされました")
	if m.Subject != "otpgate: デバイスがリセットされました" || strings.Contains(m.Text, "authenticator device") ||
		!strings.Contains(m.Text, "（JST）") || strings.Contains(m.Text, "UTC") {
		t.Fatalf("device-reset notice to a Japanese reader: %q\n%s", m.Subject, m.Text)
	}

	// A sign-in in English that locks the account: the notice is English.
	b := newBrowser(t)
	p = b.toSecondFactor(authURL(app, nonce, ""), "erin", erinPW, "rex")
	for range 5 {
		p = b.submit(p, map[string]string{"code": h.wrongCode(t, secret)})
	}
	m = waitForMail(t, srv, "was locked at")
	if m.Subject != "otpgate: account locked" || hasKana(m.Text) || !strings.Contains(m.Text, " JST") {
		t.Fatalf("lock notice of an English sign-in: %q\n%s", m.Subject, m.Text)
	}
}

func hasKana(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r >= 0x3040 && r <= 0x30ff })
}
