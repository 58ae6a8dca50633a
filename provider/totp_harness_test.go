package provider_test

import (
	"context"
	"testing"

	"github.com/otpgate/otpgate/internal/testkit/fixtures"
	"github.com/otpgate/otpgate/provider/store"
)

// passcode computes the code an authenticator app shows at the store's time.
func (h *harness) passcode(t testing.TB, secret []byte) string {
	t.Helper()
	code, err := fixtures.Passcode(secret, h.store.Now(), 0)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// toSecondFactor walks password and question and returns the next page.
func (b *browser) toSecondFactor(authURL, username, password, answer string) *page {
	b.t.Helper()
	p := b.get(authURL)
	p = b.submit(p, map[string]string{"username": username, "password": password})
	return b.submit(p, map[string]string{"answer": answer})
}

// enroll completes the enroll and recovery-codes steps from the enroll
// page and returns the final page and the device secret.
func (h *harness) enroll(b *browser, p *page) (*page, []byte) {
	b.t.Helper()
	p, secret, _ := h.enrollWithCodes(b, p)
	return p, secret
}

// enrollWithCodes is enroll that also returns the recovery codes shown.
func (h *harness) enrollWithCodes(b *browser, p *page) (*page, []byte, []string) {
	b.t.Helper()
	e, err := fixtures.Enroll(b.Browser, p.Page, h.store.Now())
	if err != nil {
		b.t.Fatal(err)
	}
	return &page{e.Page}, e.Secret, e.Codes
}

// requireMFA marks a user as needing two-factor sign-in.
func (h *harness) requireMFA(u *store.User) {
	h.t.Helper()
	if err := h.store.SetUserRequireMFA(context.Background(), u.ID, true); err != nil {
		h.t.Fatal(err)
	}
}

// New credentials erin chooses after an administrator's reset.
const (
	erinNewPW     = "wharf-staple-lantern-2"
	erinNewAnswer = "a new answer"
)

// setNewCredentials fills the setup page that follows an administrator's
// reset (a new password and a new answer) and returns the next page.
func (h *harness) setNewCredentials(b *browser, p *page) *page {
	b.t.Helper()
	if p.Step() != "setup" {
		b.t.Fatalf("step %q, want setup (status %d, alert %q)", p.Step(), p.Status, p.Alert())
	}
	return b.submit(p, map[string]string{"new_password": erinNewPW, "new_password_confirm": erinNewPW,
		"question": "first_pet", "answer": erinNewAnswer, "answer_confirm": erinNewAnswer})
}
