package provider_test

import (
	"context"
	"crypto/rand"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/otpgate/otpgate/internal/testkit/slapd"
	"github.com/otpgate/otpgate/provider"
	"github.com/otpgate/otpgate/provider/admin"
	"github.com/otpgate/otpgate/provider/connector"
	"github.com/otpgate/otpgate/provider/store"
)

// withAdmin gives the provider its admin service, which the portal (the
// console and the account page) needs.
func withAdmin(t *testing.T) func(*provider.Options) {
	return func(o *provider.Options) {
		svc, err := admin.New(admin.Options{Store: o.Store, Hasher: o.Hasher, Sealer: o.Sealer, Random: rand.Reader, Issuer: o.Issuer})
		if err != nil {
			t.Fatal(err)
		}
		o.Admin = svc
	}
}

// accountFailures counts the account page's refused current passwords of
// a user in the audit log.
func accountFailures(t *testing.T, h *harness, userID string) int {
	t.Helper()
	events, err := h.store.AuditEvents(context.Background(), store.AuditQuery{UserID: userID, Events: []string{store.EventSignInFailed}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range events {
		if strings.Contains(e.Detail, "account page") {
			n++
		}
	}
	return n
}

// TestAccountUpstreamPassword: an account an upstream provider signs in
// has no otpgate password and answers no question. The account page says
// where the password is changed and offers no form; a forged change is
// refused before any password is checked, so it spends none of the
// sign-in's budget and can never give the account a second password.
func TestAccountUpstreamPassword(t *testing.T) {
	h := upstreamHarness(t, connector.MFATrust{}, withAdmin(t))
	b := newBrowser(t)
	p := b.viaUpstream(b.get(h.issuer+"/account"), "mia", miaPassword)
	p, secret := h.enroll(b, p)
	if p.Step() != "account" {
		t.Fatalf("after enrolment: step %q", p.Step())
	}
	if got := p.Text("password-elsewhere"); !strings.Contains(got, "Upstream SSO") || p.Text("change-password") != "" || p.Text("question") != "" {
		t.Fatalf("overview: elsewhere %q\n%s", got, p.Body)
	}
	p = b.get(h.issuer + "/account/password")
	if p.Step() != "account-password" || !strings.Contains(p.Text("password-elsewhere"), "Upstream SSO") || strings.Contains(p.Body, `name="new_password"`) {
		t.Fatalf("password page:\n%s", p.Body)
	}
	mia, err := h.store.UserByLink(context.Background(), connector.LinkProvider("up"), "mia-sub")
	if err != nil {
		t.Fatal(err)
	}
	sessions := b.get(h.issuer + "/account/sessions")
	for range 2 * h.loginAttempts() {
		h.clock.Advance(31 * time.Second)
		p = b.postForm(sessions, "/account/password", map[string]string{"current_password": "guess", "code": h.passcode(t, secret),
			"new_password": "a-brand-new-password-9", "new_password_confirm": "a-brand-new-password-9"})
		if p.Status != http.StatusForbidden || !strings.Contains(p.Alert(), "not kept here") {
			t.Fatalf("a forged password change: status %d alert %q", p.Status, p.Alert())
		}
	}
	p = b.postForm(sessions, "/account/question", map[string]string{"current_password": "guess", "code": h.passcode(t, secret),
		"question": "first_pet", "answer": "tom", "answer_confirm": "tom"})
	if p.Status != http.StatusForbidden || !strings.Contains(p.Alert(), "does not ask a security question") {
		t.Fatalf("a forged question change: status %d alert %q", p.Status, p.Alert())
	}
	after, _ := h.store.UserByUsername(context.Background(), mia.Username)
	if after.PasswordHash != "" || after.AnswerHash != "" || after.LoginFailures != 0 || accountFailures(t, h, mia.ID) != 0 {
		t.Fatalf("after the forged changes: password %q answer %q failures %d", after.PasswordHash, after.AnswerHash, after.LoginFailures)
	}
	// The upstream still signs mia in.
	b2 := newBrowser(t)
	h.clock.Advance(31 * time.Second)
	if p = b.get(h.issuer + "/account"); p.Step() != "account" {
		t.Fatalf("mia's session after the forged changes: step %q", p.Step())
	}
	p = b2.viaUpstream(b2.get(h.issuer+"/account"), "mia", miaPassword)
	if p = b2.submit(p, map[string]string{"code": h.passcode(t, secret)}); p.Step() != "account" {
		t.Fatalf("mia's next sign-in: step %q alert %q", p.Step(), p.Alert())
	}
}

// TestAccountDirectoryQuestion: a directory account's password is the
// directory's: the account page says so and offers no password form, and
// its security question (directory users answer one here) is changed
// with the directory's current password and a passcode. A wrong directory
// password counts on the sign-in's budget like a wrong password.
func TestAccountDirectoryQuestion(t *testing.T) {
	h, _ := directoryHarness(t, func(o *provider.Options) { o.DirectoryQuestion = true }, withAdmin(t))
	ctx := context.Background()
	b := newBrowser(t)
	p := b.submit(b.get(h.issuer+"/account"), map[string]string{"username": "alice", "password": slapd.AlicePassword})
	p = b.submit(p, map[string]string{"question": "first_pet", "answer": "Rex", "answer_confirm": "rex"})
	alice, _ := h.store.UserByUsername(ctx, "alice")
	h.requireMFA(alice)
	if p.Step() != "question" {
		t.Fatalf("after setup: step %q alert %q", p.Step(), p.Alert())
	}
	p = b.submit(p, map[string]string{"answer": "rex"})
	p, secret := h.enroll(b, p)
	if p.Step() != "account" {
		t.Fatalf("after enrolment: step %q alert %q", p.Step(), p.Alert())
	}
	if got := p.Text("password-elsewhere"); !strings.Contains(got, "Corporate directory") || p.Text("change-question") == "" {
		t.Fatalf("overview: elsewhere %q\n%s", got, p.Body)
	}
	p = b.get(h.issuer + "/account/question")
	if !strings.Contains(p.Body, "Current Corporate directory password") || !formHas(t, p, "answer") {
		t.Fatalf("question page:\n%s", p.Body)
	}
	h.clock.Advance(31 * time.Second)
	bad := b.submit(p, map[string]string{"current_password": "not-alices", "code": h.passcode(t, secret),
		"question": "first_pet", "answer": "tom", "answer_confirm": "tom"})
	if bad.Status != http.StatusUnauthorized || !strings.Contains(bad.Alert(), "current password is not correct") || accountFailures(t, h, alice.ID) != 1 {
		t.Fatalf("a wrong directory password: status %d alert %q, %d failures audited", bad.Status, bad.Alert(), accountFailures(t, h, alice.ID))
	}
	before, _ := h.store.UserByUsername(ctx, "alice")
	p = b.submit(p, map[string]string{"current_password": slapd.AlicePassword, "code": h.passcode(t, secret),
		"question": "first_pet", "answer": "tom", "answer_confirm": "tom"})
	if p.Step() != "account" {
		t.Fatalf("the question change: step %q status %d alert %q", p.Step(), p.Status, p.Alert())
	}
	after, _ := h.store.UserByUsername(ctx, "alice")
	if after.AnswerHash == before.AnswerHash || after.PasswordHash != "" {
		t.Fatalf("the answer did not change, or a password appeared: %q", after.PasswordHash)
	}
	// The password form is refused outright.
	h.clock.Advance(31 * time.Second)
	p = b.postForm(b.get(h.issuer+"/account/sessions"), "/account/password", map[string]string{"current_password": slapd.AlicePassword,
		"code": h.passcode(t, secret), "new_password": "a-brand-new-password-9", "new_password_confirm": "a-brand-new-password-9"})
	if p.Status != http.StatusForbidden {
		t.Fatalf("a password change of a directory account: status %d alert %q", p.Status, p.Alert())
	}
	// The new answer signs alice in.
	b2 := newBrowser(t)
	p = b2.submit(b2.get(h.issuer+"/account"), map[string]string{"username": "alice", "password": slapd.AlicePassword})
	if p = b2.submit(p, map[string]string{"answer": "Tom"}); p.Step() != "otp" {
		t.Fatalf("the new answer: step %q alert %q", p.Step(), p.Alert())
	}
}
