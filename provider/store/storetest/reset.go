package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/otpgate/otpgate/provider/store"
)

var resetCases = []testCase{
	{"Reset/AdminResetDevice", testAdminResetDevice},
	{"Reset/SelfResetDevice", testSelfResetDevice},
	{"Reset/ConsumeProofOnce", testConsumeProofOnce},
	{"Reset/RecoveryCodeOnce", testRecoveryCodeOnce},
	{"Reset/LinkTokens", testLinkTokens},
	{"Concurrency/RecoveryCodeOnce", testRaceRecoveryCode},
	{"Concurrency/LinkTokenOnce", testRaceLinkToken},
}

// equipped is a user with everything a reset takes away: an enrolled
// device with two recovery codes, a browser session, and live tokens.
type equipped struct {
	userID  string
	session string
	tokens  store.TokenSet
}

func equip(t *testing.T, s *store.Store, userID, username string) equipped {
	t.Helper()
	newUser(t, s, userID, username)
	pendingFlow(t, s, "enroll-"+userID)
	must(t, s.EnrollDevice(ctx(t), enrollment("enroll-"+userID, userID, "dev-"+userID, 1)), "EnrollDevice for "+userID)
	e := equipped{userID: userID, session: hashOf("cookie-" + userID)}
	must(t, s.CreateSession(ctx(t), &store.Session{ID: e.session, UserID: userID, AuthTime: s.Now(),
		CreatedAt: s.Now(), ExpiresAt: s.Now().Add(8 * time.Hour)}), "CreateSession for "+userID)
	grant := "grant-" + userID
	codeFlow(t, s, grant, userID)
	e.tokens = tokens(s, grant, userID, "fam-"+grant, grant)
	must(t, s.IssueFromCode(ctx(t), grant, e.tokens), "IssueFromCode for "+userID)
	return e
}

// wantEquipped checks that nothing of e was taken away.
func wantEquipped(t *testing.T, s *store.Store, e equipped, what string) {
	t.Helper()
	if _, err := s.DeviceByUser(ctx(t), e.userID); err != nil {
		t.Fatalf("%s: device of %s: %v", what, e.userID, err)
	}
	if n, err := s.CountRecoveryCodes(ctx(t), e.userID); n != 2 || err != nil {
		t.Fatalf("%s: recovery codes of %s: %d, %v; want 2", what, e.userID, n, err)
	}
	if _, err := s.SessionByID(ctx(t), e.session); err != nil {
		t.Fatalf("%s: session of %s: %v", what, e.userID, err)
	}
	wantLive(t, s, e.tokens, what)
}

// wantStripped checks that e's device, codes, session and tokens are gone
// and its passcode counters cleared.
func wantStripped(t *testing.T, s *store.Store, e equipped, what string) {
	t.Helper()
	_, err := s.DeviceByUser(ctx(t), e.userID)
	wantErr(t, err, store.ErrNotFound, what+": device")
	if n, err := s.CountRecoveryCodes(ctx(t), e.userID); n != 0 || err != nil {
		t.Fatalf("%s: %d recovery codes left (%v)", what, n, err)
	}
	if codes, err := s.UnusedRecoveryCodes(ctx(t), e.userID); len(codes) != 0 || err != nil {
		t.Fatalf("%s: UnusedRecoveryCodes = %d codes, %v", what, len(codes), err)
	}
	_, err = s.SessionByID(ctx(t), e.session)
	wantErr(t, err, store.ErrNotFound, what+": session")
	wantRevoked(t, s, e.tokens, what)
	wantOTPRow(t, s, e.userID, 0, false, what)
}

// lockOTP records passcode failures until the user is locked.
func lockOTP(t *testing.T, s *store.Store, userID string) {
	t.Helper()
	for range otpThreshold {
		_, err := s.RecordOTPFailure(ctx(t), userID, otpThreshold)
		must(t, err, "RecordOTPFailure")
	}
	wantOTPRow(t, s, userID, otpThreshold, true, "locked "+userID)
}

// userFlow stores an unfinished flow that userID has signed in to.
func userFlow(t *testing.T, s *store.Store, id, userID string) {
	t.Helper()
	newFlow(t, s, id)
	must(t, s.IdentifyFlow(ctx(t), id, userID, s.Now()), "IdentifyFlow")
	must(t, s.MarkFlow(ctx(t), id, userID, store.StepQuestion, s.Now()), "MarkFlow (question)")
}

func testAdminResetDevice(t *testing.T, s *store.Store, c *clock) {
	ann := equip(t, s, "u1", "ann")
	bob := equip(t, s, "u2", "bob")
	lockOTP(t, s, "u1")
	must(t, s.RememberBrowser(ctx(t), "u1", "browser-a"), "RememberBrowser")
	must(t, s.RememberBrowser(ctx(t), "u2", "browser-a"), "RememberBrowser")
	c.Advance(time.Minute)
	expires := s.Now().Add(24 * time.Hour)
	must(t, s.AdminResetDevice(ctx(t), "u1", "proof-hash", expires), "AdminResetDevice")
	wantStripped(t, s, ann, "after AdminResetDevice")
	// Browsers known before the reset lose their own budget; another
	// account's are kept.
	for _, kb := range []struct {
		user string
		want bool
	}{{"u1", false}, {"u2", true}} {
		known, err := s.IsKnownBrowser(ctx(t), kb.user, "browser-a", time.Hour)
		must(t, err, "IsKnownBrowser")
		if known != kb.want {
			t.Fatalf("%s's browser known after u1's reset: %v, want %v", kb.user, known, kb.want)
		}
	}
	u, err := s.UserByID(ctx(t), "u1")
	must(t, err, "UserByID")
	if u.ProofHash != "proof-hash" {
		t.Fatalf("proof hash = %q, want %q", u.ProofHash, "proof-hash")
	}
	wantTime(t, u.ProofExpiresAt, expires, "proof expiry")
	wantEquipped(t, s, bob, "other user after AdminResetDevice")

	// Resetting again (no device left) still works and replaces the proof.
	must(t, s.AdminResetDevice(ctx(t), "u1", "proof-hash-2", expires.Add(time.Hour)), "second AdminResetDevice")
	u, _ = s.UserByID(ctx(t), "u1")
	if u.ProofHash != "proof-hash-2" {
		t.Fatalf("proof hash after a second reset = %q", u.ProofHash)
	}
	wantErr(t, s.AdminResetDevice(ctx(t), "nobody", "proof", expires), store.ErrNotFound, "AdminResetDevice of an unknown user")
}

func testSelfResetDevice(t *testing.T, s *store.Store, c *clock) {
	ann := equip(t, s, "u1", "ann")
	bob := equip(t, s, "u2", "bob")
	userFlow(t, s, "f1", "u1")
	must(t, s.MarkFlow(ctx(t), "f1", "u1", store.StepOTP, s.Now()), "MarkFlow (otp)")
	_, err := s.RecordOTPFailure(ctx(t), "u1", otpThreshold)
	must(t, err, "RecordOTPFailure")
	c.Advance(time.Minute)

	// Refusals change nothing.
	wantErr(t, s.SelfResetDevice(ctx(t), "f1", "u2"), store.ErrStale, "SelfResetDevice for another user's flow")
	newFlow(t, s, "anonymous")
	wantErr(t, s.SelfResetDevice(ctx(t), "anonymous", "u1"), store.ErrStale, "SelfResetDevice on a flow without a user")
	newFlow(t, s, "done")
	finish(t, s, "done", "u1")
	wantErr(t, s.SelfResetDevice(ctx(t), "done", "u1"), store.ErrStale, "SelfResetDevice on a finished flow")
	wantErr(t, s.SelfResetDevice(ctx(t), "no-such-flow", "u1"), store.ErrStale, "SelfResetDevice on an unknown flow")
	wantEquipped(t, s, ann, "after refused self-resets")
	wantEquipped(t, s, bob, "bob after refused self-resets")

	// A user locked for passcodes cannot reset.
	userFlow(t, s, "f2", "u2")
	lockOTP(t, s, "u2")
	wantErr(t, s.SelfResetDevice(ctx(t), "f2", "u2"), store.ErrStale, "SelfResetDevice of a locked user")
	wantEquipped(t, s, bob, "locked user after a refused self-reset")
	wantOTPRow(t, s, "u2", otpThreshold, true, "locked user after a refused self-reset")
	f2, err := s.FlowByID(ctx(t), "f2")
	must(t, err, "FlowByID")
	if f2.ResetAt != nil {
		t.Fatalf("a refused self-reset marked the flow reset at %s", f2.ResetAt)
	}

	must(t, s.SelfResetDevice(ctx(t), "f1", "u1"), "SelfResetDevice")
	f1, err := s.FlowByID(ctx(t), "f1")
	must(t, err, "FlowByID")
	wantTime(t, f1.ResetAt, s.Now(), "reset_at")
	if f1.OTPAt != nil {
		t.Fatalf("otp_at after a self-reset = %s, want nil", f1.OTPAt)
	}
	wantStripped(t, s, ann, "after SelfResetDevice")
	wantEquipped(t, s, bob, "other user after SelfResetDevice")

	// Only once per flow.
	wantErr(t, s.SelfResetDevice(ctx(t), "f1", "u1"), store.ErrStale, "second SelfResetDevice in one flow")
}

func testConsumeProofOnce(t *testing.T, s *store.Store, c *clock) {
	newUser(t, s, "u1", "ann")
	newUser(t, s, "u2", "bob")
	must(t, s.AdminResetDevice(ctx(t), "u1", "proof-1", s.Now().Add(time.Hour)), "AdminResetDevice")
	userFlow(t, s, "f1", "u1")
	userFlow(t, s, "f2", "u2")
	newFlow(t, s, "done")
	finish(t, s, "done", "u1")
	c.Advance(time.Minute)

	wantProof := func(hash string, what string) {
		t.Helper()
		u, err := s.UserByID(ctx(t), "u1")
		must(t, err, what+": UserByID")
		if u.ProofHash != hash {
			t.Fatalf("%s: proof hash = %q, want %q", what, u.ProofHash, hash)
		}
		if (hash == "") != (u.ProofExpiresAt == nil) {
			t.Fatalf("%s: proof expiry = %v with proof hash %q", what, u.ProofExpiresAt, hash)
		}
	}
	wantNoProofAt := func(flowID, what string) {
		t.Helper()
		f, err := s.FlowByID(ctx(t), flowID)
		must(t, err, what+": FlowByID")
		if f.ProofAt != nil {
			t.Fatalf("%s: flow %s has proof_at %s", what, flowID, f.ProofAt)
		}
	}

	wantErr(t, s.ConsumeProof(ctx(t), "f2", "u1", "proof-1"), store.ErrStale, "ConsumeProof in another user's flow")
	wantNoProofAt("f2", "another user's flow")
	wantErr(t, s.ConsumeProof(ctx(t), "f2", "u2", "proof-1"), store.ErrStale, "ConsumeProof of a user without a proof")
	wantErr(t, s.ConsumeProof(ctx(t), "f2", "u2", ""), store.ErrStale, "ConsumeProof of an empty proof")
	wantErr(t, s.ConsumeProof(ctx(t), "done", "u1", "proof-1"), store.ErrStale, "ConsumeProof in a finished flow")
	wantErr(t, s.ConsumeProof(ctx(t), "f1", "u1", "proof-2"), store.ErrStale, "ConsumeProof of a wrong proof")
	wantErr(t, s.ConsumeProof(ctx(t), "f1", "u1", ""), store.ErrStale, "ConsumeProof of an empty proof")
	wantErr(t, s.ConsumeProof(ctx(t), "no-such-flow", "u1", "proof-1"), store.ErrStale, "ConsumeProof in an unknown flow")
	wantProof("proof-1", "after refused proofs")
	wantNoProofAt("f1", "after refused proofs")

	must(t, s.ConsumeProof(ctx(t), "f1", "u1", "proof-1"), "ConsumeProof")
	f1, err := s.FlowByID(ctx(t), "f1")
	must(t, err, "FlowByID")
	wantTime(t, f1.ProofAt, s.Now(), "proof_at")
	wantProof("", "after ConsumeProof")
	wantErr(t, s.ConsumeProof(ctx(t), "f1", "u1", "proof-1"), store.ErrStale, "second ConsumeProof")
	userFlow(t, s, "f3", "u1")
	wantErr(t, s.ConsumeProof(ctx(t), "f3", "u1", "proof-1"), store.ErrStale, "second ConsumeProof in another flow")

	// An expired proof is refused (at the expiry instant already).
	must(t, s.AdminResetDevice(ctx(t), "u1", "proof-3", s.Now().Add(time.Hour)), "AdminResetDevice")
	c.Advance(time.Hour)
	wantErr(t, s.ConsumeProof(ctx(t), "f3", "u1", "proof-3"), store.ErrStale, "ConsumeProof of an expired proof")
	wantNoProofAt("f3", "after an expired proof")
}

func testRecoveryCodeOnce(t *testing.T, s *store.Store, c *clock) {
	equip(t, s, "u1", "ann")
	equip(t, s, "u2", "bob")
	codes, err := s.UnusedRecoveryCodes(ctx(t), "u1")
	must(t, err, "UnusedRecoveryCodes")
	if len(codes) != 2 {
		t.Fatalf("%d unused recovery codes, want 2", len(codes))
	}
	for _, rc := range codes {
		if rc.UserID != "u1" || rc.UsedAt != nil || (rc.CodeHash != "hash-a" && rc.CodeHash != "hash-b") {
			t.Fatalf("recovery code = %+v", rc)
		}
	}
	c.Advance(time.Minute)
	used := codes[0]
	ok, err := s.UseRecoveryCode(ctx(t), used.ID)
	if !ok || err != nil {
		t.Fatalf("first UseRecoveryCode = %v, %v; want true", ok, err)
	}
	ok, err = s.UseRecoveryCode(ctx(t), used.ID)
	if ok || err != nil {
		t.Fatalf("second UseRecoveryCode = %v, %v; want false", ok, err)
	}
	left, err := s.UnusedRecoveryCodes(ctx(t), "u1")
	must(t, err, "UnusedRecoveryCodes")
	if len(left) != 1 || left[0].ID != codes[1].ID {
		t.Fatalf("unused codes after one use: %+v; want only %s", left, codes[1].ID)
	}
	if n, err := s.CountRecoveryCodes(ctx(t), "u1"); n != 1 || err != nil {
		t.Fatalf("CountRecoveryCodes = %d, %v; want 1", n, err)
	}
	if n, err := s.CountRecoveryCodes(ctx(t), "u2"); n != 2 || err != nil {
		t.Fatalf("other user's CountRecoveryCodes = %d, %v; want 2", n, err)
	}
	if ok, err := s.UseRecoveryCode(ctx(t), "no-such-code"); ok || err != nil {
		t.Fatalf("UseRecoveryCode of an unknown code = %v, %v", ok, err)
	}
	ok, err = s.UseRecoveryCode(ctx(t), codes[1].ID)
	if !ok || err != nil {
		t.Fatalf("UseRecoveryCode of the second code = %v, %v", ok, err)
	}
	if left, err := s.UnusedRecoveryCodes(ctx(t), "u1"); len(left) != 0 || err != nil {
		t.Fatalf("unused codes after using both: %d, %v", len(left), err)
	}
}

func testRaceRecoveryCode(t *testing.T, s *store.Store, _ *clock) {
	const n = 10
	equip(t, s, "u1", "ann")
	codes, err := s.UnusedRecoveryCodes(ctx(t), "u1")
	must(t, err, "UnusedRecoveryCodes")
	if len(codes) != 2 {
		t.Fatalf("%d unused recovery codes, want 2", len(codes))
	}
	errUsed := errors.New("already used")
	errs := race(n, func(int) error {
		ok, err := s.UseRecoveryCode(ctx(t), codes[0].ID)
		if err == nil && !ok {
			return errUsed
		}
		return err
	})
	if ok, used := tally(t, errs, errUsed); ok != 1 || used != n-1 {
		t.Fatalf("%d concurrent uses of one recovery code: %d accepted, %d refused; want 1 and %d", n, ok, used, n-1)
	}
	left, err := s.UnusedRecoveryCodes(ctx(t), "u1")
	must(t, err, "UnusedRecoveryCodes")
	if len(left) != 1 || left[0].ID != codes[1].ID {
		t.Fatalf("unused codes after the race: %+v; want only %s", left, codes[1].ID)
	}
}

func testLinkTokens(t *testing.T, s *store.Store, c *clock) {
	newUser(t, s, "u1", "ann")
	userFlow(t, s, "f1", "u1")
	created := s.Now()
	link := &store.LinkToken{TokenHash: hashOf("link-1"), Purpose: store.LinkReset, UserID: "u1", FlowID: "f1",
		CreatedAt: created, ExpiresAt: created.Add(15 * time.Minute)}
	must(t, s.CreateLinkToken(ctx(t), link), "CreateLinkToken")
	if link.ID == "" {
		t.Fatal("CreateLinkToken left the id empty")
	}
	proof := &store.LinkToken{ID: "proof-link", TokenHash: hashOf("link-2"), Purpose: store.LinkProof, UserID: "u1",
		CreatedAt: created, ExpiresAt: created.Add(10 * time.Minute)}
	must(t, s.CreateLinkToken(ctx(t), proof), "CreateLinkToken (proof)")
	if proof.ID != "proof-link" {
		t.Fatalf("CreateLinkToken replaced the id %q with %q", "proof-link", proof.ID)
	}
	dup := &store.LinkToken{TokenHash: hashOf("link-1"), Purpose: store.LinkReset, UserID: "u1",
		CreatedAt: created, ExpiresAt: created.Add(time.Minute)}
	if err := s.CreateLinkToken(ctx(t), dup); err == nil {
		t.Fatal("CreateLinkToken stored a second token with the same hash")
	}
	c.Advance(time.Minute)

	// Peeking does not use the token, however often.
	for range 2 {
		got, err := s.PeekLinkToken(ctx(t), hashOf("link-1"), store.LinkReset)
		must(t, err, "PeekLinkToken")
		if got.ID != link.ID || got.UserID != "u1" || got.FlowID != "f1" || got.UsedAt != nil {
			t.Fatalf("PeekLinkToken = %+v", got)
		}
		wantTime(t, &got.ExpiresAt, created.Add(15*time.Minute), "peeked expiry")
	}
	// The wrong purpose finds nothing and uses nothing.
	_, err := s.PeekLinkToken(ctx(t), hashOf("link-1"), store.LinkProof)
	wantErr(t, err, store.ErrNotFound, "PeekLinkToken with the wrong purpose")
	_, err = s.ConsumeLinkToken(ctx(t), hashOf("link-1"), store.LinkProof)
	wantErr(t, err, store.ErrNotFound, "ConsumeLinkToken with the wrong purpose")
	_, err = s.ConsumeLinkToken(ctx(t), hashOf("link-2"), store.LinkReset)
	wantErr(t, err, store.ErrNotFound, "ConsumeLinkToken of a proof link as a reset link")
	_, err = s.ConsumeLinkToken(ctx(t), hashOf("no-such-link"), store.LinkReset)
	wantErr(t, err, store.ErrNotFound, "ConsumeLinkToken of an unknown token")
	_, err = s.PeekLinkToken(ctx(t), hashOf("no-such-link"), store.LinkReset)
	wantErr(t, err, store.ErrNotFound, "PeekLinkToken of an unknown token")

	// Consumed once.
	got, err := s.ConsumeLinkToken(ctx(t), hashOf("link-1"), store.LinkReset)
	must(t, err, "ConsumeLinkToken")
	if got.ID != link.ID || got.UserID != "u1" || got.FlowID != "f1" || got.Purpose != store.LinkReset {
		t.Fatalf("ConsumeLinkToken = %+v", got)
	}
	wantTime(t, got.UsedAt, s.Now(), "used_at")
	_, err = s.ConsumeLinkToken(ctx(t), hashOf("link-1"), store.LinkReset)
	wantErr(t, err, store.ErrNotFound, "second ConsumeLinkToken")
	_, err = s.PeekLinkToken(ctx(t), hashOf("link-1"), store.LinkReset)
	wantErr(t, err, store.ErrNotFound, "PeekLinkToken of a used token")

	// Expired: usable until the instant of expiry, not at it.
	c.Set(created.Add(10*time.Minute - time.Second))
	_, err = s.PeekLinkToken(ctx(t), hashOf("link-2"), store.LinkProof)
	must(t, err, "PeekLinkToken just before expiry")
	c.Set(created.Add(10 * time.Minute))
	_, err = s.PeekLinkToken(ctx(t), hashOf("link-2"), store.LinkProof)
	wantErr(t, err, store.ErrNotFound, "PeekLinkToken of an expired token")
	_, err = s.ConsumeLinkToken(ctx(t), hashOf("link-2"), store.LinkProof)
	wantErr(t, err, store.ErrNotFound, "ConsumeLinkToken of an expired token")
	// Turning the clock back shows the expired attempt did not use it.
	c.Set(created.Add(5 * time.Minute))
	got, err = s.ConsumeLinkToken(ctx(t), hashOf("link-2"), store.LinkProof)
	must(t, err, "ConsumeLinkToken of the proof link before expiry")
	if got.ID != "proof-link" || got.FlowID != "" {
		t.Fatalf("ConsumeLinkToken (proof) = %+v", got)
	}

	// Input no database can hold is simply not found.
	_, err = s.ConsumeLinkToken(ctx(t), "bad\x00\xff", store.LinkReset)
	wantErr(t, err, store.ErrNotFound, "ConsumeLinkToken of invalid input")
	_, err = s.PeekLinkToken(ctx(t), "bad\x00\xff", store.LinkReset)
	wantErr(t, err, store.ErrNotFound, "PeekLinkToken of invalid input")
}

func testRaceLinkToken(t *testing.T, s *store.Store, _ *clock) {
	const n = 10
	newUser(t, s, "u1", "ann")
	must(t, s.CreateLinkToken(ctx(t), &store.LinkToken{TokenHash: hashOf("link"), Purpose: store.LinkReset,
		UserID: "u1", CreatedAt: s.Now(), ExpiresAt: s.Now().Add(time.Hour)}), "CreateLinkToken")
	errs := race(n, func(int) error {
		_, err := s.ConsumeLinkToken(ctx(t), hashOf("link"), store.LinkReset)
		return err
	})
	if ok, refused := tally(t, errs, store.ErrNotFound); ok != 1 || refused != n-1 {
		t.Fatalf("%d concurrent uses of one link: %d succeeded, %d got ErrNotFound; want 1 and %d", n, ok, refused, n-1)
	}
}
