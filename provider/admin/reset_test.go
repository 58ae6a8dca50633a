package admin_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/otpgate/otpgate/mfa"
	"github.com/otpgate/otpgate/provider/admin"
	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/mail"
	"github.com/otpgate/otpgate/provider/mail/mailtest"
	"github.com/otpgate/otpgate/provider/store"
)

var codePattern = regexp.MustCompile(`^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$`)

// TestResetDevice: a reset strips the device, clears the passcode lock,
// revokes sessions and tokens, voids unexchanged codes and unused links,
// stores only the code's hash, audits without the code, and mails a link.
func TestResetDevice(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		u := e.addUser("judy", "judy@example.com")
		other := e.addUser("kim", "")
		live := e.signIn(u)
		kim := e.signIn(other)
		for range 5 {
			if _, err := e.store.RecordOTPFailure(e.ctx(), u.ID, 5); err != nil {
				t.Fatal(err)
			}
		}
		res, err := e.svc.ResetDevice(e.ctx(), actor, "JUDY", 48*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if !codePattern.MatchString(res.EnrollmentCode) || !res.HadDevice || !res.Mailed {
			t.Errorf("ResetResult %+v", res)
		}
		got := e.user(u.ID)
		if ok, _ := e.hasher.Verify(mfa.NormalizeRecoveryCode(res.EnrollmentCode), got.ProofHash); !ok {
			t.Error("the stored proof hash does not verify the returned code")
		}
		if got.ProofExpiresAt == nil || !got.ProofExpiresAt.Equal(res.ValidUntil) ||
			res.ValidUntil.Sub(epoch) < 48*time.Hour || res.ValidUntil.Sub(epoch) > 48*time.Hour+time.Minute {
			t.Errorf("valid until %v, stored %v; want 48h from now", res.ValidUntil, got.ProofExpiresAt)
		}
		if got.OTPLocked || got.OTPFailures != 0 {
			t.Errorf("passcode lock not cleared: %+v", got)
		}
		live.wantRevoked(t, e)
		live.wantVoided(t, e)
		kim.wantLive(t, e)

		ev := e.lastEvent()
		want := "device and recovery codes removed; passcode lock cleared; sessions and tokens revoked; " +
			"enrollment code issued, valid until " + res.ValidUntil.UTC().Format(time.RFC3339)
		if ev.Event != store.EventAdminResetOTP || ev.UserID != u.ID || ev.Detail != want {
			t.Errorf("audit event %+v, want detail %q", ev, want)
		}
		e.wantNoSecret(res.EnrollmentCode, mfa.NormalizeRecoveryCode(res.EnrollmentCode), got.ProofHash)

		// The mailed link is a single-use proof link of this user.
		sent := e.mail.messages()
		if len(sent) != 1 || sent[0].To != "judy@example.com" {
			t.Fatalf("mails %v, want one to judy", sent)
		}
		token := linkToken(t, sent[0].Text)
		lt, err := e.store.PeekLinkToken(e.ctx(), credential.HashToken(token), store.LinkProof)
		if err != nil || lt.UserID != u.ID || !lt.ExpiresAt.Equal(res.ValidUntil) {
			t.Errorf("link token %+v, %v", lt, err)
		}
		if strings.Contains(sent[0].Text, res.EnrollmentCode) {
			t.Error("the mail carries the enrollment code itself")
		}

		// A second reset: no device any more, a new code replaces the first.
		res2, err := e.svc.ResetDevice(e.ctx(), actor, "judy", admin.DefaultProofLifetime)
		if err != nil {
			t.Fatal(err)
		}
		if res2.HadDevice || res2.EnrollmentCode == res.EnrollmentCode {
			t.Errorf("second reset %+v", res2)
		}
		if ev := e.lastEvent(); !strings.HasPrefix(ev.Detail, "no device was enrolled; sessions and tokens revoked; ") {
			t.Errorf("second reset detail %q", ev.Detail)
		}
		if ok, _ := e.hasher.Verify(mfa.NormalizeRecoveryCode(res.EnrollmentCode), e.user(u.ID).ProofHash); ok {
			t.Error("the first code still verifies after a second reset")
		}
	})
}

// linkToken returns the token of the /login/proof link in a mail body.
func linkToken(t *testing.T, text string) string {
	t.Helper()
	m := regexp.MustCompile(`https://id\.example/login/proof\?\S+`).FindString(text)
	u, err := url.Parse(m)
	if m == "" || err != nil || u.Query().Get("token") == "" {
		t.Fatalf("no proof link in %q", text)
	}
	return u.Query().Get("token")
}

func TestResetDeviceRefuses(t *testing.T) {
	e := newEnv(t, openSQLite(t), nil)
	e.addUser("lee", "lee@example.com")
	for _, d := range []time.Duration{0, -time.Hour, 30 * time.Second, 721 * time.Hour} {
		_, err := e.svc.ResetDevice(e.ctx(), actor, "lee", d)
		var ie *admin.InputError
		if !errors.As(err, &ie) || ie.Field != "proof-lifetime" {
			t.Errorf("lifetime %v: %v, want an input error", d, err)
		}
	}
	if _, err := e.svc.ResetDevice(e.ctx(), actor, "ghost", time.Hour); !errors.Is(err, admin.ErrUserNotFound) {
		t.Errorf("unknown user: %v", err)
	}
	u, _ := e.store.UserByUsername(e.ctx(), "lee")
	if u.ProofHash != "" || len(e.events()) != 1 || len(e.mail.messages()) != 0 {
		t.Error("a refused reset stored a code, wrote an event or sent mail")
	}
}

// TestResetDeviceMail: no address or mail off means no mail; a failed
// send leaves the reset made, audited, and its code valid.
func TestResetDeviceMail(t *testing.T) {
	e := newEnv(t, openSQLite(t), nil)
	e.addUser("noaddr", "")
	if res, err := e.svc.ResetDevice(e.ctx(), actor, "noaddr", time.Hour); err != nil || res.Mailed || len(e.mail.messages()) != 0 {
		t.Errorf("reset of a user without address: %+v, %v, %d mails", res, err, len(e.mail.messages()))
	}

	u := e.addUser("mailfail", "mailfail@example.com")
	e.mail.err = errors.New("smtp: 451 try later")
	res, err := e.svc.ResetDevice(e.ctx(), actor, "mailfail", time.Hour)
	var me *admin.MailError
	if !errors.Is(err, admin.ErrNotNotified) || !errors.As(err, &me) || res == nil || res.Mailed {
		t.Fatalf("reset with failing mail: %+v, %v", res, err)
	}
	if ok, _ := e.hasher.Verify(mfa.NormalizeRecoveryCode(res.EnrollmentCode), e.user(u.ID).ProofHash); !ok {
		t.Error("the code of a reset whose mail failed is not valid")
	}
	if ev := e.lastEvent(); ev.Event != store.EventAdminResetOTP || ev.UserID != u.ID {
		t.Errorf("reset whose mail failed not audited: %+v", ev)
	}

	off, err := admin.New(admin.Options{Store: e.store, Hasher: e.hasher, Sealer: e.sealer, Random: rand.Reader, MinPasswordLength: 12})
	if err != nil {
		t.Fatal(err)
	}
	e.addUser("mailoff", "mailoff@example.com")
	if res, err := off.ResetDevice(e.ctx(), actor, "mailoff", time.Hour); err != nil || res.Mailed {
		t.Errorf("reset with mail off: %+v, %v", res, err)
	}
}

// TestResetDeviceOverSMTP sends the link through a real SMTP conversation.
func TestResetDeviceOverSMTP(t *testing.T) {
	srv := mailtest.Start(t)
	host, port := srv.Addr()
	sender, err := mail.NewSMTP(mail.SMTPConfig{Host: host, Port: port, Security: mail.SecurityNone, From: "otpgate <login@id.example>"})
	if err != nil {
		t.Fatal(err)
	}
	st := openSQLite(t)
	e := newEnv(t, st, nil)
	svc, err := admin.New(admin.Options{Store: st, Hasher: e.hasher, Sealer: e.sealer, Random: rand.Reader, Mail: sender,
		Issuer: "https://id.example", MinPasswordLength: 12})
	if err != nil {
		t.Fatal(err)
	}
	u := e.addUser("smtp", "smtp@example.com")
	res, err := svc.ResetDevice(e.ctx(), actor, "smtp", time.Hour)
	if err != nil || !res.Mailed {
		t.Fatalf("reset: %+v, %v", res, err)
	}
	m := srv.WaitFor(t, "smtp@example.com", 5*time.Second)
	token := linkToken(t, m.Text)
	if lt, err := st.PeekLinkToken(e.ctx(), credential.HashToken(token), store.LinkProof); err != nil || lt.UserID != u.ID {
		t.Errorf("mailed link token: %+v, %v", lt, err)
	}
	if strings.Contains(m.Text, res.EnrollmentCode) {
		t.Error("the mail carries the enrollment code")
	}
}

// TestResetCodeNeverLogged: with development mail (a LogSender, which logs
// whole mails), the enrollment code reaches neither the log nor the audit.
func TestResetCodeNeverLogged(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	st := openSQLite(t)
	e := newEnv(t, st, nil)
	svc, err := admin.New(admin.Options{Store: st, Hasher: e.hasher, Sealer: e.sealer, Random: rand.Reader, Mail: &mail.LogSender{Log: log},
		Issuer: "https://id.example", MinPasswordLength: 12})
	if err != nil {
		t.Fatal(err)
	}
	e.addUser("quiet", "quiet@example.com")
	res, err := svc.ResetDevice(e.ctx(), actor, "quiet", time.Hour)
	if err != nil || !res.Mailed {
		t.Fatalf("reset: %+v, %v", res, err)
	}
	if logs.Len() == 0 {
		t.Fatal("the development mail was not logged: the test proves nothing")
	}
	code := res.EnrollmentCode
	for _, s := range []string{code, mfa.NormalizeRecoveryCode(code), strings.ToUpper(code)} {
		if strings.Contains(logs.String(), s) {
			t.Errorf("the log holds the enrollment code %q", s)
		}
	}
	e.wantNoSecret(code, mfa.NormalizeRecoveryCode(code), e.user(res.User.ID).ProofHash)
}

// TestIssueEnrollmentCode: the code of a first enrollment is returned
// once, stored as a hash that renews nothing, audited without the code,
// and mailed as a single-use link; an account with a device gets none.
func TestIssueEnrollmentCode(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		u := e.addUser("vera", "vera@example.com")
		res, err := e.svc.IssueEnrollmentCode(e.ctx(), actor, "VERA", 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if !codePattern.MatchString(res.EnrollmentCode) || res.HadDevice || !res.Mailed {
			t.Errorf("result %+v", res)
		}
		got := e.user(u.ID)
		if ok, _ := e.hasher.Verify(mfa.NormalizeRecoveryCode(res.EnrollmentCode), got.ProofHash); !ok || got.ProofRenews {
			t.Errorf("stored proof: verifies %v, renews %v", ok, got.ProofRenews)
		}
		ev := e.lastEvent()
		if ev.Event != store.EventAdminUser || ev.UserID != u.ID ||
			ev.Detail != "enrollment code issued, valid until "+res.ValidUntil.UTC().Format(time.RFC3339) {
			t.Errorf("audit event %+v", ev)
		}
		e.wantNoSecret(res.EnrollmentCode, mfa.NormalizeRecoveryCode(res.EnrollmentCode), got.ProofHash)
		sent := e.mail.messages()
		if len(sent) != 1 || sent[0].To != "vera@example.com" || !strings.Contains(sent[0].Text, "set up two-factor authentication") {
			t.Fatalf("mails %v", sent)
		}
		token := linkToken(t, sent[0].Text)
		if _, err := e.store.PeekLinkToken(e.ctx(), credential.HashToken(token), store.LinkProof); err != nil {
			t.Errorf("mailed link: %v", err)
		}

		w := e.addUser("walt", "")
		e.signIn(w) // enrols a device
		if _, err := e.svc.IssueEnrollmentCode(e.ctx(), actor, "walt", time.Hour); !errors.Is(err, admin.ErrHasDevice) {
			t.Errorf("a code for an account with a device: %v", err)
		}
		if _, err := e.svc.IssueEnrollmentCode(e.ctx(), actor, "ghost", time.Hour); !errors.Is(err, admin.ErrUserNotFound) {
			t.Errorf("a code for nobody: %v", err)
		}
		if _, err := e.svc.IssueEnrollmentCode(e.ctx(), actor, "vera", 10*time.Second); err == nil {
			t.Error("a code valid for 10 seconds was issued")
		}
	})
}
