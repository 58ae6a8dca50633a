package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/otpgate/otpgate/provider/store"
)

var proofCases = []testCase{
	{"Proofs/ThrottledPerWindowNeverLocks", testProofThrottle},
	{"Proofs/ConsumeMakesAccountChooseNewCredentials", testConsumeProofForcesSetup},
	{"Concurrency/ProofAttemptsExact", testRaceProofAttempts},
}

func reserveProof(t *testing.T, s *store.Store) bool {
	t.Helper()
	ok, err := s.ReserveProofAttempt(ctx(t), "u1", 5, 15*time.Minute)
	must(t, err, "ReserveProofAttempt")
	return ok
}

func testProofThrottle(t *testing.T, s *store.Store, c *clock) {
	newUser(t, s, "u1", "ann")
	for i := range 5 {
		if !reserveProof(t, s) {
			t.Fatalf("attempt %d refused within the limit", i+1)
		}
		c.Advance(time.Minute)
	}
	if reserveProof(t, s) {
		t.Fatalf("a sixth attempt in the window was allowed")
	}
	wantOTPRow(t, s, "u1", 0, false, "proof attempts count toward no lock")
	c.Advance(10*time.Minute + time.Second) // the window began 15 minutes and a second ago
	if !reserveProof(t, s) {
		t.Fatalf("an attempt in a new window was refused")
	}
	ok, err := s.ReserveProofAttempt(ctx(t), "nobody", 5, 15*time.Minute)
	if err != nil || ok {
		t.Fatalf("an unknown account: %v, %v", ok, err)
	}
}

func testConsumeProofForcesSetup(t *testing.T, s *store.Store, _ *clock) {
	newUser(t, s, "u1", "ann")
	must(t, s.AdminResetDevice(ctx(t), "u1", "proof-hash", s.Now().Add(time.Hour)), "AdminResetDevice")
	for range 5 {
		reserveProof(t, s)
	}
	userFlow(t, s, "f1", "u1")
	must(t, s.ConsumeProof(ctx(t), "f1", "u1", "proof-hash"), "ConsumeProof")
	u, err := s.UserByID(ctx(t), "u1")
	must(t, err, "UserByID")
	if !u.MustChangePassword || u.ProofHash != "" || u.ProofFailures != 0 {
		t.Fatalf("after the proof: must change %v, proof %q, proof failures %d", u.MustChangePassword, u.ProofHash, u.ProofFailures)
	}
}

func testRaceProofAttempts(t *testing.T, s *store.Store, _ *clock) {
	newUser(t, s, "u1", "ann")
	const n = 30
	allowed := make([]bool, n)
	errs := race(n, func(i int) error {
		var err error
		allowed[i], err = s.ReserveProofAttempt(context.Background(), "u1", 5, 15*time.Minute)
		return err
	})
	ok := 0
	for i, err := range errs {
		must(t, err, "ReserveProofAttempt")
		if allowed[i] {
			ok++
		}
	}
	if ok != 5 {
		t.Fatalf("%d of %d racing proof attempts allowed, want exactly 5", ok, n)
	}
}
