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
	{"Proofs/EnrollmentCodeRenewsNothing", testEnrollmentCode},
	{"Proofs/EnrollLinkBoundToItsSignIn", testEnrollLink},
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

func testEnrollmentCode(t *testing.T, s *store.Store, _ *clock) {
	newUser(t, s, "u1", "ann")
	equip(t, s, "u2", "bob")
	userFlow(t, s, "f1", "u1")
	if _, err := s.BindFlow(ctx(t), "f1", hashOf("browser-1")); err != nil {
		t.Fatal(err)
	}
	err := s.IssueEnrollmentCode(ctx(t), "u2", "code-hash", s.Now().Add(time.Hour))
	wantErr(t, err, store.ErrStale, "an enrollment code for an account with a device")
	err = s.IssueEnrollmentCode(ctx(t), "nobody", "code-hash", s.Now().Add(time.Hour))
	wantErr(t, err, store.ErrNotFound, "an enrollment code for an unknown account")
	must(t, s.IssueEnrollmentCode(ctx(t), "u1", "code-hash", s.Now().Add(time.Hour)), "IssueEnrollmentCode")
	u, err := s.UserByID(ctx(t), "u1")
	must(t, err, "UserByID")
	if u.ProofHash != "code-hash" || u.ProofRenews {
		t.Fatalf("after issuing: proof %q, renews %v", u.ProofHash, u.ProofRenews)
	}
	must(t, s.ConsumeProof(ctx(t), "f1", "u1", "code-hash"), "ConsumeProof")
	u, err = s.UserByID(ctx(t), "u1")
	must(t, err, "UserByID")
	if u.MustChangePassword || u.ProofHash != "" || u.EnrollHoldBrowser == "" {
		t.Fatalf("after the code: must change %v, proof %q, hold %q", u.MustChangePassword, u.ProofHash, u.EnrollHoldBrowser)
	}
	// A reset's proof still renews the credentials, even after a code.
	must(t, s.AdminResetDevice(ctx(t), "u1", "reset-hash", s.Now().Add(time.Hour)), "AdminResetDevice")
	userFlow(t, s, "f2", "u1")
	must(t, s.ConsumeProof(ctx(t), "f2", "u1", "reset-hash"), "ConsumeProof (reset)")
	u, err = s.UserByID(ctx(t), "u1")
	must(t, err, "UserByID")
	if !u.MustChangePassword || u.ProofRenews {
		t.Fatalf("after a reset's proof: must change %v, renews %v", u.MustChangePassword, u.ProofRenews)
	}
}

func testEnrollLink(t *testing.T, s *store.Store, c *clock) {
	newUser(t, s, "u1", "ann")
	userFlow(t, s, "f1", "u1")
	userFlow(t, s, "f2", "u1")
	if _, err := s.BindFlow(ctx(t), "f1", hashOf("browser-1")); err != nil {
		t.Fatal(err)
	}
	link := func(tag, flowID string) *store.LinkToken {
		l := resetLink(s, "u1", flowID, tag)
		l.Purpose = store.LinkEnroll
		return l
	}
	must(t, s.IssueMailedLink(ctx(t), link("e1", "f1"), 3), "IssueMailedLink (enroll)")
	// Reset and enrollment links share the hourly limit.
	must(t, s.IssueMailedLink(ctx(t), resetLink(s, "u1", "f1", "r1"), 3), "IssueMailedLink (reset)")
	must(t, s.IssueMailedLink(ctx(t), link("e2", "f1"), 3), "IssueMailedLink (second enroll)")
	wantErr(t, s.IssueMailedLink(ctx(t), link("e3", "f1"), 3), store.ErrTooMany, "a fourth mailed link")
	wantErr(t, s.ConsumeEnrollLink(ctx(t), hashOf("e1"), "f1", "u1"), store.ErrNotFound, "a link voided by a newer one")
	if _, err := s.PeekLinkToken(ctx(t), hashOf("r1"), store.LinkReset); err != nil {
		t.Fatalf("an enrollment link voided the reset link: %v", err)
	}
	wantErr(t, s.ConsumeEnrollLink(ctx(t), hashOf("e2"), "f2", "u1"), store.ErrNotFound, "the link in another sign-in")
	wantErr(t, s.ConsumeEnrollLink(ctx(t), hashOf("r1"), "f1", "u1"), store.ErrNotFound, "a reset link as an enrollment link")
	must(t, s.ConsumeEnrollLink(ctx(t), hashOf("e2"), "f1", "u1"), "ConsumeEnrollLink")
	f, err := s.FlowByID(ctx(t), "f1")
	must(t, err, "FlowByID")
	u, err := s.UserByID(ctx(t), "u1")
	must(t, err, "UserByID")
	if f.ProofAt == nil || u.EnrollHoldBrowser == "" || u.MustChangePassword {
		t.Fatalf("after the link: proof at %v, hold %q, must change %v", f.ProofAt, u.EnrollHoldBrowser, u.MustChangePassword)
	}
	wantErr(t, s.ConsumeEnrollLink(ctx(t), hashOf("e2"), "f1", "u1"), store.ErrNotFound, "the link a second time")
	c.Advance(time.Hour)
	err = s.IssueMailedLink(ctx(t), &store.LinkToken{TokenHash: hashOf("p"), Purpose: store.LinkProof,
		UserID: "u1", CreatedAt: s.Now(), ExpiresAt: s.Now().Add(time.Hour)}, 3)
	if err == nil {
		t.Fatal("an administrator's proof link was issued as a sign-in's mailed link")
	}
}
