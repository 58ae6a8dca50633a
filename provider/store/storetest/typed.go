package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/otpgate/otpgate/mfa"
	"github.com/otpgate/otpgate/provider/store"
)

var typedCases = []testCase{
	{"Typed/NameFlowOnceAndOnlyTyped", testNameFlow},
	{"Typed/BudgetedPasscodeNeverCounts", testBudgetedPasscode},
}

// typedFlow stores an unfinished flow of a factor-only client that named
// nobody.
func typedFlow(t *testing.T, s *store.Store, id string) {
	t.Helper()
	now := s.Now()
	f := &store.Flow{ID: id, FlowRequest: store.FlowRequest{ClientID: testClient, RedirectURI: "https://app.example/cb",
		Scopes: store.StringList{"openid"}, State: "state-" + id, Nonce: "nonce-" + id, ResponseType: "code"},
		FlowProgress: store.FlowProgress{FirstFactor: store.FirstFactorTyped}, CreatedAt: now, ExpiresAt: now.Add(30 * time.Minute)}
	must(t, s.CreateFlow(ctx(t), f), "create typed flow "+id)
}

func testNameFlow(t *testing.T, s *store.Store, _ *clock) {
	newUser(t, s, "u1", "ann")
	typedFlow(t, s, "f1")
	must(t, s.NameFlow(ctx(t), "f1", "u1", "ann", s.Now()), "NameFlow")
	f := flowOf(t, s, "f1")
	if f.UserID != "u1" || f.LoginHint != "ann" || f.PasswordAt == nil || f.FirstFactor != store.FirstFactorTyped {
		t.Fatalf("named flow: user %q name %q named_at %v first factor %q", f.UserID, f.LoginHint, f.PasswordAt, f.FirstFactor)
	}
	// A flow is named once: a second name (another account, or none) is refused.
	newUser(t, s, "u2", "bob")
	for _, id := range []string{"u2", ""} {
		if err := s.NameFlow(ctx(t), "f1", id, "bob", s.Now()); !errors.Is(err, store.ErrStale) {
			t.Fatalf("naming a named flow again (%q) = %v, want ErrStale", id, err)
		}
	}
	// A name that is no account names the flow all the same, once.
	typedFlow(t, s, "f2")
	must(t, s.NameFlow(ctx(t), "f2", "", "nobody", s.Now()), "NameFlow (no account)")
	if err := s.NameFlow(ctx(t), "f2", "u1", "ann", s.Now()); !errors.Is(err, store.ErrStale) {
		t.Fatalf("naming a flow named after no account = %v, want ErrStale", err)
	}
	// Only a typed flow is named: never one of otpgate's own first factor.
	newFlow(t, s, "f3")
	if err := s.NameFlow(ctx(t), "f3", "u1", "ann", s.Now()); !errors.Is(err, store.ErrStale) {
		t.Fatalf("naming an ordinary flow = %v, want ErrStale", err)
	}
	if f := flowOf(t, s, "f3"); f.UserID != "" || f.PasswordAt != nil {
		t.Fatalf("the ordinary flow changed: user %q password_at %v", f.UserID, f.PasswordAt)
	}
}

func testBudgetedPasscode(t *testing.T, s *store.Store, _ *clock) {
	passcodeUser(t, s)
	const threshold = 3
	for range threshold + 2 {
		c := wrongCheck(threshold)
		c.Budgeted = true
		out, err := s.CheckPasscode(ctx(t), c)
		must(t, err, "CheckPasscode (budgeted, wrong)")
		if !errors.Is(out.Rejected, mfa.ErrInvalid) || out.Locked || out.Refused {
			t.Fatalf("budgeted wrong code: %+v", out)
		}
	}
	u, err := s.UserByID(ctx(t), "u1")
	must(t, err, "UserByID")
	if u.OTPFailures != 0 || u.OTPLocked {
		t.Fatalf("budgeted wrong codes counted: failures %d locked %v", u.OTPFailures, u.OTPLocked)
	}
	c := stepCheck(threshold, 101)
	c.Budgeted = true
	out, err := s.CheckPasscode(ctx(t), c)
	must(t, err, "CheckPasscode (budgeted, right)")
	if out.Rejected != nil || flowOf(t, s, "f1").OTPAt == nil || lastStep(t, s) != 101 {
		t.Fatalf("budgeted right code: %+v, last step %d", out, lastStep(t, s))
	}
	// A locked account's code is rejected unchecked.
	for range threshold {
		_, err := s.RecordOTPFailure(ctx(t), "u1", threshold)
		must(t, err, "RecordOTPFailure")
	}
	checked := false
	c = store.PasscodeCheck{UserID: "u1", FlowID: "f1", Budgeted: true,
		Verify: func(context.Context, mfa.Store) error { checked = true; return nil }}
	out, err = s.CheckPasscode(ctx(t), c)
	must(t, err, "CheckPasscode (budgeted, locked)")
	if checked || !errors.Is(out.Rejected, mfa.ErrInvalid) {
		t.Fatalf("locked account: checked %v outcome %+v", checked, out)
	}
}
