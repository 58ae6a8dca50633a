package signin_test

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/store"
)

// clock is a settable time source shared by the service and the store.
// It never follows real time: tests move it by whole TOTP steps or by the
// lifetimes they test.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

// Now returns the frozen time.
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock by d.
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// steps moves the clock by n whole TOTP steps.
func (c *clock) steps(n int) { c.Advance(time.Duration(n) * 30 * time.Second) }

// seededReader is a deterministic random source, safe for concurrent use.
type seededReader struct {
	mu sync.Mutex
	r  *rand.ChaCha8
}

func seeded(seed byte) io.Reader { return &seededReader{r: rand.NewChaCha8([32]byte{seed})} }

func (s *seededReader) Read(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.r.Read(p)
}

// recorder is an Events sink that keeps what it is sent.
type recorder struct {
	mu      sync.Mutex
	events  []signin.Event
	secrets []string
}

// Record implements signin.Events.
func (r *recorder) Record(_ context.Context, e signin.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

// secret registers values that no event detail may contain.
func (r *recorder) secret(vs ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secrets = append(r.secrets, vs...)
}

// named returns the events called name, in order.
func (r *recorder) named(name string) []signin.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []signin.Event
	for _, e := range r.events {
		if e.Name == name {
			out = append(out, e)
		}
	}
	return out
}

// names lists every event name, in order.
func (r *recorder) names() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, len(r.events))
	for i, e := range r.events {
		out[i] = e.Name
	}
	return out
}

// reset forgets the events so far.
func (r *recorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = nil
}

// noSecrets fails t if any event detail contains a registered secret (or
// its form without separators, case-folded).
func (r *recorder) noSecrets(t *testing.T) {
	t.Helper()
	for _, leak := range r.leaks() {
		t.Errorf("event detail leaks a secret: %s", leak)
	}
}

// leaks lists the events whose detail, app or address holds a secret.
func (r *recorder) leaks() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		detail := strings.ToLower(e.Detail + " " + e.App + " " + e.IP)
		for _, s := range r.secrets {
			plain := strings.ToLower(strings.ReplaceAll(s, "-", ""))
			if s != "" && (strings.Contains(detail, strings.ToLower(s)) || strings.Contains(detail, plain)) {
				out = append(out, e.Name+": "+e.Detail)
			}
		}
	}
	return out
}

// TestRecorderFindsLeaks: the secret check every test ends with sees a
// secret in any case and without its separators.
func TestRecorderFindsLeaks(t *testing.T) {
	t.Parallel()
	r := &recorder{}
	r.secret("k7m2-x9qp-4hta", "Blue Whale")
	r.Record(t.Context(), signin.Event{Name: store.EventSignInFailed, Detail: "step otp; wrong passcode (1 in a row)"})
	if leaks := r.leaks(); len(leaks) != 0 {
		t.Fatalf("false alarm: %v", leaks)
	}
	for _, detail := range []string{"code K7M2X9QP4HTA", "answer blue whale"} {
		r.reset()
		r.Record(t.Context(), signin.Event{Name: store.EventSignInFailed, Detail: detail})
		if len(r.leaks()) != 1 {
			t.Fatalf("detail %q: the leak was not found", detail)
		}
	}
}

// mailbox is a Notifier that keeps the mails it is asked to send.
type mailbox struct {
	mu    sync.Mutex
	links []string
	sent  []string // "kind user"
}

func (m *mailbox) add(kind string, u *store.User) {
	m.sent = append(m.sent, kind+" "+u.Username)
}

// ResetLink implements signin.Notifier.
func (m *mailbox) ResetLink(_ context.Context, u *store.User, link string, _ time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.links = append(m.links, link)
	m.add("reset-link", u)
	return nil
}

// EnrollLink implements signin.Notifier.
func (m *mailbox) EnrollLink(_ context.Context, u *store.User, link string, _ time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.links = append(m.links, link)
	m.add("enroll-link", u)
	return nil
}

// SignInLink implements signin.Notifier.
func (m *mailbox) SignInLink(_ context.Context, u *store.User, link string, _ time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.links = append(m.links, link)
	m.add("signin-link", u)
	return nil
}

// DeviceReset implements signin.Notifier.
func (m *mailbox) DeviceReset(_ context.Context, u *store.User) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.add("device-reset", u)
	return nil
}

// DeviceEnrolled implements signin.Notifier.
func (m *mailbox) DeviceEnrolled(_ context.Context, u *store.User, _ string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.add("device-enrolled", u)
	return nil
}

// AccountLocked implements signin.Notifier.
func (m *mailbox) AccountLocked(_ context.Context, u *store.User) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.add("account-locked", u)
	return nil
}

// AccountChanged implements signin.Notifier.
func (m *mailbox) AccountChanged(_ context.Context, u *store.User, change string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.add(change, u)
	return nil
}

// mails lists what was sent.
func (m *mailbox) mails() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.sent)
}

var _ signin.Notifier = (*mailbox)(nil)

func discardLog() *slog.Logger { return slog.New(slog.DiscardHandler) }
