package storetest

import (
	"testing"
	"time"

	"github.com/otpgate/otpgate/provider/store"
)

var rebindCases = []testCase{
	{"Rebind/IdentifyMovesTheBrowser", testIdentifyAndRebind},
	{"Rebind/FinishWithCodeMovesTheBrowser", testFinishAndRebind},
	{"Rebind/MoveEnrollmentHold", testMoveHold},
}

// boundFlows stores flows f1..fn bound to browser.
func boundFlows(t *testing.T, s *store.Store, browser string, ids ...string) {
	t.Helper()
	for _, id := range ids {
		newFlow(t, s, id)
		if did, err := s.BindFlow(ctx(t), id, browser); err != nil || !did {
			t.Fatalf("bind %s: %v %v", id, did, err)
		}
	}
}

func browserOf(t *testing.T, s *store.Store, id string) string {
	t.Helper()
	f, err := s.FlowByID(ctx(t), id)
	must(t, err, "FlowByID "+id)
	return f.BrowserHash
}

// testIdentifyAndRebind: the password step's write moves every unfinished
// flow of the browser to its new binding in the same statement, or, when
// the flow it records no longer qualifies, changes nothing at all.
func testIdentifyAndRebind(t *testing.T, s *store.Store, c *clock) {
	newUser(t, s, "u1", "ann")
	newUser(t, s, "u2", "bob")
	old, renewed, other := hashOf("browser-old"), hashOf("browser-new"), hashOf("browser-other")
	boundFlows(t, s, old, "f1", "f2", "f3")
	boundFlows(t, s, other, "f4")
	finish(t, s, "f3", "u1") // finished flows stay where they are
	must(t, s.IdentifyFlow(ctx(t), "f2", "u2", c.Now()), "identify f2 as bob")

	// f2 names another account: nothing moves, nothing is recorded.
	err := s.IdentifyAndRebind(ctx(t), "f2", "u1", c.Now(), store.Rebinding{Old: old, New: renewed})
	wantErr(t, err, store.ErrStale, "identify a flow of another account")
	for _, id := range []string{"f1", "f2", "f3"} {
		if got := browserOf(t, s, id); got != old {
			t.Fatalf("after a refused identify %s moved to %q", id, got)
		}
	}

	must(t, s.IdentifyAndRebind(ctx(t), "f1", "u1", c.Now(), store.Rebinding{Old: old, New: renewed}), "identify and rebind")
	f1, err := s.FlowByID(ctx(t), "f1")
	must(t, err, "FlowByID f1")
	if f1.UserID != "u1" || f1.PasswordAt == nil || f1.BrowserHash != renewed {
		t.Fatalf("f1 after identify and rebind: user %q password_at %v browser %q", f1.UserID, f1.PasswordAt, f1.BrowserHash)
	}
	if f2, _ := s.FlowByID(ctx(t), "f2"); f2.BrowserHash != renewed || f2.UserID != "u2" {
		t.Fatalf("f2 (another tab) after the rebind: browser %q user %q", f2.BrowserHash, f2.UserID)
	}
	if got := browserOf(t, s, "f3"); got != old {
		t.Fatalf("a finished flow moved to %q", got)
	}
	if got := browserOf(t, s, "f4"); got != other {
		t.Fatalf("another browser's flow moved to %q", got)
	}
	// The old binding no longer names f1.
	err = s.IdentifyAndRebind(ctx(t), "f1", "u1", c.Now(), store.Rebinding{Old: old, New: hashOf("browser-third")})
	wantErr(t, err, store.ErrStale, "identify under a binding the flow left")
}

// testFinishAndRebind: the finish records the result and the code and
// moves the browser in one statement; a flow missing a step it claims
// finishes nothing and moves nothing.
func testFinishAndRebind(t *testing.T, s *store.Store, c *clock) {
	newUser(t, s, "u1", "ann")
	old, renewed := hashOf("browser-old"), hashOf("browser-new")
	boundFlows(t, s, old, "f1", "f2")
	now := c.Now()
	must(t, s.IdentifyFlow(ctx(t), "f1", "u1", now), "identify f1")
	r := store.FlowResult{UserID: "u1", AMR: []string{"pwd", "kba"}, AuthTime: now,
		CodeHash: hashOf("code-1"), CodeExpiresAt: now.Add(codeLifetime), Rebind: store.Rebinding{Old: old, New: renewed}}
	wantErr(t, s.FinishFlow(ctx(t), "f1", r, false, now), store.ErrStale, "finish without the answer it claims")
	if got := browserOf(t, s, "f2"); got != old {
		t.Fatalf("a refused finish moved another flow to %q", got)
	}
	must(t, s.MarkFlow(ctx(t), "f1", "u1", store.StepQuestion, now), "mark question")
	must(t, s.FinishFlow(ctx(t), "f1", r, false, now), "finish with code and rebind")
	f1, err := s.FlowByCode(ctx(t), hashOf("code-1"))
	must(t, err, "FlowByCode")
	if f1.ID != "f1" || f1.DoneAt == nil || f1.BrowserHash != renewed {
		t.Fatalf("f1 after the finish: %+v", f1)
	}
	wantTime(t, &f1.ExpiresAt, now.Add(codeLifetime), "the flow lives as long as its code")
	if got := browserOf(t, s, "f2"); got != renewed {
		t.Fatalf("another tab after the finish: browser %q", got)
	}
	c.Advance(codeLifetime + time.Second)
	_, err = s.FlowByCode(ctx(t), hashOf("code-1"))
	wantErr(t, err, store.ErrNotFound, "the code after its lifetime")
}

// testMoveHold: a rotation moves the enrollment hold of the account
// signing in when this browser holds it, and no other account's.
func testMoveHold(t *testing.T, s *store.Store, c *clock) {
	newUser(t, s, "u1", "ann")
	newUser(t, s, "u2", "bob")
	old, renewed := hashOf("browser-old"), hashOf("browser-new")
	boundFlows(t, s, old, "f1", "f2")
	// Each account proves possession after a reset in this browser.
	for id, flow := range map[string]string{"u1": "f1", "u2": "f2"} {
		must(t, s.IdentifyFlow(ctx(t), flow, id, c.Now()), "identify "+flow)
		must(t, s.AdminResetDevice(ctx(t), id, hashOf("proof-"+id), c.Now().Add(time.Hour)), "reset "+id)
		must(t, s.ConsumeProof(ctx(t), flow, id, hashOf("proof-"+id)), "proof of "+id)
		if u, _ := s.UserByID(ctx(t), id); u.EnrollHoldBrowser != old {
			t.Fatalf("%s's hold: %q", id, u.EnrollHoldBrowser)
		}
	}
	must(t, s.MoveEnrollmentHold(ctx(t), "u1", old, renewed), "move u1's hold")
	must(t, s.MoveEnrollmentHold(ctx(t), "u2", hashOf("browser-elsewhere"), renewed), "move a hold held elsewhere")
	for id, want := range map[string]string{"u1": renewed, "u2": old} {
		u, err := s.UserByID(ctx(t), id)
		must(t, err, "UserByID")
		if u.EnrollHoldBrowser != want {
			t.Errorf("%s's hold after the move: %q, want %q", id, u.EnrollHoldBrowser, want)
		}
	}
}
