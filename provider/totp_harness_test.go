package provider_test

import (
	"context"
	"encoding/base32"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/otpgate/otpgate/mfa"
	"github.com/otpgate/otpgate/provider/store"
)

// shiftClock is real time plus an offset the test moves forward, so a
// test can reach the next TOTP step without sleeping.
type shiftClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *shiftClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().UTC().Add(c.offset)
}

// nextStep moves the clock into the next TOTP step.
func (c *shiftClock) nextStep() {
	c.mu.Lock()
	c.offset += 30 * time.Second
	c.mu.Unlock()
}

// useShiftClock installs a shift clock on the harness's store.
func (h *harness) useShiftClock() *shiftClock {
	c := &shiftClock{}
	h.store.Clock = c.Now
	return c
}

// text is the text content of the element with the given id.
func (p *page) text(id string) string {
	n := find(p.doc, func(n *html.Node) bool { return attr(n, "id") == id })
	if n == nil {
		return ""
	}
	var sb strings.Builder
	walk(n, func(c *html.Node) {
		if c.Type == html.TextNode {
			sb.WriteString(c.Data)
		}
	})
	return strings.TrimSpace(sb.String())
}

// setupSecret reads the setup key shown on the enroll page, as a person
// typing it into an app would.
func (p *page) setupSecret(t testing.TB) []byte {
	t.Helper()
	key := strings.ReplaceAll(p.text("setup-key"), " ", "")
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(key)
	if err != nil || len(secret) != mfa.SecretSize {
		t.Fatalf("setup key %q: %v", key, err)
	}
	return secret
}

// passcode computes the code an authenticator app shows at the store's time.
func (h *harness) passcode(t testing.TB, secret []byte) string {
	t.Helper()
	code, err := mfa.Default.Code(secret, mfa.Default.Step(h.store.Now()))
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
	if p.step() != "enroll" {
		b.t.Fatalf("step %q, want enroll (status %d, alert %q)", p.step(), p.status, p.alert())
	}
	secret := p.setupSecret(b.t)
	p = b.submit(p, map[string]string{"app": "google-authenticator", "code": h.passcode(b.t, secret)})
	if p.step() != "recovery-codes" {
		b.t.Fatalf("after verifying: step %q (alert %q)", p.step(), p.alert())
	}
	codes := strings.Fields(p.text("recovery-codes"))
	return b.submit(p, nil), secret, codes
}

// requireMFA marks a user as needing two-factor sign-in.
func (h *harness) requireMFA(u *store.User) {
	h.t.Helper()
	if err := h.store.SetUserRequireMFA(context.Background(), u.ID, true); err != nil {
		h.t.Fatal(err)
	}
}
