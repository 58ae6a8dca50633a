package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/otpgate/otpgate/provider/store"
)

// testCase is one conformance case; it runs against a fresh store.
type testCase struct {
	name string
	run  func(t *testing.T, s *store.Store, c *clock)
}

// Run runs every conformance case as a subtest. open must return a
// migrated store on an empty database and arrange for it to be closed when
// the test ends.
func Run(t *testing.T, open func(t *testing.T) *store.Store) {
	groups := [][]testCase{
		userCases, clientCases, flowCases, rebindCases, joinedCases, refreshCases, accessCases,
		sessionCases, keyCases, cleanupCases, concurrencyCases, inputCases, deviceCases, lockoutCases, resetCases, auditCases,
		flowStepCases, passcodeCases, resetLinkCases, proofCases, throttleCases, resealCases, addressCases, linkCases, typedCases,
		clientSecretCases, upstreamCases, rememberedCases,
	}
	for _, group := range groups {
		for _, tc := range group {
			t.Run(tc.name, func(t *testing.T) {
				s := open(t)
				tc.run(t, s, freeze(s))
			})
		}
	}
}

// epoch is the frozen time every case starts at.
var epoch = time.Unix(1_700_000_000, 0).UTC()

// clock is a settable time source installed as the store's Clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func freeze(s *store.Store) *clock {
	c := &clock{now: epoch}
	s.Clock = c.Now
	return c
}

// Now returns the frozen time.
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward (or back, for a negative d).
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Set moves the clock to t.
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func ctx(t *testing.T) context.Context { return t.Context() }

// hashOf is the hex SHA-256 of v, the form in which codes, refresh tokens
// and browser cookies are stored.
func hashOf(v string) string {
	sum := sha256.Sum256([]byte(v))
	return hex.EncodeToString(sum[:])
}

func must(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: unexpected error: %v", what, err)
	}
}

func wantErr(t *testing.T, err, want error, what string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got error %v, want %v", what, err, want)
	}
}

func wantTime(t *testing.T, got *time.Time, want time.Time, what string) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s: got nil, want %s", what, want)
	}
	if !got.Equal(want) {
		t.Fatalf("%s: got %s, want %s", what, got.UTC(), want)
	}
}

func wantList(t *testing.T, got store.StringList, want []string, what string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %q, want %q", what, got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%s: got %q, want %q", what, got, want)
		}
	}
}
