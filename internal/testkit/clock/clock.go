package clock

import (
	"sync"
	"time"
)

// TOTPStep is the RFC 6238 time step otpgate uses (mfa.Default).
const TOTPStep = 30 * time.Second

// Clock is a frozen time source. The zero value is not usable; use New or
// At.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// New returns a clock frozen at the start of the current wall-clock TOTP
// step: close to real time, so tokens the provider signs pass a relying
// party's real-time checks (issued at most 30 s ago, expiring after their
// lifetime from then).
func New() *Clock {
	return At(time.Now().UTC().Truncate(TOTPStep))
}

// At returns a clock frozen at t (kept in UTC).
func At(t time.Time) *Clock {
	return &Clock{now: t.UTC()}
}

// Now returns the frozen time; it has the signature store.Store.Clock
// wants.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock by d (back when d is negative) and returns the
// new time.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t.UTC()
}

// NextTOTPStep moves the clock to the first second of the next 30-second
// TOTP step and returns the new time; a passcode accepted before is then
// from an earlier step.
func (c *Clock) NextTOTPStep() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Truncate(TOTPStep).Add(TOTPStep)
	return c.now
}
